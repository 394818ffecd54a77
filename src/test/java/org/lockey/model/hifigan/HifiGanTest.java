package org.lockey.model.hifigan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The vocoder facade: chunked = whole, batches, save/load, upstream import. */
class HifiGanTest {

    /** V1's kernels, rates and dilations (so V1's receptive field) at 32 channels, to stay fast. */
    static final HifiGanConfig NARROW_V1 = HifiGanConfig.v1().withUpsampleInitialChannel(32);

    static float[][] randomMel(int frames, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray a = Nd4j.randn(DataType.FLOAT, 80, frames).muli(2).subi(5);   // log-mel-like values
        float[][] m = new float[80][];
        for (int c = 0; c < 80; c++) {
            m[c] = a.getRow(c).toFloatVector();
        }
        return m;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "lengths differ");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static float[] whole(HifiGan g, float[][] mel) {
        return g.vocodeChunked(mel, Integer.MAX_VALUE, 0);
    }

    /**
     * A generator whose output is far from constant but not saturated: weight_g doubled, as in the
     * golden {@code _gain2} case (default-initialised weights give a nearly constant output), except
     * conv_post's, which is halved so that tanh does not saturate and hide errors.
     */
    static HifiGan audible(HifiGanConfig c, long seed) {
        Map<String, Tensor> sd = new LinkedHashMap<>(HifiGan.random(c, seed).stateDict());
        sd.replaceAll((k, t) -> !k.endsWith("weight_g") ? t
                : Tensor.of(k, t.toNd(DataType.FLOAT).muli(k.startsWith("conv_post") ? 0.5 : 2)));
        return HifiGan.fromWeights(c, sd, "(test)");
    }

    static void assertAudible(float[] audio) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        int saturated = 0;
        for (float v : audio) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            saturated += Math.abs(v) > 0.99 ? 1 : 0;
        }
        assertTrue(max - min > 0.1, "the test signal is too flat to reveal chunk errors: range " + (max - min));
        assertTrue(saturated < audio.length / 100, saturated + " samples saturated would hide chunk errors");
    }

    /**
     * Float32 chunks differ from the whole pass only by summation order (about 3e-6 here); a wrong cut
     * or too little context gives errors orders of magnitude larger. (That exactly the receptive field
     * suffices is shown in double precision by GeneratorTest; in float32 the 13th frame's influence is
     * below rounding.)
     */
    static final double CHUNK_TOL = 2e-5;

    @Test
    void chunkedEqualsWholeWithTheReceptiveFieldAsContext() {
        HifiGan g = audible(NARROW_V1, 3);
        assertEquals(13, g.contextFrames());
        float[][] mel = randomMel(100, 4);
        float[] ref = whole(g, mel);
        assertEquals(100 * 256, ref.length);
        assertAudible(ref);
        for (int chunk : new int[] {7, 30, 64, 100}) {
            // the streamed form hands the same windows' samples over in order
            float[][] streamed = {new float[0]};
            g.vocodeChunked(mel, chunk, g.contextFrames(), piece -> {
                float[] joined = java.util.Arrays.copyOf(streamed[0], streamed[0].length + piece.length);
                System.arraycopy(piece, 0, joined, streamed[0].length, piece.length);
                streamed[0] = joined;
            });
            org.junit.jupiter.api.Assertions.assertArrayEquals(g.vocodeChunked(mel, chunk, g.contextFrames()),
                    streamed[0], "chunk " + chunk + " streamed");
            double err = maxAbsDiff(ref, g.vocodeChunked(mel, chunk, g.contextFrames()));
            System.out.printf("chunked V1-narrow: chunk %d, context %d: max-abs error %.3e%n", chunk,
                    g.contextFrames(), err);
            assertTrue(err < CHUNK_TOL, "chunk " + chunk + ": max-abs error " + err);
        }
        int half = g.contextFrames() / 2;
        double err = maxAbsDiff(ref, g.vocodeChunked(mel, 30, half));
        System.out.printf("chunked V1-narrow: chunk 30, context %d: max-abs error %.3e%n", half, err);
        assertTrue(err > 1e-4, "context " + half + " should visibly fail, error " + err);
    }

    /**
     * The chunk windows, for every input length, chunk and context: one window length, inside the input; the kept
     * frames tile the input in order; each kept frame has at least the context on each side or the input's own end.
     */
    @Test
    void everyChunkWindowHasOneLengthAndEnoughContext() {
        org.quicktheories.QuickTheory.qt().withFixedSeed(19).withExamples(2000)
                .forAll(org.quicktheories.generators.SourceDSL.integers().between(1, 300),
                        org.quicktheories.generators.SourceDSL.integers().between(0, 40),
                        org.quicktheories.generators.SourceDSL.integers().between(0, 500))
                .checkAssert((chunk, context, extra) -> {
                    long length = chunk + 2L * context;
                    long t = length + extra;
                    long next = 0;
                    for (HifiGan.Window w : HifiGan.windows(t, chunk, context)) {
                        assertEquals(length, w.end() - w.start(), "one length");
                        assertTrue(w.start() >= 0 && w.end() <= t, "inside the input");
                        assertEquals(next, w.keepFrom(), "kept frames tile the input");
                        assertTrue(w.keepTo() > w.keepFrom() && w.keepTo() - w.keepFrom() <= chunk);
                        assertTrue(w.start() == 0 || w.keepFrom() - w.start() >= context, "left context");
                        assertTrue(w.end() == t || w.end() - w.keepTo() >= context, "right context");
                        next = w.keepTo();
                    }
                    assertEquals(t, next, "the whole input is kept");
                });
    }

    @Test
    void defaultVocodeChunksLongInputsExactly() {
        HifiGan g = audible(HifiGanConfig.v3().withUpsampleInitialChannel(16), 5);
        float[][] mel = randomMel(HifiGan.DEFAULT_CHUNK_FRAMES + 40, 6);
        float[] ref = whole(g, mel);
        assertAudible(ref);
        double err = maxAbsDiff(ref, g.vocode(mel));
        assertTrue(err < CHUNK_TOL, "max-abs error " + err);
    }

    @Test
    void batchEqualsSingles() {
        HifiGan g = HifiGan.random(NARROW_V1, 7);
        float[][][] mels = {randomMel(12, 1), randomMel(12, 2), randomMel(12, 3)};
        float[][] batch = g.vocode(mels);
        INDArray nd = g.vocode(Nd4j.createFromArray(mels));
        assertArrayEquals(new long[] {3, 1, 12 * 256}, nd.shape());
        for (int b = 0; b < 3; b++) {
            assertTrue(maxAbsDiff(g.vocode(mels[b]), batch[b]) < 1e-6);
            assertTrue(maxAbsDiff(nd.slice(b).reshape(-1).toFloatVector(), batch[b]) < 1e-6);
        }
        LockeyException e = assertThrows(LockeyException.class,
                () -> g.vocode(new float[][][] {randomMel(12, 1), randomMel(13, 1)}));
        assertTrue(e.getMessage().contains("equal shape"), e.getMessage());
        e = assertThrows(LockeyException.class, () -> g.vocode(new float[64][10]));
        assertTrue(e.getMessage().contains("[80][T]"), e.getMessage());
    }

    @Test
    void saveAndLoadGiveTheSameOutput(@TempDir Path dir) throws Exception {
        HifiGan g = HifiGan.random(NARROW_V1, 8);
        g.save(dir);
        assertTrue(Files.exists(dir.resolve(HifiGan.MODEL_FILE)));
        assertEquals(NARROW_V1, HifiGanConfig.load(dir.resolve(HifiGan.CONFIG_FILE)));
        try (var s = Files.list(dir)) {
            assertEquals(2, s.count(), "no temporary files may remain");
        }
        float[][] mel = randomMel(9, 9);
        assertEquals(0.0, maxAbsDiff(g.vocode(mel), HifiGan.load(dir).vocode(mel)));
    }

    /** Writes our weights the way upstream's generator dict looks after the two-line conversion. */
    static void writeUpstream(Path file, Map<String, Tensor> ours, String prefix, boolean parametrized) {
        List<Tensor> out = new java.util.ArrayList<>();
        ours.forEach((k, t) -> {
            String key = k;
            if (parametrized) {
                key = key.replace(".weight_g", ".parametrizations.weight.original0")
                        .replace(".weight_v", ".parametrizations.weight.original1");
            }
            key = prefix + key;
            out.add(new Tensor(key, t.dtype(), t.shape(), t.data()));
        });
        SafeTensors.write(file, out, Map.of("format", "pt"));
    }

    @Test
    void importRoundTrip(@TempDir Path dir) throws Exception {
        HifiGanConfig c = NARROW_V1;
        HifiGan original = HifiGan.random(c, 10);
        float[][] mel = randomMel(10, 11);
        float[] want = original.vocode(mel);
        Path cfg = dir.resolve("config_v1.json");
        // Upstream-style config file: every field, plus the machine settings upstream has.
        var json = c.toJson();
        json.put("num_gpus", 0).put("num_workers", 4).putObject("dist_config").put("world_size", 1);
        Files.writeString(cfg, json.toPrettyString());
        int n = 0;
        for (String prefix : List.of("", "generator.", "module.")) {
            for (boolean parametrized : new boolean[] {false, true}) {
                Path pt = dir.resolve("g_" + n + ".safetensors");
                Path out = dir.resolve("model_" + n++);
                writeUpstream(pt, original.stateDict(), prefix, parametrized);
                HifiGan.importUpstream(cfg, pt, out);
                HifiGan loaded = HifiGan.load(out);
                assertEquals(0.0, maxAbsDiff(want, loaded.vocode(mel)), prefix + " " + parametrized);
                assertEquals(original.stateDict().keySet(),
                        SafeTensors.read(out.resolve(HifiGan.MODEL_FILE)).tensors().keySet());
            }
        }
    }

    @Test
    void importReportsEveryMismatchInOneLine(@TempDir Path dir) throws Exception {
        HifiGanConfig c = NARROW_V1;
        Map<String, Tensor> sd = new LinkedHashMap<>(HifiGan.random(c, 12).stateDict());
        sd.remove("resblocks.4.convs1.1.bias");
        sd.put("ups.2.weight_v", Tensor.ofFloats("ups.2.weight_v", new float[8 * 4 * 3], 8, 4, 3));
        sd.put("mpd.extra", Tensor.ofFloats("mpd.extra", new float[1], 1));
        Path pt = dir.resolve("g.safetensors");
        writeUpstream(pt, sd, "generator.", false);
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, c.toJsonString());
        Path out = dir.resolve("out");
        LockeyException e = assertThrows(LockeyException.class, () -> HifiGan.importUpstream(cfg, pt, out));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        for (String part : List.of("g.safetensors", "missing 1 [resblocks.4.convs1.1.bias]", "unexpected 1 [mpd.extra]",
                "ups.2.weight_v [8, 4, 3] (model [8, 4, 4])")) {
            assertTrue(m.contains(part), () -> "'" + m + "' should mention " + part);
        }
        assertFalse(Files.exists(out.resolve(HifiGan.MODEL_FILE)), "nothing may be written on error");
    }
}
