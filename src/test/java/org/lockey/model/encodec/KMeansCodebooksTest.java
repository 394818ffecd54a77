package org.lockey.model.encodec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.io.Tensor;

/** Greedy residual k-means codebooks: known answers, consistency with encoding, and the gain over random codebooks. */
class KMeansCodebooksTest {

    /** Mean over vectors of the squared error of encode-then-decode with the codebooks in {@code weights}. */
    static double quantisationError(float[][] vectors, Map<String, Tensor> weights, RvqConfig c) {
        Codebooks cb = Codebooks.from(weights, "quantizer.", c, "test");
        int d = c.dimension();
        float[][][] latent = new float[1][d][vectors.length];
        for (int i = 0; i < vectors.length; i++) {
            for (int k = 0; k < d; k++) {
                latent[0][k][i] = vectors[i][k];
            }
        }
        float[][][] back = cb.decode(cb.encode(latent));
        double s = 0;
        for (int i = 0; i < vectors.length; i++) {
            for (int k = 0; k < d; k++) {
                double e = (double) back[0][k][i] - vectors[i][k];
                s += e * e;
            }
        }
        return s / vectors.length;
    }

    /** Latents of a small seeded encoder on two seconds of two reference music clips. */
    static float[][] encoderLatents(CompressionConfig c, long seed) {
        Encodec codec = Encodec.random(c, seed, true);
        List<float[][]> z = new ArrayList<>();
        for (String clip : List.of("004.wav", "019.wav")) {
            float[] x = org.lockey.audio.Wav.read(java.nio.file.Path.of("reference-data/music", clip)).mono();
            z.add(codec.encodeLatent(Arrays.copyOf(x, 64_000)));
        }
        return KMeansCodebooks.frames(z);
    }

    @Test
    void twoPairsOnALineConvergeToTheirMidpoints() {
        // {0, 1} and {10, 11}: whichever two distinct points start, Lloyd's iterations end at 0.5 and 10.5.
        float[][] x = {{0f}, {1f}, {10f}, {11f}};
        for (long seed = 0; seed < 6; seed++) {
            KMeansCodebooks.Fit f = KMeansCodebooks.fit(x, new RvqConfig(1, 2, 1), 5, seed);
            float[] means = {f.embed()[0][0][0], f.embed()[0][1][0]};
            Arrays.sort(means);
            assertArrayEquals(new float[] {0.5f, 10.5f}, means, 0f, "seed " + seed);
            assertArrayEquals(new long[] {2, 2}, f.clusterSize()[0], "seed " + seed);
            assertEquals(0.25, f.stageError()[0], 1e-12, "each point is 0.5 from its mean");
            assertEquals((0 + 1 + 100 + 121) / 4.0, f.energy(), 1e-12);
        }
    }

    @Test
    void secondStageFitsWhatTheFirstLeftAndEncodingReproducesTheFit() {
        CompressionConfig c = new CompressionConfig(32000,
                CompressionConfig.musicgen32k().seanet().withSize(8, 4).withDepth(1, 1), new RvqConfig(3, 16, 8));
        float[][] z = encoderLatents(c, 3);
        KMeansCodebooks.Fit f = KMeansCodebooks.fit(z, c.rvq(), 20, 4);
        double[] e = f.stageError();
        assertTrue(e[0] < f.energy() && e[1] < e[0] && e[2] < e[1], "every stage lowers the error: " + f.energy()
                + " " + Arrays.toString(e));
        // The codes a quantiser with these codebooks computes are the fit's own assignments: the same error
        // up to float32 rounding (encode-decode sums entries, the fit subtracts them; ~1e-8 relative), while
        // one vector assigned differently out of these 200 would move it by ~1e-4.
        double viaEncode = quantisationError(z, f.tensors("quantizer."), c.rvq());
        assertEquals(e[2], viaEncode, 1e-6 * e[2]);
        for (int k = 0; k < 3; k++) {
            assertEquals(z.length, Arrays.stream(f.clusterSize()[k]).sum(), "stage " + k + " counts every vector");
        }
    }

    @Test
    void kmeansCodebooksQuantiseEncoderLatentsFarBetterThanRandomOnes() {
        CompressionConfig c = new CompressionConfig(32000,
                CompressionConfig.musicgen32k().seanet().withSize(16, 4).withDepth(1, 1), new RvqConfig(2, 32, 16));
        float[][] z = encoderLatents(c, 5);
        // Upstream's kmeans_init=False codebooks: kaiming-uniform, as Encodec.random draws them.
        double random = quantisationError(z, Encodec.random(c, 6, false).weights(), c.rvq());
        KMeansCodebooks.Fit f = KMeansCodebooks.fit(z, c.rvq(), KMeansCodebooks.UPSTREAM_ITERATIONS, 7);
        double fitted = quantisationError(z, f.tensors("quantizer."), c.rvq());
        // Measured: random 1.6 (19 times the latent energy 0.085: worse than quantising everything to zero,
        // because kaiming-uniform entries are far larger than this encoder's latents), k-means 2.7e-5.
        String msg = "k-means error " + fitted + " vs random codebooks " + random + " (latent energy " + f.energy() + ")";
        assertTrue(random > f.energy(), msg);
        assertTrue(fitted < 1e-3 * random && fitted < 1e-2 * f.energy(), msg);
    }

    @Test
    void sameSeedSameCodebooksAndUpstreamBufferLayout() {
        float[][] x = new float[50][3];
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (float[] v : x) {
            for (int i = 0; i < 3; i++) {
                v[i] = (float) r.nextGaussian();
            }
        }
        RvqConfig c = new RvqConfig(2, 8, 3);
        Map<String, Tensor> a = KMeansCodebooks.fit(x, c, 10, 11).tensors("quantizer.");
        Map<String, Tensor> b = KMeansCodebooks.fit(x, c, 10, 11).tensors("quantizer.");
        assertEquals(a, b, "deterministic for a seed");
        assertEquals(java.util.Set.of("quantizer.vq.layers.0._codebook.inited", "quantizer.vq.layers.0._codebook.cluster_size",
                "quantizer.vq.layers.0._codebook.embed", "quantizer.vq.layers.0._codebook.embed_avg",
                "quantizer.vq.layers.1._codebook.inited", "quantizer.vq.layers.1._codebook.cluster_size",
                "quantizer.vq.layers.1._codebook.embed", "quantizer.vq.layers.1._codebook.embed_avg"), a.keySet());
        assertArrayEquals(new long[] {8, 3}, a.get("quantizer.vq.layers.1._codebook.embed").shape());
        assertArrayEquals(new long[] {8}, a.get("quantizer.vq.layers.1._codebook.cluster_size").shape());
        assertArrayEquals(a.get("quantizer.vq.layers.0._codebook.embed").toFloatArray(),
                a.get("quantizer.vq.layers.0._codebook.embed_avg").toFloatArray(), 0f, "embed_avg = embed after init");
        // Fewer vectors than entries: initial means are drawn with replacement and the fit still runs.
        KMeansCodebooks.Fit few = KMeansCodebooks.fit(Arrays.copyOf(x, 5), new RvqConfig(1, 8, 3), 3, 1);
        assertEquals(5, Arrays.stream(few.clusterSize()[0]).sum());
        assertTrue(few.stageError()[0] < few.energy(), few.stageError()[0] + " vs " + few.energy());
    }
}
