package org.lockey.model.hifigan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.model.hifigan.HifiGanConfig.ResBlockKind;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** HifiGanConfig: published values, upstream JSON, defaults for missing fields, one-line validation errors. */
class HifiGanConfigTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Upstream config_v1.json (jik876/hifi-gan), values as published, including the fields we ignore. */
    static final String UPSTREAM_V1 = """
            {
                "resblock": "1",
                "num_gpus": 0,
                "batch_size": 16,
                "learning_rate": 0.0002,
                "adam_b1": 0.8,
                "adam_b2": 0.99,
                "lr_decay": 0.999,
                "seed": 1234,

                "upsample_rates": [8,8,2,2],
                "upsample_kernel_sizes": [16,16,4,4],
                "upsample_initial_channel": 512,
                "resblock_kernel_sizes": [3,7,11],
                "resblock_dilation_sizes": [[1,3,5], [1,3,5], [1,3,5]],

                "segment_size": 8192,
                "num_mels": 80,
                "num_freq": 1025,
                "n_fft": 1024,
                "hop_size": 256,
                "win_size": 1024,

                "sampling_rate": 22050,

                "fmin": 0,
                "fmax": 8000,
                "fmax_for_loss": null,

                "num_workers": 4,

                "dist_config": {
                    "dist_backend": "nccl",
                    "dist_url": "tcp://localhost:54321",
                    "world_size": 1
                }
            }
            """;

    /** The generator fields of upstream config_v3.json. */
    static final String UPSTREAM_V3_GENERATOR = """
            {"resblock": "2", "upsample_rates": [8,8,4], "upsample_kernel_sizes": [16,16,8],
             "upsample_initial_channel": 256, "resblock_kernel_sizes": [3,5,7],
             "resblock_dilation_sizes": [[1,2], [2,6], [3,12]]}
            """;

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void publishedConfigsHaveThePublishedValues() {
        HifiGanConfig v1 = HifiGanConfig.v1();
        assertEquals(ResBlockKind.ONE, v1.resblock());
        assertEquals(List.of(8, 8, 2, 2), v1.upsampleRates());
        assertEquals(List.of(16, 16, 4, 4), v1.upsampleKernelSizes());
        assertEquals(512, v1.upsampleInitialChannel());
        assertEquals(List.of(3, 7, 11), v1.resblockKernelSizes());
        assertEquals(List.of(List.of(1, 3, 5), List.of(1, 3, 5), List.of(1, 3, 5)), v1.resblockDilationSizes());
        assertEquals(80, v1.numMels());
        assertEquals(new HifiGanConfig.Mel(22050, 1024, 1025, 256, 1024, 0, 8000, OptionalDouble.empty()), v1.mel());
        assertEquals(new HifiGanConfig.Training(0.0002, 0.8, 0.99, 0.999, 16, 8192, 1234), v1.training());
        assertEquals(256, v1.samplesPerFrame());

        HifiGanConfig v2 = HifiGanConfig.v2();
        assertEquals(128, v2.upsampleInitialChannel());
        assertEquals(v1.upsampleRates(), v2.upsampleRates());
        assertEquals(v1.resblockDilationSizes(), v2.resblockDilationSizes());

        HifiGanConfig v3 = HifiGanConfig.v3();
        assertEquals(ResBlockKind.TWO, v3.resblock());
        assertEquals(List.of(8, 8, 4), v3.upsampleRates());
        assertEquals(List.of(16, 16, 8), v3.upsampleKernelSizes());
        assertEquals(256, v3.upsampleInitialChannel());
        assertEquals(List.of(3, 5, 7), v3.resblockKernelSizes());
        assertEquals(List.of(List.of(1, 2), List.of(2, 6), List.of(3, 12)), v3.resblockDilationSizes());
        assertEquals(256, v3.samplesPerFrame());
    }

    @Test
    void readsTheUpstreamFileAndIgnoresMachineSettings(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config_v1.json");
        Files.writeString(f, UPSTREAM_V1);
        assertEquals(HifiGanConfig.v1(), HifiGanConfig.load(f));
    }

    @Test
    void missingFieldsTakeV1Values() throws Exception {
        assertEquals(HifiGanConfig.v3(), HifiGanConfig.fromJson(json(UPSTREAM_V3_GENERATOR)));
        assertEquals(HifiGanConfig.v1(), HifiGanConfig.fromJson(json("{}")));
        HifiGanConfig c = HifiGanConfig.fromJson(json("{\"hop_size\": 300, \"fmax_for_loss\": 11025}"));
        assertEquals(300, c.mel().hopSize());
        assertEquals(OptionalDouble.of(11025), c.mel().fmaxForLoss());
        assertEquals(HifiGanConfig.v1().training(), c.training());
    }

    @Test
    void jsonRoundTripKeepsEveryField() throws Exception {
        for (HifiGanConfig c : List.of(HifiGanConfig.v1(), HifiGanConfig.v2(), HifiGanConfig.v3())) {
            assertEquals(c, HifiGanConfig.fromJson(c.toJson()));
            assertEquals(c, HifiGanConfig.fromJson(json(c.toJsonString())));
        }
        ObjectNode o = HifiGanConfig.v1().toJson();
        o.put("fmax_for_loss", 9000.0);
        o.put("seed", 7);
        o.put("lr_decay", 0.99);
        HifiGanConfig c = HifiGanConfig.fromJson(o);
        assertEquals(c, HifiGanConfig.fromJson(c.toJson()));
        assertEquals(9000.0, c.toJson().get("fmax_for_loss").asDouble());
        assertTrue(HifiGanConfig.v1().toJson().get("fmax_for_loss").isNull());
        assertEquals("1", HifiGanConfig.v1().toJson().get("resblock").asText());
    }

    /** Applies {@code change} to V1's JSON and returns the error message. */
    static String error(String key, String value) throws Exception {
        ObjectNode o = HifiGanConfig.v1().toJson();
        o.set(key, json(value));
        LockeyException e = assertThrows(LockeyException.class, () -> HifiGanConfig.fromJson(o, "cfg.json"));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), () -> "not one line: " + m);
        assertTrue(m.startsWith("cfg.json: "), () -> "does not name the file: " + m);
        return m;
    }

    static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "'" + message + "' should mention '" + p + "'");
        }
    }

    @Test
    void validationErrorsAreClear() throws Exception {
        assertContains(error("resblock_dilation_sizes", "[[1,3,5],[1,3,5]]"),
                "'resblock_kernel_sizes' has 3", "'resblock_dilation_sizes' has 2");
        assertContains(error("upsample_kernel_sizes", "[16,16,4]"),
                "'upsample_rates' has 4", "'upsample_kernel_sizes' has 3");
        assertContains(error("upsample_kernel_sizes", "[16,15,4,4]"), "upsample stage 1", "kernel 15", "rate 8",
                "(k - u) even");
        assertContains(error("upsample_kernel_sizes", "[16,16,4,1]"), "upsample stage 3", "k >= u");
        assertContains(error("upsample_initial_channel", "520"), "'upsample_initial_channel' (520)", "2^4");
        assertContains(error("resblock_kernel_sizes", "[3,8,11]"), "'resblock_kernel_sizes'[1] = 8", "even");
        assertContains(error("resblock", "\"3\""), "'resblock'", "\"1\" or \"2\"");
        assertContains(error("resblock", "1"), "'resblock' must be the string");
        assertContains(error("resblock_dilation_sizes", "[[1,3],[1,3],[1,3]]"), "has 2 dilations",
                "resblock \"1\" needs 3");
        assertContains(error("upsample_rates", "[8,8,0,2]"), "'upsample_rates' must hold positive integers");
        assertContains(error("upsample_rates", "\"8,8,2,2\""), "'upsample_rates' must be a list of integers");
        assertContains(error("upsample_rates", "[8,8,2.5,2]"), "'upsample_rates' must be a list of integers");
        assertContains(error("upsample_rates", "[]"), "'upsample_rates' must not be empty");
        assertContains(error("num_mels", "0"), "'num_mels' must be a positive integer");
        assertContains(error("hop_size", "\"256\""), "'hop_size' must be an integer");
        assertContains(error("win_size", "2048"), "'win_size' (2048) must not exceed 'n_fft' (1024)");
        assertContains(error("fmax", "0"), "'fmin' < 'fmax'");
        assertContains(error("adam_b2", "1.0"), "'adam_b1' and 'adam_b2'");
        assertContains(error("fmax_for_loss", "\"none\""), "'fmax_for_loss' must be a number or null");
    }

    @Test
    void resBlockTwoNeedsOnlyTwoDilationsAndIgnoresMoreLikeUpstream() throws Exception {
        HifiGanConfig c = HifiGanConfig.fromJson(json(
                "{\"resblock\": \"2\", \"resblock_dilation_sizes\": [[1,3,5],[1,3,5],[1,3,5]]}"));
        assertEquals(2, c.resblock().dilationsUsed());
        assertEquals(List.of(1, 3, 5), c.resblockDilationSizes().get(0));
    }

    @Test
    void notAnObjectOrNotJsonIsReported(@TempDir Path dir) throws Exception {
        LockeyException e = assertThrows(LockeyException.class, () -> HifiGanConfig.fromJson(json("[1]"), "x.json"));
        assertContains(e.getMessage(), "x.json", "JSON object");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"resblock\": ");
        assertContains(assertThrows(LockeyException.class, () -> HifiGanConfig.load(bad)).getMessage(),
                "bad.json", "not valid JSON");
        assertContains(assertThrows(LockeyException.class, () -> HifiGanConfig.load(dir.resolve("none.json")))
                .getMessage(), "none.json", "no such file");
    }
}
