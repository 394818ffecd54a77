package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Wav;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.train.TinyWatermark;

/**
 * {@code watermark embed|detect|eval}, {@code import silentcipher} and {@code train watermark}: plumbing,
 * errors and exit codes on a tiny model trained for two steps (too little to decode reliably, which these
 * tests do not need).
 */
class WatermarkCommandsTest {
    @TempDir
    static Path dir;
    static Path model;
    static WatermarkModel loaded;

    @BeforeAll
    static void tinyModel() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        model = dir.resolve("model");
        TinyWatermark.model(data, model, 2);
        loaded = WatermarkModel.load(model);
    }

    /** Two seconds of tones and noise, {@code channels} channels (the second quieter), at {@code rate}. */
    static Path audio(String name, int rate, int channels, double seconds, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = (int) Math.round(seconds * rate);
        float[][] ch = new float[channels][n];
        for (int i = 0; i < n; i++) {
            double t = (double) i / rate;
            double v = 0.3 * Math.sin(2 * Math.PI * (150 + 40 * r.nextDouble()) * t) + 0.1 * Math.sin(2 * Math.PI * 900 * t)
                    + 0.03 * r.nextGaussian();
            for (int c = 0; c < channels; c++) {
                ch[c][i] = (float) (v / (1 + c));
            }
        }
        Path p = dir.resolve(name);
        Wav.writeFloat32(p, new Audio(ch, rate));
        return p;
    }

    /** 1.5 s at 8 kHz: a random tone per hop (16 samples) of a 9-hop cycle, repeated. */
    static Path cyclicTones(String name, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] f = new double[9];
        for (int k = 0; k < 9; k++) {
            f[k] = 200 + 3300 * r.nextDouble();
        }
        float[] x = new float[12000];
        for (int n = 0; n < x.length; n++) {
            x[n] = (float) (0.3 * Math.sin(2 * Math.PI * f[(n / 16) % 9] * n / 8000.0));
        }
        Path p = dir.resolve(name);
        Wav.writeFloat32(p, Audio.mono(x, 8000));
        return p;
    }

    /** 10 log10(sum x^2 / sum (y - x)^2), written here independently of eval.metric.Sdr. */
    static double sdr(float[] x, float[] y) {
        double s = 0;
        double e = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * x[i];
            e += ((double) y[i] - x[i]) * ((double) y[i] - x[i]);
        }
        return 10 * Math.log10(s / e);
    }

    @Test
    void embedKeepsRateChannelsAndLengthAndDetectAnswersZeroOrOne() {
        Path in = audio("stereo16k.wav", 16000, 2, 2.0, 1);
        Path out = dir.resolve("stereo16k.wm.wav");
        MainTest.Run r = MainTest.run("watermark", "embed", "--model", model.toString(), "--in", in.toString(),
                "--payload", "0xBEEF", "--out", out.toString());
        assertEquals(Command.OK, r.code(), r.err());
        assertTrue(r.out().contains("payload 0xBEEF embedded"), r.out());
        assertTrue(r.err().contains("resampled from 16000 Hz to the model's 8000 Hz"), r.err());
        Audio a = Wav.read(in);
        Audio b = Wav.read(out);
        assertEquals(16000, b.sampleRate());
        assertEquals(2, b.channelCount());
        assertEquals(a.frames(), b.frames());
        MainTest.Run d = MainTest.run("watermark", "detect", "--model", model.toString(), "--in", out.toString());
        assertTrue(d.code() == Command.OK && d.out().startsWith("payload 0x")
                || d.code() == Command.NEGATIVE && d.out().startsWith("no watermark found"), d.out() + d.err());
    }

    @Test
    void embedReachesTheRequestedSdr() {
        for (int rate : new int[] {8000, 16000}) {
            Path in = audio("sdr" + rate + ".wav", rate, 1, 2.0, 2);
            for (double target : new double[] {20, 35}) {
                Path out = dir.resolve("sdr" + rate + "_" + target + ".wav");
                MainTest.Run r = MainTest.run("watermark", "embed", "--model", model.toString(), "--in", in.toString(),
                        "--payload", "0x1234", "--out", out.toString(), "--sdr", String.valueOf(target), "--float32");
                assertEquals(Command.OK, r.code(), r.err());
                double measured = sdr(Wav.read(in).mono(), Wav.read(out).mono());
                assertEquals(target, measured, 0.5, rate + " Hz, --sdr " + target);
            }
        }
    }

    @Test
    void detectExitCodesFoundNotFoundAndError() {
        // search inputs for one on which the (barely trained) model decodes a message: tones that
        // change every hop and repeat every 9 hops (the message period), so the per-position modes differ
        Path found = null;
        PayloadCodec.Decoded decoded = null;
        for (int seed = 0; seed < 60 && found == null; seed++) {
            Path p = cyclicTones("probe" + seed + ".wav", seed);
            PayloadCodec.Decoded d = loaded.codec().decode(loaded.silentCipher().decode(Wav.read(p).mono()).frameClasses());
            if (d.found() && d.confidence() < 1) {
                found = p;
                decoded = d;
            }
        }
        assertTrue(found != null, "no probe input decoded to a message");
        String hex = String.format(Locale.ROOT, "0x%04X", PayloadCodec.valueOf(decoded.bits()));
        MainTest.Run yes = MainTest.run("watermark", "detect", "--model", model.toString(), "--in", found.toString(),
                "--threshold", "0");
        assertEquals(Command.OK, yes.code(), yes.err());
        assertTrue(yes.out().startsWith("payload " + hex + " confidence"), yes.out());
        MainTest.Run low = MainTest.run("watermark", "detect", "--model", model.toString(), "--in", found.toString(),
                "--threshold", "1");
        assertEquals(Command.NEGATIVE, low.code(), low.out());
        assertTrue(low.out().startsWith("no watermark found (confidence"), low.out());
        Path silent = dir.resolve("silent.wav");
        Wav.writePcm16(silent, Audio.mono(new float[8000], 8000));
        MainTest.Run none = MainTest.run("watermark", "detect", "--model", model.toString(), "--in", silent.toString());
        assertEquals(Command.NEGATIVE, none.code());
        assertTrue(none.out().contains("no watermark found"), none.out());
        MainTest.Run bad = MainTest.run("watermark", "detect", "--model", model.toString(), "--in",
                dir.resolve("missing.wav").toString());
        assertEquals(Command.USAGE, bad.code());
        assertTrue(bad.err().contains("no such file"), bad.err());
    }

    @Test
    void clearErrorsForPayloadShortAudioAndWrongModel() throws Exception {
        Path in = audio("err.wav", 8000, 1, 1.0, 3);
        Path out = dir.resolve("err.out.wav");
        MainTest.Run big = MainTest.run("watermark", "embed", "--model", model.toString(), "--in", in.toString(),
                "--payload", "0x1BEEF", "--out", out.toString());
        assertEquals(Command.USAGE, big.code());
        assertTrue(big.err().contains("does not fit the model's 16-bit payload (max 0xFFFF)"), big.err());
        MainTest.Run junk = MainTest.run("watermark", "embed", "--model", model.toString(), "--in", in.toString(),
                "--payload", "beef!", "--out", out.toString());
        assertTrue(junk.code() == Command.USAGE && junk.err().contains("not a hex"), junk.err());
        // 0.01 s = 80 samples: 7 frames, the period is 9
        Path shortIn = audio("short.wav", 8000, 1, 0.01, 4);
        MainTest.Run shortRun = MainTest.run("watermark", "embed", "--model", model.toString(), "--in", shortIn.toString(),
                "--payload", "1", "--out", out.toString());
        assertEquals(Command.USAGE, shortRun.code());
        assertTrue(shortRun.err().contains("shorter than one message period of 9 frames"), shortRun.err());
        MainTest.Run shortDetect = MainTest.run("watermark", "detect", "--model", model.toString(), "--in",
                shortIn.toString());
        assertEquals(Command.USAGE, shortDetect.code());
        // one second over the length that embedding takes (its memory grows with the clip): refused in one line
        Path longIn = audio("long.wav", 8000, 1, WatermarkCommands.Embed.MAX_EMBED_SECONDS + 1, 5);
        MainTest.Run longRun = MainTest.run("watermark", "embed", "--model", model.toString(), "--in", longIn.toString(),
                "--payload", "1", "--out", out.toString());
        assertEquals(Command.USAGE, longRun.code());
        assertTrue(longRun.err().contains(longIn + ": 241.0 s is longer than watermark embed takes (240 s"),
                longRun.err());
        assertFalse(Files.exists(out), "nothing written");
        Path vocoder = Files.createDirectories(dir.resolve("vocoder"));
        Files.writeString(vocoder.resolve("config.json"), "{\"resblock\": \"1\", \"num_mels\": 80}");
        MainTest.Run wrong = MainTest.run("watermark", "detect", "--model", vocoder.toString(), "--in", in.toString());
        assertEquals(Command.USAGE, wrong.code());
        assertTrue(wrong.err().contains("not a watermark model (config.json has no 'kind'"), wrong.err());
        Files.writeString(vocoder.resolve("config.json"), "{\"kind\": \"vocoder\"}");
        wrong = MainTest.run("watermark", "embed", "--model", vocoder.toString(), "--in", in.toString(), "--payload", "1",
                "--out", out.toString());
        assertTrue(wrong.code() == Command.USAGE && wrong.err().contains("kind 'vocoder'"), wrong.err());
        MainTest.Run missing = MainTest.run("watermark", "detect", "--model", dir.resolve("nope").toString(), "--in",
                in.toString());
        assertTrue(missing.code() == Command.USAGE && missing.err().contains("not a model directory"), missing.err());
    }

    @Test
    void payloadParsingAndFormatting() {
        assertEquals(0xBEEF, WatermarkCommands.parsePayload("0xBEEF", 16));
        assertEquals(0xBEEF, WatermarkCommands.parsePayload("0xbe_ef", 16));
        assertEquals(48879, WatermarkCommands.parsePayload("48879", 16));
        assertEquals(0xFFFFFFFFFFL, WatermarkCommands.parsePayload("0xFFFFFFFFFF", 40));
        assertThrows(LockeyException.class, () -> WatermarkCommands.parsePayload("0x10000", 16));
        assertThrows(LockeyException.class, () -> WatermarkCommands.parsePayload("-1", 16));
        assertEquals("0x0005", WatermarkCommands.hex(5, 16));
        assertEquals("0x1", WatermarkCommands.hex(1, 3));
    }

    @Test
    void calibrationFindsTheAlphaOfAMonotoneSdrCurve() {
        // a curve like the measured ones: about 1 dB per dB, a few dB above alpha
        WatermarkCommands.Calibrated c = WatermarkCommands.calibrate(a -> 0.9 * a + 5 + 0.3 * Math.sin(a), 30);
        assertEquals(30, c.sdr(), WatermarkCommands.SDR_TOLERANCE_DB);
        assertEquals(0.9 * c.alpha() + 5 + 0.3 * Math.sin(c.alpha()), c.sdr(), 1e-12, "the SDR reported is alpha's");
    }

    @Test
    void trainRejectsAnUnknownRateAndMissingData() {
        MainTest.Run rate = MainTest.run("train", "watermark", "--rate", "12345", "--data", dir.toString(), "--out",
                dir.resolve("r").toString());
        assertEquals(Command.USAGE, rate.code());
        assertTrue(rate.err().contains("no watermark config for 12345 Hz"), rate.err());
        MainTest.Run data = MainTest.run("train", "watermark", "--rate", "16000", "--data", dir.resolve("nodata").toString(),
                "--out", dir.resolve("r").toString());
        assertEquals(Command.USAGE, data.code());
        assertTrue(data.err().contains("not a directory"), data.err());
    }

    @Test
    @Tag("slow")
    void trainWritesALoadableModelAndResumes() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data16k"));
        for (int c = 0; c < 2; c++) {
            Files.copy(audio("t" + c + ".wav", 16000, 1, 0.6, 10 + c), data.resolve("t" + c + ".wav"));
        }
        Path run = dir.resolve("run16k");
        String[] args = {"train", "watermark", "--rate", "16000", "--data", data.toString(), "--out", run.toString(),
            "--steps", "1", "--batch-size", "1", "--crop-seconds", "0.4", "--channels", "4", "--layers", "2",
            "--distortions", "none"};
        MainTest.Run first = MainTest.run(args);
        assertEquals(Command.OK, first.code(), first.err());
        WatermarkModel m = WatermarkModel.load(run);
        assertEquals(16000, m.sampleRate());
        assertEquals(4, m.config().msgDecoderChannels());
        MainTest.Run again = MainTest.run(args);
        assertEquals(Command.USAGE, again.code());
        assertTrue(again.err().contains("--resume"), again.err());
        String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
        resume[resume.length - 1] = "--resume";
        resume[9] = "2";
        MainTest.Run more = MainTest.run(resume);
        assertEquals(Command.OK, more.code(), more.err());
        assertTrue(more.out().contains("resumed from step 1"), more.out());
    }

    @Test
    void evalWritesItsTableWithOutAndShowsProgress() throws Exception {
        Path out = dir.resolve("eval-out");
        List<String> names = List.of("orig", "gaus", "quant");
        MainTest.Run r = MainTest.run("eval", "watermark", "--model", model.toString(), "--data",
                dir.resolve("data").toString(), "--distortions", String.join(",", names), "--out", out.toString());
        assertEquals(Command.OK, r.code(), r.err());
        assertTrue(r.err().contains("eval watermark ["), "a progress line on stderr: " + r.err());
        // 4 clips x 3 distortions = 12 decodings, the last line reports all of them
        assertTrue(r.err().contains("12/12"), r.err());
        List<String> csv = Files.readAllLines(out.resolve("watermark-eval.csv"));
        assertEquals("distortion,bit_accuracy", csv.get(0));
        assertEquals(1 + names.size(), csv.size(), "a header and one row per distortion: " + csv);
        for (int i = 0; i < names.size(); i++) {
            String[] cells = csv.get(i + 1).split(",");
            assertEquals(2, cells.length, csv.get(i + 1));
            assertEquals('"' + names.get(i) + '"', cells[0]);
            double accuracy = Double.parseDouble(cells[1]);
            assertTrue(accuracy >= 0 && accuracy <= 1, names.get(i) + ": bit accuracy " + accuracy);
            // the 16-bit payload of each of the 4 clips: a mean of k/16 per clip, so a multiple of 1/64
            assertEquals(0, Math.abs(accuracy * 64 - Math.rint(accuracy * 64)), 1e-9, names.get(i) + ": " + accuracy);
            assertTrue(r.out().contains(String.format(Locale.ROOT, "%-10s %.4f", names.get(i), accuracy)), r.out());
        }
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("watermark-eval.json").toFile());
        assertEquals(names.size(), json.get("rows").size());
        assertEquals("distortion", json.get("columns").get(0).asText());
        assertTrue(Files.readString(out.resolve("watermark-eval.md")).contains("| distortion | bit_accuracy |"));
        MainTest.Run help = MainTest.run("eval", "watermark", "--help");
        assertTrue(help.out().contains("--out") && help.out().contains("watermark-eval.md"), help.out());
    }

    /** A copy of the tiny model directory whose weights hold enc_c and dec_c only (no dec_m_0). */
    static Path embedOnlyCopy(String name) throws Exception {
        Path copy = Files.createDirectories(dir.resolve(name));
        Files.copy(model.resolve(WatermarkModel.CONFIG_FILE), copy.resolve(WatermarkModel.CONFIG_FILE));
        SafeTensors full = SafeTensors.read(model.resolve(WatermarkModel.MODEL_FILE));
        Map<String, Tensor> embedding = new TreeMap<>(full.tensors());
        embedding.keySet().removeIf(k -> k.startsWith("dec_m_0."));
        SafeTensors.write(copy.resolve(WatermarkModel.MODEL_FILE), embedding, full.metadata());
        return copy;
    }

    /** One line on stderr naming {@code file} and the missing message decoder, no stack trace, exit 2. */
    static void assertNoMessageDecoder(MainTest.Run r, Path file) {
        assertEquals(Command.USAGE, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(file.toString()) && r.err().contains("no message decoder (no dec_m_0.* weights"),
                r.err());
        assertTrue(!r.err().contains("at org."), "no stack trace: " + r.err());
    }

    @Test
    void anEmbedOnlyModelEmbedsAsTheFullModelAndDetectAndEvalStopWithOneLine() throws Exception {
        Path embedOnly = embedOnlyCopy("embed-only");
        assertEquals(SilentCipher.Networks.EMBEDDING_ONLY, WatermarkModel.load(embedOnly).networks());
        Path in = audio("embed-only.wav", 8000, 1, 2.0, 5);
        Path byFull = dir.resolve("embed-only.full.wav");
        Path byEmbedOnly = dir.resolve("embed-only.enc-dec.wav");
        for (Path[] run : new Path[][] {{model, byFull}, {embedOnly, byEmbedOnly}}) {
            MainTest.Run r = MainTest.run("watermark", "embed", "--model", run[0].toString(), "--in", in.toString(),
                    "--payload", "0xBEEF", "--out", run[1].toString(), "--float32");
            assertEquals(Command.OK, r.code(), r.err());
        }
        assertArrayEquals(Wav.read(byFull).mono(), Wav.read(byEmbedOnly).mono());
        Path weights = embedOnly.resolve(WatermarkModel.MODEL_FILE);
        assertNoMessageDecoder(MainTest.run("watermark", "detect", "--model", embedOnly.toString(), "--in",
                byEmbedOnly.toString()), weights);
        assertNoMessageDecoder(MainTest.run("eval", "watermark", "--model", embedOnly.toString(), "--data",
                dir.resolve("data").toString(), "--distortions", "orig"), weights);
        assertNoMessageDecoder(MainTest.run("eval", "table1", "--watermark", embedOnly.toString(), "--data",
                dir.resolve("data").toString(), "--distortions", "orig"), weights);
    }

    /** {@code hparams.yaml} as a release writes it, for the tiny config (plus keys the port ignores). */
    static Path hparams(String name, SilentCipherConfig c, int messageDim) throws Exception {
        String yaml = String.join("\n", "SR: " + c.sampleRate(), "N_FFT: " + c.nFft(), "HOP_LENGTH: " + c.hopLength(),
                "message_dim: " + messageDim, "message_len: " + c.messageLen(),
                "message_band_size: " + c.messageBandSize(), "message_sdr: " + c.messageSdr(),
                "enc_n_layers: " + c.encNLayers(), "dec_c_n_layers: " + c.decCNLayers(),
                "ensure_negative_message: " + c.ensureNegativeMessage(),
                "ensure_constrained_message: " + c.ensureConstrainedMessage(),
                "frame_level_normalization: " + c.frameLevelNormalization(),
                "utterance_level_normalization: " + c.utteranceLevelNormalization(),
                "no_normalization: " + c.noNormalization(), "n_messages: " + c.nMessages(), "model_type: tiny",
                "lr: 0.0001", "");
        Path p = dir.resolve(name);
        Files.writeString(p, yaml);
        return p;
    }

    /** One network's state dict as upstream saves it: keys without the network prefix, under DataParallel's module. */
    static Path upstreamStateDict(String network) {
        Map<String, Tensor> out = new TreeMap<>();
        loaded.weights().forEach((k, v) -> {
            if (k.startsWith(network + ".")) {
                String key = "module." + k.substring(network.length() + 1);
                out.put(key, new Tensor(key, v.dtype(), v.shape(), v.data())); // safetensors files name tensors by Tensor#name
            }
        });
        Path p = dir.resolve("release-" + network + ".safetensors");
        SafeTensors.write(p, out, Map.of());
        return p;
    }

    @Test
    void importSilentcipherLoadsBothReleaseLayouts() throws Exception {
        Path yaml = hparams("hparams.yaml", loaded.config(), loaded.config().messageDim());
        Path encC = upstreamStateDict("enc_c");
        Path decC = upstreamStateDict("dec_c");
        Path decM = upstreamStateDict("dec_m_0");
        Path full = dir.resolve("imported-full");
        Path embedOnly = dir.resolve("imported-embed-only");
        MainTest.Run withDecoder = MainTest.run("import", "silentcipher", "--hparams", yaml.toString(), "--enc-c",
                encC.toString(), "--dec-c", decC.toString(), "--dec-m", decM.toString(), "--out", full.toString());
        assertEquals(Command.OK, withDecoder.code(), withDecoder.err());
        assertTrue(withDecoder.out().contains("embedding and message decoder"), withDecoder.out());
        MainTest.Run withoutDecoder = MainTest.run("import", "silentcipher", "--hparams", yaml.toString(), "--enc-c",
                encC.toString(), "--dec-c", decC.toString(), "--out", embedOnly.toString());
        assertEquals(Command.OK, withoutDecoder.code(), withoutDecoder.err());
        assertTrue(withoutDecoder.out().contains("embedding only"), withoutDecoder.out());
        WatermarkModel a = WatermarkModel.load(full);
        WatermarkModel b = WatermarkModel.load(embedOnly);
        assertEquals(SilentCipher.Networks.EMBEDDING_AND_MESSAGE_DECODER, a.networks());
        assertEquals(SilentCipher.Networks.EMBEDDING_ONLY, b.networks());
        assertEquals(16, a.payloadBits()); // message_len 9 = 8 two-bit symbols + the end token
        assertEquals(loaded.config().msgDecoderChannels(), a.config().msgDecoderChannels()); // sized from dec_m_0
        assertEquals(loaded.config().msgDecoderLayers(), a.config().msgDecoderLayers());
        float[] x = Wav.read(audio("import.wav", 8000, 1, 1.5, 6)).mono();
        boolean[] bits = PayloadCodec.bitsOf(0x5A5AL, 16);
        float[] want = loaded.silentCipher().embed(x, bits, 20).watermarked();
        assertArrayEquals(want, a.silentCipher().embed(x, bits, 20).watermarked());
        assertArrayEquals(want, b.silentCipher().embed(x, bits, 20).watermarked());
        assertArrayEquals(loaded.silentCipher().decode(x).frameClasses(), a.silentCipher().decode(x).frameClasses());
        // the released 16 kHz hparams' message_dim 4 is not the bit-payload format: refused naming the file
        Path yaml16 = hparams("hparams16.yaml", loaded.config(), 4);
        MainTest.Run refused = MainTest.run("import", "silentcipher", "--hparams", yaml16.toString(), "--enc-c",
                encC.toString(), "--dec-c", decC.toString(), "--out", dir.resolve("imported-16").toString());
        assertEquals(Command.USAGE, refused.code(), refused.out());
        assertTrue(refused.err().contains(yaml16 + ": message_dim 4"), refused.err());
        assertTrue(!Files.exists(dir.resolve("imported-16")), "nothing written");
    }
}
