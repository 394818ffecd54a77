package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.audio.Audio;
import org.lockey.audio.Wav;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.model.silentcipher.DetectThreshold;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.nn.BatchNorm2d;

import com.fasterxml.jackson.databind.ObjectMapper;

/** keys, finetune, generate and trace end to end on tiny untrained models: the plumbing, exit codes and errors. */
class LockeyCommandsTest {
    @TempDir
    static Path dir;
    static Path base;
    static Path wm;
    static Path registry;
    static Path run;
    static String aliceKey;

    /** Saves a tiny random HiFi-GAN to {@code dir/base} and a tiny 22.05 kHz watermark model to {@code dir/wm}. */
    static void saveTinyBaseAndWatermark(Path dir) {
        HifiGanConfig gen = HifiGanConfig.generator(HifiGanConfig.ResBlockKind.TWO, List.of(8, 8, 2, 2),
                List.of(16, 16, 4, 4), 16, List.of(3), List.of(List.of(1, 2)));
        HifiGan.random(gen, 1).save(dir.resolve("base"));
        SilentCipherConfig sc = SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2);
        new WatermarkModel(sc, 16, BatchNorm2d.Mode.BATCH_STATISTICS, DetectThreshold.uniform(0.6),
                SilentCipher.initialised(sc, 2).weights(),
                new ObjectMapper().createObjectNode()).save(dir.resolve("wm"));
    }

    @BeforeAll
    static void finetuneATinyModel() {
        saveTinyBaseAndWatermark(dir);
        base = dir.resolve("base");
        wm = dir.resolve("wm");
        registry = dir.resolve("registry.json");
        assertEquals(0, MainTest.run("keys", "init", "--bits", "16", "--valid", "20", "--seed", "3", "--out",
                registry.toString()).code());
        MainTest.Run issued = MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "alice");
        assertEquals(0, issued.code(), issued.err());
        aliceKey = issued.out().strip();
        run = dir.resolve("run");
        MainTest.Run r = MainTest.run("train", "lockey", "--base", base.toString(), "--watermark", wm.toString(), "--registry",
                registry.toString(), "--data", "reference-data/speech", "--out", run.toString(), "--steps", "2",
                "--batch-size", "1", "--crop-frames", "48", "--checkpoint-every", "1", "--key-dim", "4",
                "--key-hidden", "8");
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void finetuneWritesCheckpointModelAndLog() throws Exception {
        assertTrue(Files.exists(run.resolve("checkpoint.safetensors")));
        assertTrue(Files.exists(run.resolve("model/model.safetensors")));
        assertTrue(Files.exists(run.resolve("model/watermark/config.json")));
        assertTrue(Files.readString(run.resolve("log.txt")).contains("SDR_valid"));
        java.util.List<String> curves = Files.readAllLines(run.resolve("validation.tsv"));
        assertEquals(3, curves.size(), "a header and the validations at step 0 and at the last step: " + curves);
        assertTrue(curves.get(0).startsWith("step\twall_seconds\tsdr_valid_db\tsdr_invalid_db"), curves.get(0));
        assertEquals("0", curves.get(1).split("\t")[0]);
        assertEquals("2", curves.get(2).split("\t")[0]);
        for (String png : new String[] {"curves-sdr.png", "curves-accuracy.png"}) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(run.resolve(png)), 4);
            assertEquals("\u0089PNG", new String(head, java.nio.charset.StandardCharsets.ISO_8859_1), png);
        }
        MainTest.Run again = MainTest.run("train", "lockey", "--base", base.toString(), "--watermark", wm.toString(),
                "--registry", registry.toString(), "--data", "reference-data/speech", "--out", run.toString());
        assertEquals(Command.USAGE, again.code());
        assertTrue(again.err().contains("--resume"), again.err());
    }

    @Test
    void generateNeverEchoesTheKeyAndRefusesMalformedKeys() {
        float[] x = new float[22050];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 200 * i / 22050.0));
        }
        Path in = dir.resolve("in.wav");
        Wav.writePcm16(in, Audio.mono(x, 22050));
        Path out = dir.resolve("gen.wav");
        MainTest.Run r = MainTest.run("generate", "--model", run.toString(), "--key", aliceKey, "--in", in.toString(),
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains(aliceKey) || r.err().contains(aliceKey), "the key is never printed");
        assertEquals(22050 / 256 * 256, Wav.read(out).frames());
        MainTest.Run bad = MainTest.run("generate", "--model", run.toString(), "--key", "12g4", "--in", in.toString(),
                "--out", out.toString());
        assertEquals(Command.USAGE, bad.code());
        assertTrue(bad.err().contains("malformed key") && !bad.err().contains("12g4"), bad.err());
    }

    @Test
    void traceOfAnUntrainedModelFindsNoIssuedKey() throws Exception {
        float[] noise = new float[22050 * 2];
        java.util.Random rnd = new java.util.Random(5);
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) (0.1 * rnd.nextGaussian());
        }
        Path clip = dir.resolve("suspicious.wav");
        Wav.writePcm16(clip, Audio.mono(noise, 22050));
        MainTest.Run r = MainTest.run("trace", "--model", run.toString(), "--registry", registry.toString(), "--in",
                clip.toString());
        assertEquals(LockeyCommands.Trace.NOT_FOUND, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("not traced to a user") || r.out().contains("no issued key matches"), r.out());
        Path batch = dir.resolve("batch");
        Files.createDirectories(batch);
        Files.copy(clip, batch.resolve("a.wav"));
        Path csv = dir.resolve("trace.csv");
        r = MainTest.run("trace", "--model", run.toString(), "--registry", registry.toString(), "--in", batch.toString(),
                "--csv", csv.toString());
        assertEquals(LockeyCommands.Trace.NOT_FOUND, r.code());
        List<String> rows = Files.readAllLines(csv);
        assertEquals("file,found,user,hamming,confidence,note", rows.get(0));
        assertTrue(rows.get(1).contains(",false,"), rows.get(1));
    }

    @Test
    void table2OfTheRunHasThePapersColumns() throws Exception {
        Path out = dir.resolve("eval");
        MainTest.Run r = MainTest.run("eval", "table2", "--model", run.toString(), "--base", base.toString(),
                "--registry", registry.toString(), "--data", "reference-data/speech", "--clips", "1", "--keys", "1",
                "--distortions", "orig,gaus", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        var json = new ObjectMapper().readTree(out.resolve("table2.json").toFile());
        assertEquals(List.of("Models", "SDR Valid", "SDR Invalid", "orig", "gaus"),
                new ObjectMapper().convertValue(json.get("columns"), List.class));
        var row = json.get("rows").get(0);
        assertEquals("HiFi-GAN", row.get("Models").asText());
        assertTrue(Double.isFinite(row.get("SDR Valid").asDouble()) && row.get("orig").asDouble() >= 0
                && row.get("orig").asDouble() <= 1, row.toString());
    }

    @Test
    void qualityWritesTableIIIStandInsAndRejectsBadInput() throws Exception {
        Path out = dir.resolve("quality");
        MainTest.Run r = MainTest.run("eval", "quality", "--model", run.toString(), "--base", base.toString(),
                "--registry", registry.toString(), "--data", "reference-data/speech", "--clips", "1", "--keys", "1",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("quality hifigan"), "progress line: " + r.err());
        for (String f : List.of("quality.md", "quality.csv", "quality.json")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        var json = new ObjectMapper().readTree(out.resolve("quality.json").toFile());
        List<String> rows = new java.util.ArrayList<>();
        json.get("rows").forEach(row -> rows.add(row.get("row").asText()));
        assertEquals(List.of("Real", "Watermarked", "Teacher", "Valid", "Invalid"), rows);
        var real = json.get("rows").get(0);
        assertEquals(1.0, real.get("STOI").asDouble(), 1e-12);
        assertEquals(0.0, real.get("mel distance").asDouble(), 0.0);
        assertTrue(real.get("SDR (dB)").isNull(), "+inf is written as null: " + real);
        var valid = json.get("rows").get(3);
        assertTrue(Double.isFinite(valid.get("SDR vs teacher (dB)").asDouble()) && valid.get("STOI").asDouble() < 1,
                valid.toString());

        MainTest.Run help = MainTest.run("eval", "quality", "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().contains("--keys") && help.out().contains("Watermarked"), help.out());

        MainTest.Run bad = MainTest.run("eval", "quality", "--model", run.toString(), "--base", base.toString(),
                "--registry", registry.toString(), "--data", "reference-data/speech", "--keys", "0");
        assertTrue(bad.code() != 0);
        assertTrue(bad.err().contains("at least one clip and one key"), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
    }

    @Test
    void attackWritesTableAndPlotAndRejectsBadStds() throws Exception {
        Path out = dir.resolve("attack");
        MainTest.Run r = MainTest.run("eval", "attack", "--model", run.toString(), "--base", base.toString(),
                "--registry", registry.toString(), "--data", "reference-data/speech", "--clips", "1", "--keys", "1",
                "--stds", "0,0.05", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("attack.md", "attack.csv", "attack.json", "attack.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        var json = new ObjectMapper().readTree(out.resolve("attack.json").toFile());
        assertEquals(2, json.get("rows").size());
        assertEquals("0", json.get("rows").get(0).get("Noise std").asText());
        assertEquals("0.05", json.get("rows").get(1).get("Noise std").asText());
        assertTrue(json.get("rows").get(1).get("SDR vs unperturbed").isNumber(), json.toString());
        assertTrue(json.get("rows").get(0).get("SDR vs unperturbed").isNull(), "std 0 must be the unperturbed output");

        for (String bad : List.of("--stds=0,abc", "--stds=0,-0.1", "--stds=0,,1", "--stds=NaN", "--stds=1e999")) {
            MainTest.Run e = MainTest.run("eval", "attack", "--model", run.toString(), "--base", base.toString(),
                    "--registry", registry.toString(), "--data", "reference-data/speech", bad);
            assertEquals(Command.USAGE, e.code(), bad + ": " + e.err());
            assertEquals(1, e.err().strip().lines().count(), bad + ": " + e.err());
            assertTrue(e.err().contains("--stds"), e.err());
        }
    }

    @Test
    void sdrOfAKnownNoiseLevel() {
        float[] x = new float[16000];
        float[] y = new float[16000];
        java.util.Random rnd = new java.util.Random(1);
        double s = 0;
        double e = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.05);
            y[i] = x[i] + (float) (0.01 * rnd.nextGaussian());
        }
        Path ref = dir.resolve("ref.wav");
        Path est = dir.resolve("est.wav");
        Wav.writeFloat32(ref, Audio.mono(x, 16000));
        Wav.writeFloat32(est, Audio.mono(y, 16000));
        for (int i = 0; i < x.length; i++) {
            s += x[i] * (double) x[i];
            e += (y[i] - x[i]) * (double) (y[i] - x[i]);
        }
        MainTest.Run r = MainTest.run("eval", "sdr", "--ref", ref.toString(), "--est", est.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(String.format(java.util.Locale.ROOT, "%.2f dB", 10 * Math.log10(s / e)), r.out().strip());
    }

    @Test
    void demoWritesWavsReportAndSummary() throws Exception {
        Path models = dir.resolve("models");
        Files.createDirectories(models);
        copyTree(base, models.resolve("hifigan"));
        copyTree(run.resolve("model"), models.resolve("lockey-hifigan"));
        assertEquals(0, MainTest.run("keys", "init", "--bits", "16", "--valid", "20", "--seed", "3", "--out",
                models.resolve("registry-hifigan.json").toString()).code());
        Path out = dir.resolve("demo-out");
        MainTest.Run r = MainTest.run("demo", "--models", models.toString(), "--out", out.toString(), "--distortions",
                "orig,gaus");
        assertEquals(0, r.code(), r.out() + r.err());
        for (String f : List.of("alice.wav", "bob.wav", "carol.wav", "invalid-1.wav", "teacher.wav", "real.wav",
                "table2.md", "accuracy.png", "registry.json")) {
            assertTrue(Files.exists(out.resolve("hifigan").resolve(f)), f);
        }
        var summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("hifigan");
        assertEquals(3, summary.get("users_total").asInt());
        assertTrue(summary.get("bit_accuracy").has("orig") && summary.has("sdr_valid") && summary.has("sdr_invalid"),
                summary.toString());
        assertTrue(Files.readString(out.resolve("report.md")).contains("What a listener should hear"));
        double dc = 0;
        for (int u = 1; u <= 3; u++) {
            float[] y = org.lockey.audio.Wav.read(out.resolve("hifigan").resolve("invalid-" + u + ".wav")).mono();
            double sum = 0;
            for (float v : y) {
                sum += v;
            }
            dc += sum / y.length / 3;
        }
        assertEquals(dc, summary.get("invalid_dc").asDouble(), 1e-3, "the mean of the invalid-key clips written");
        assertTrue(summary.get("invalid_rms_ratio").asDouble() > 0, summary.toString());
        for (String f : List.of("verifier_accuracy", "verifier_accuracy_valid", "verifier_accuracy_invalid")) {
            double v = summary.get(f).asDouble(-1);
            assertTrue(v >= 0 && v <= 1, f + " is a share: " + summary);
        }
        double clipped = summary.get("invalid_clipped_fraction").asDouble();
        assertTrue(clipped >= 0 && clipped <= 1, summary.toString());
    }

    static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
