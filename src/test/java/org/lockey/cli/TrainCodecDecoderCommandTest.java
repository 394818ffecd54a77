package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.RvqConfig;
import org.lockey.train.Checkpoint;
import org.lockey.train.CodecDecoderTrainer;

/** {@code train codec-decoder}: a run, its model, resume, and the one-line errors. */
class TrainCodecDecoderCommandTest {
    static final CompressionConfig TINY = new CompressionConfig(32000,
            CompressionConfig.musicgen32k().seanet().withSize(16, 4).withDepth(1, 1), new RvqConfig(2, 32, 16));

    @TempDir
    static Path shared;
    static Path data;
    static Path codec;
    static Path decodeOnly;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        data = shared.resolve("data");
        org.lockey.audio.AudioTestUtil.writeNotes(mkdirs(data), 3, 0.6);
        codec = shared.resolve("codec");
        Encodec.random(TINY, 3, true).save(codec, "test");
        decodeOnly = shared.resolve("decode-only");
        Encodec.random(TINY, 3, false).save(decodeOnly, "test");
    }

    static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private MainTest.Run train(Path out, String... extra) {
        String[] base = {"train", "codec-decoder", "--data", data.toString(), "--out", out.toString(), "--batch-size",
            "1", "--crop-seconds", "0.1", "--checkpoint-every", "1", "--validate-every", "0"};
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return MainTest.run(all);
    }

    private static void assertOneLineError(MainTest.Run r, String fragment) {
        assertEquals(Command.USAGE, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(fragment), "expected '" + fragment + "' in: " + r.err());
        assertFalse(r.err().contains("at org."), r.err());
    }

    @Test
    void runWritesAModelForCodecEncodeAndDecodeAndResumes() throws Exception {
        Path run = dir.resolve("run");
        MainTest.Run r = train(run, "--codec", codec.toString(), "--steps", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(2, Checkpoint.load(run, CodecDecoderTrainer.KIND).orElseThrow().step());
        assertTrue(Files.readString(run.resolve(TrainCodecDecoderCommand.VALIDATION_FILE)).lines().count() == 2,
                "header + the final validation");
        // The run's model: the given encoder and quantiser unchanged, the trained decoder.
        Map<String, Tensor> given = SafeTensors.read(codec.resolve(Encodec.WEIGHTS_FILE)).tensors();
        Map<String, Tensor> written = SafeTensors.read(run.resolve(Encodec.WEIGHTS_FILE)).tensors();
        Map<String, Tensor> ckpt = Checkpoint.load(run, CodecDecoderTrainer.KIND).orElseThrow().params();
        assertEquals(given.keySet(), written.keySet());
        for (String k : given.keySet()) {
            assertEquals(k.startsWith("decoder.") ? ckpt.get(k) : given.get(k), written.get(k), k);
        }
        Path wav = data.resolve("00.wav");
        Path codes = dir.resolve("codes.safetensors");
        assertEquals(0, MainTest.run("codec", "encode", "--model", run.toString(), "--in", wav.toString(), "--out",
                codes.toString()).code());
        Path back = dir.resolve("back.wav");
        MainTest.Run d = MainTest.run("codec", "decode", "--model", run.toString(), "--in", codes.toString(), "--out",
                back.toString());
        assertEquals(0, d.code(), d.err());

        // Starting again over it is refused; --resume continues to a new length.
        assertOneLineError(train(run, "--codec", codec.toString(), "--steps", "3"), "--resume");
        MainTest.Run res = train(run, "--codec", codec.toString(), "--steps", "3", "--resume");
        assertEquals(0, res.code(), res.err());
        assertEquals(3, Checkpoint.load(run, CodecDecoderTrainer.KIND).orElseThrow().step());
        assertOneLineError(MainTest.run("train", "codec-decoder", "--data", data.toString(), "--out", run.toString(),
                "--resume", "--steps", "4", "--batch-size", "2"), "--batch-size (run: 1)");
        assertOneLineError(train(run, "--steps", "4", "--resume", "--preset", "small"), "frozen codec is model:");
    }

    @Test
    void seededSmallPresetFitsItsCodebooksToTheTrainingFrames() {
        Path run = dir.resolve("small");
        MainTest.Run r = train(run, "--steps", "1", "--kmeans-iters", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("k-means codebooks on"), r.out());
        Encodec model = Encodec.load(run);
        assertEquals(CodecDecoderTrainer.Preset.SMALL.config(), model.config());
        // cluster_size counts every latent frame of the training clips (3 clips of 0.6 s: 30 frames each).
        for (int k = 0; k < 4; k++) {
            float[] sizes = model.weights().get("quantizer.vq.layers." + k + "._codebook.cluster_size").toFloatArray();
            double sum = 0;
            for (float s : sizes) {
                sum += s;
            }
            assertEquals(90, sum, 0, "codebook " + k);
        }
    }

    @Test
    void clearErrors() throws Exception {
        assertOneLineError(MainTest.run("train", "codec-decoder", "--data", dir.resolve("nothing").toString(), "--out",
                dir.resolve("r").toString(), "--codec", codec.toString()), "not a directory");
        assertOneLineError(train(dir.resolve("r1"), "--resume"), "no checkpoint.safetensors to resume");
        assertOneLineError(train(dir.resolve("r2"), "--codec", decodeOnly.toString()), "has no encoder");
        assertOneLineError(train(dir.resolve("r3"), "--codec", codec.toString(), "--preset", "small"), "not both");
        assertOneLineError(train(dir.resolve("r4"), "--preset", "large"), "--preset: 'large'");
        try (var left = Files.list(dir.resolve("r2"))) {
            // The run directory is taken (RUN/.lock, held while the command ran) before the refusal.
            assertEquals(java.util.List.of(".lock"), left.map(f -> f.getFileName().toString()).toList(),
                    "a refused run writes nothing but its lock");
        }
    }
}
