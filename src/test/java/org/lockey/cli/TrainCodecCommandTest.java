package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.io.Json;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.train.Checkpoint;
import org.lockey.train.CodecTrainer;

/** {@code train codec}: the preset's size options and the waveform weight reach the run, and the one-line errors. */
class TrainCodecCommandTest {
    @TempDir
    static Path shared;
    static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        data = TrainCodecDecoderCommandTest.mkdirs(shared.resolve("data"));
        org.lockey.audio.AudioTestUtil.writeNotes(data, 3, 0.6);
    }

    private static MainTest.Run train(Path out, String... extra) {
        String[] base = {"train", "codec", "--data", data.toString(), "--out", out.toString(), "--batch-size", "1",
            "--crop-seconds", "0.1", "--checkpoint-every", "1", "--validate-every", "0", "--kmeans-iters", "2"};
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return MainTest.run(all);
    }

    @Test
    void codebooksFiltersAndWaveformWeightShapeTheRun() throws Exception {
        Path run = dir.resolve("run");
        MainTest.Run r = train(run, "--codebooks", "2", "--filters", "4", "--waveform-weight", "0.75", "--steps", "1");
        assertEquals(0, r.code(), r.err());
        CompressionConfig saved = CompressionConfig.fromJson(Json.tree(Files.readString(run.resolve(Encodec.CONFIG_FILE))));
        assertEquals(2, saved.rvq().nQ(), "--codebooks 2");
        assertEquals(4, saved.seanet().nFilters(), "--filters 4");
        // The rest of the small preset is kept: its codebook size, latent dimension and hop.
        CompressionConfig small = org.lockey.train.CodecDecoderTrainer.Preset.SMALL.config();
        assertEquals(small.rvq().bins(), saved.rvq().bins());
        assertEquals(small.seanet().dimension(), saved.seanet().dimension());
        assertEquals(small.seanet().hopLength(), saved.seanet().hopLength());
        assertTrue(r.out().contains("RVQ 2 x 1024 (1.00 kbps)"), r.out());
        Checkpoint c = Checkpoint.load(run, CodecTrainer.KIND).orElseThrow();
        assertEquals(0.75, Json.tree(c.metadata().get("config")).get("lambda_wav").doubleValue(), 0.0);
    }

    @Test
    void sizeOptionsAreRefusedWhereTheCodecIsGiven() throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, train(run, "--filters", "4", "--steps", "1").code());
        assertOneLineError(train(run, "--resume", "--codebooks", "8", "--steps", "2"), "keeps its own size");
        assertOneLineError(train(run, "--resume", "--waveform-weight", "1", "--steps", "2"), "--waveform-weight (run: 0.1)");
        assertOneLineError(train(dir.resolve("other"), "--init", run.toString(), "--filters", "16"), "keeps its own size");
        assertOneLineError(train(dir.resolve("zero"), "--codebooks", "0"), "must be positive");
    }

    private static void assertOneLineError(MainTest.Run r, String fragment) {
        assertTrue(r.code() != 0, r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(fragment), "expected '" + fragment + "' in: " + r.err());
        assertFalse(r.err().contains("at org."), r.err());
    }
}
