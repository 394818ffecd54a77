package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.eval.KeySize;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.WatermarkModel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** eval keysize end to end on tiny untrained models (2 steps per size): rows, resumption, budget, errors. */
class KeySizeCommandTest {
    @TempDir
    static Path dir;
    static Path base;
    static Path wm;
    static Path out;
    static MainTest.Run first;

    static String[] args(Path outDir, String sizes, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("eval", "key-size", "--base", base.toString(), "--watermark",
                wm.toString(), "--data", "reference-data/speech", "--sizes", sizes, "--valid", "4", "--steps", "2",
                "--key-warmup", "2", "--clips", "1", "--keys", "1", "--out", outDir.toString()));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @BeforeAll
    static void runTwoSizesOnTinyModels() {
        LockeyCommandsTest.saveTinyBaseAndWatermark(dir);
        base = dir.resolve("base");
        wm = dir.resolve("wm");
        out = dir.resolve("keysize");
        first = MainTest.run(args(out, "8,12"));
    }

    static JsonNode table(Path outDir) throws IOException {
        return new ObjectMapper().readTree(outDir.resolve("keysize.json").toFile());
    }

    /** Every file under {@code root} with its size and modification time. */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(root.relativize(p).toString(), Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }

    @Test
    void twoSizesGiveOneRowEachWithTheirRegistriesAndAPlot() throws Exception {
        assertEquals(0, first.code(), first.err());
        JsonNode rows = table(out).get("rows");
        assertEquals(2, rows.size(), rows.toString());
        assertEquals("8", rows.get(0).get("Key bits K").asText());
        assertEquals("256", rows.get(0).get("Total keys").asText());
        assertEquals("12", rows.get(1).get("Key bits K").asText());
        assertEquals("4096", rows.get(1).get("Total keys").asText());
        for (JsonNode r : rows) {
            assertEquals("4", r.get("Valid keys").asText());
            assertTrue(r.get("SDR Valid").isNumber() && r.get("SDR Invalid").isNumber(), r.toString());
            double acc = r.get("Bit accuracy").asDouble();
            assertTrue(acc >= 0 && acc <= 1, r.toString());
        }
        for (int k : new int[] {8, 12}) {
            Path run = out.resolve("runs").resolve("k" + k);
            KeyRegistry reg = KeyRegistry.load(run.resolve("registry.json"));
            assertEquals(k, reg.bits());
            assertEquals(4, reg.validKeys().size());
            assertTrue(Files.exists(run.resolve("checkpoint.safetensors")));
            assertTrue(Files.exists(run.resolve("model/model.safetensors")));
            var wmCfg = new ObjectMapper().readTree(run.resolve("model/watermark/config.json").toFile());
            assertEquals(k, wmCfg.get("payload_bits").asInt(), "the run's watermark carries K-bit payloads");
            assertEquals(k / 2 + 1, wmCfg.get("silentcipher").get("message_len").asInt());
        }
        assertTrue(Files.size(out.resolve("keysize.png")) > 1000);
        assertTrue(Files.readString(out.resolve("keysize.md")).contains("| 8 | 256 | 4 | 2 |"),
                Files.readString(out.resolve("keysize.md")));
    }

    @Test
    void aRerunSkipsFinishedSizesAndLeavesTheirRunsAlone() throws Exception {
        assertEquals(0, first.code(), first.err());
        Map<String, String> before = snapshot(out.resolve("runs"));
        Thread.sleep(20);
        MainTest.Run again = MainTest.run(args(out, "8,12"));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("k8: measured earlier") && again.err().contains("k12: measured earlier"),
                again.err());
        assertFalse(again.err().contains("fine-tuning"), again.err());
        assertEquals(before, snapshot(out.resolve("runs")), "no file of a finished size changed");
        assertEquals(2, table(out).get("rows").size());
    }

    @Test
    void aSizeKilledAfterTrainingIsMeasuredWithoutTrainingAgain() throws Exception {
        assertEquals(0, first.code(), first.err());
        Path out2 = dir.resolve("killed");
        Path run = KeySize.runDir(out2, 12);
        Files.createDirectories(run.getParent());
        LockeyCommandsTest.copyTree(KeySize.runDir(out, 12), run);
        Files.delete(run.resolve(KeySize.RESULT_FILE));
        long checkpointTime = Files.getLastModifiedTime(run.resolve("checkpoint.safetensors")).toMillis();
        MainTest.Run r = MainTest.run(args(out2, "12"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("training finished earlier"), r.err());
        assertEquals(checkpointTime, Files.getLastModifiedTime(run.resolve("checkpoint.safetensors")).toMillis());
        JsonNode a = table(out).get("rows").get(1);
        JsonNode b = table(out2).get("rows").get(0);
        assertEquals(a.get("SDR Valid").asDouble(), b.get("SDR Valid").asDouble(), 1e-6, "same model, same figures");
    }

    @Test
    void zeroMinutesStartsNoSizeAndSaysSo() throws Exception {
        Path out3 = dir.resolve("no-time");
        MainTest.Run r = MainTest.run(args(out3, "8,12", "--minutes", "0"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("sizes that fit the time given") && r.out().contains("not started: [8, 12]"),
                r.out());
        assertFalse(Files.exists(out3.resolve("runs").resolve("k8")));
        assertFalse(Files.exists(out3.resolve("runs").resolve("k12")));
        assertEquals(0, table(out3).get("rows").size());
        assertFalse(Files.exists(out3.resolve("keysize.png")));
    }

    @Test
    void badSizesAreRefusedWithExitTwoAndOneLine() {
        for (String[] bad : new String[][] {{"8,x", "'x' is not a whole number"}, {"8,65", "outside 1..64"},
                {"8,8", "listed twice"}, {"2", "no room for 4 valid keys"}}) {
            MainTest.Run r = MainTest.run(args(dir.resolve("bad"), bad[0]));
            assertEquals(Command.USAGE, r.code(), bad[0]);
            assertTrue(r.err().contains(bad[1]) && r.err().strip().lines().count() == 1, r.err());
        }
        assertFalse(Files.exists(dir.resolve("bad").resolve("runs")));
    }

    @Test
    void theRecipeIsTheShippedModelsFirstPhase() throws Exception {
        DemoRecipe.Step phase1 = DemoRecipe.HIFIGAN.stream().filter(s -> s.title().startsWith("keyed HiFi-GAN, phase 1"))
                .findFirst().orElseThrow();
        List<String> a = phase1.resolved(Path.of("runs"), Path.of("reference-data/models"));
        assertEquals(List.of("train", "lockey"), a.subList(0, 2));
        CommandLine cl = new DefaultParser().parse(new LockeyCommands.Finetune().options(),
                a.subList(2, a.size()).toArray(new String[0]));
        WatermarkModel shipped = WatermarkModel.load(Path.of("reference-data/models/watermark-22k"));
        ObjectNode want = LockeyCommands.Finetune.config(cl, shipped).toJson();
        ObjectNode got = KeySize.recipe(Long.parseLong(cl.getOptionValue("steps")),
                Integer.parseInt(cl.getOptionValue("key-warmup")), shipped.silentCipher().config().messageSdr()).toJson();
        for (String scheduleOnly : List.of("checkpoint_every", "validate_every")) {
            want.remove(scheduleOnly);
            got.remove(scheduleOnly);
        }
        assertEquals(want, got);
        assertEquals(Integer.parseInt(cl.getOptionValue("crop-frames")), KeySize.RECIPE_CROP_FRAMES);
        assertEquals(cl.getOptionValue("key-warmup"), "1000", "eval keysize's --key-warmup default");
    }
}
