package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.RvqConfig;

/**
 * The codebooks' EMA training step against hand computations on a few 2-d vectors (every expected number below was
 * worked out on paper from the formulas of {@link LearnedCodebooks}'s class comment, not by running the code).
 */
class LearnedCodebooksTest {
    private static final float TOL = 1e-6f;

    /** Buffers of one stage: embed rows, embed_avg rows, cluster sizes. */
    private static void put(Map<String, Tensor> t, int k, float[][] embed, float[][] avg, float[] sizes) {
        String base = "quantizer.vq.layers." + k + "._codebook.";
        int bins = embed.length;
        int d = embed[0].length;
        float[] e = new float[bins * d];
        float[] a = new float[bins * d];
        for (int j = 0; j < bins; j++) {
            System.arraycopy(embed[j], 0, e, j * d, d);
            System.arraycopy(avg[j], 0, a, j * d, d);
        }
        t.put(base + "inited", Tensor.ofFloats(base + "inited", new float[] {1}, 1));
        t.put(base + "cluster_size", Tensor.ofFloats(base + "cluster_size", sizes, bins));
        t.put(base + "embed", Tensor.ofFloats(base + "embed", e, bins, d));
        t.put(base + "embed_avg", Tensor.ofFloats(base + "embed_avg", a, bins, d));
    }

    private static final float[][] X = {{0.1f, 0.0f}, {0.9f, 0.2f}, {0.8f, -0.1f}, {0.2f, 0.7f}};

    /** Two stages of three 2-d entries, decay 0.5, epsilon 0.5 (large, so that the smoothing shows), no dead codes. */
    private static LearnedCodebooks twoStages() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        float[][] e0 = {{0, 0}, {1, 0}, {0, 1}};
        put(t, 0, e0, e0, new float[] {2, 1, 1});
        float[][] e1 = {{0, 0}, {0.1f, 0}, {0, 0.1f}};
        put(t, 1, e1, e1, new float[] {1, 1, 1});
        return LearnedCodebooks.from(t, "quantizer.", new RvqConfig(2, 3, 2),
                new LearnedCodebooks.Settings(0.5, 0.5, 0, 1), "test");
    }

    @Test
    void emaUpdateMatchesAHandComputation() {
        LearnedCodebooks cb = twoStages();
        LearnedCodebooks.Step s = cb.train(X, 0, new SplittableRandom(1));
        // Stage 0: nearest entries 0, 1, 1, 2; counts [1, 2, 1]; sums (0.1, 0), (1.7, 0.1), (0.2, 0.7).
        assertArrayEquals(new int[] {0, 1, 1, 2}, s.codes()[0]);
        // Residuals (0.1, 0), (-0.1, 0.2), (-0.2, -0.1), (0.2, -0.3) against {(0, 0), (0.1, 0), (0, 0.1)}.
        assertArrayEquals(new int[] {1, 2, 0, 1}, s.codes()[1]);
        // The decoder's input uses the entries as they were before the update.
        float[][] q = {{0.1f, 0}, {1, 0.1f}, {1, 0}, {0.1f, 1}};
        for (int n = 0; n < 4; n++) {
            assertArrayEquals(q[n], s.quantized()[n], TOL, "quantized vector " + n);
            assertArrayEquals(new float[][] {{0, 0}, {1, 0}, {1, 0}, {0, 1}}[n], s.cumulative()[0][n], TOL);
            assertArrayEquals(q[n], s.cumulative()[1][n], TOL);
        }
        // cluster_size = 0.5 [2, 1, 1] + 0.5 [1, 2, 1] = [1.5, 1.5, 1]; total 4.
        assertEquals(1.5f, cb.clusterSize(0, 0), TOL);
        assertEquals(1.5f, cb.clusterSize(0, 1), TOL);
        assertEquals(1.0f, cb.clusterSize(0, 2), TOL);
        // embed_avg = 0.5 old + 0.5 sums.
        assertArrayEquals(new float[] {0.05f, 0}, cb.entrySum(0, 0), TOL);
        assertArrayEquals(new float[] {1.35f, 0.05f}, cb.entrySum(0, 1), TOL);
        assertArrayEquals(new float[] {0.1f, 0.85f}, cb.entrySum(0, 2), TOL);
        // Laplace: size_j' = (size_j + 0.5) / (4 + 3 * 0.5) * 4 = 16/11, 16/11, 12/11; embed = avg / size'.
        assertArrayEquals(new float[] {0.034375f, 0}, cb.entry(0, 0), TOL);
        assertArrayEquals(new float[] {0.928125f, 0.034375f}, cb.entry(0, 1), TOL);
        assertArrayEquals(new float[] {0.1f * 11 / 12, 0.85f * 11 / 12}, cb.entry(0, 2), TOL);
        // Stage 1: counts [1, 2, 1], sums (-0.2, -0.1), (0.3, -0.3), (-0.1, 0.2); sizes [1, 1.5, 1], total 3.5;
        // size' = (size + 0.5) / 5 * 3.5 = 1.05, 1.4, 1.05.
        assertEquals(1.5f, cb.clusterSize(1, 1), TOL);
        assertArrayEquals(new float[] {-0.1f / 1.05f, -0.05f / 1.05f}, cb.entry(1, 0), TOL);
        assertArrayEquals(new float[] {0.2f / 1.4f, -0.15f / 1.4f}, cb.entry(1, 1), TOL);
        assertArrayEquals(new float[] {-0.05f / 1.05f, 0.15f / 1.05f}, cb.entry(1, 2), TOL);
        assertArrayEquals(new int[] {0, 0}, s.replaced());
    }

    @Test
    void commitmentIsTheMeanOverStagesOfTheResidualEnergy() {
        LearnedCodebooks.Step s = twoStages().train(X, 0, new SplittableRandom(1));
        // x - cumulative_0: squares 0.01, 0.05, 0.05, 0.13 -> 0.24 / 8 = 0.03;
        // x - cumulative_1 = (0, 0), (-0.1, 0.1), (-0.2, -0.1), (0.1, -0.3): 0.17 / 8 = 0.02125; mean 0.025625.
        assertEquals(0.025625, CodecTrainer.commitment(X, s.cumulative()), 1e-7);
    }

    @Test
    void deadCodesAreReplacedByBatchVectorsAndStayReplaced() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        // Entries 1 and 3 are far from the data and their sizes (0.5, 0.9) are below the threshold 1.
        float[][] e = {{0, 0}, {5, 5}, {1, 1}, {-5, -5}};
        put(t, 0, e, e, new float[] {3, 0.5f, 2, 0.9f});
        double eps = 1e-5;
        LearnedCodebooks cb = LearnedCodebooks.from(t, "quantizer.", new RvqConfig(1, 4, 2),
                new LearnedCodebooks.Settings(0.5, eps, 1.0, 1), "test");
        float[][] x = {{0.1f, 0}, {0, 0.2f}, {0.9f, 1}, {1.2f, 1.1f}, {-0.1f, 0.1f}, {1, 0.8f}};
        LearnedCodebooks.Step s = cb.train(x, 0, new SplittableRandom(7));
        assertArrayEquals(new int[] {0, 0, 2, 2, 0, 2}, s.codes()[0], "codes use the entries before replacement");
        assertEquals(2, s.replaced()[0]);
        // A replaced entry restarts its averages at (threshold s, threshold), then decays: size 0.5 * 1 + 0.5 * 0.
        // Sizes after the update: 0.5 * 3 + 0.5 * 3 = 3, 0.5, 0.5 * 2 + 0.5 * 3 = 2.5, 0.5; total 6.5.
        float[] replacedWith1 = null;
        for (int j : new int[] {1, 3}) {
            assertEquals(0.5f, cb.clusterSize(0, j), TOL);
            float[] entry = cb.entry(0, j);
            float[] sum = cb.entrySum(0, j);
            float[] sample = null;
            for (float[] v : x) {
                if (Math.abs(sum[0] - 0.5f * v[0]) < TOL && Math.abs(sum[1] - 0.5f * v[1]) < TOL) {
                    sample = v;
                }
            }
            assertTrue(sample != null, "entry " + j + "'s sum is half a batch vector: " + sum[0] + ", " + sum[1]);
            // embed = 0.5 s / ((0.5 + eps) / (6.5 + 4 eps) * 6.5): the sample, up to the smoothing.
            double scale = 0.5 / ((0.5 + eps) / (6.5 + 4 * eps) * 6.5);
            assertArrayEquals(new float[] {(float) (sample[0] * scale), (float) (sample[1] * scale)}, entry, TOL);
            if (j == 1) {
                replacedWith1 = sample;
            } else {
                assertNotEquals(replacedWith1, sample, "six vectors for four entries: distinct draws");
            }
        }
        // Live entries only see the EMA: entry 0 = (0.5 * (0, 0) + 0.5 * (0, 0.3)) / ((3 + eps) / (6.5 + 4 eps) * 6.5).
        double s0 = (3 + eps) / (6.5 + 4 * eps) * 6.5;
        assertArrayEquals(new float[] {0, (float) (0.15 / s0)}, cb.entry(0, 0), TOL);
    }

    @Test
    void thresholdZeroReplacesNothing() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        float[][] e = {{0, 0}, {5, 5}};
        put(t, 0, e, e, new float[] {0, 0});
        LearnedCodebooks cb = LearnedCodebooks.from(t, "quantizer.", new RvqConfig(1, 2, 2),
                new LearnedCodebooks.Settings(0.5, 1e-5, 0, 1), "test");
        LearnedCodebooks.Step s = cb.train(new float[][] {{0.1f, 0.1f}, {0.3f, 0.1f}}, 0, new SplittableRandom(3));
        assertEquals(0, s.replaced()[0]);
        // Entry 1 keeps its sum 0.5 (5, 5) and its size 0: it stays (almost) where it was, far from the data.
        assertArrayEquals(new float[] {2.5f, 2.5f}, cb.entrySum(0, 1), TOL);
        assertTrue(cb.entry(0, 1)[0] > 1e4, "an unused entry with size 0 is pushed far away by the smoothing");
    }

    @Test
    void kmeansInitialisesOnTheFirstBatchStageByStage() {
        LearnedCodebooks cb = LearnedCodebooks.uninitialised(new RvqConfig(2, 4, 2),
                new LearnedCodebooks.Settings(0.99, 1e-5, 0, 10));
        assertFalse(cb.initialised(0) || cb.initialised(1));
        // As many distinct vectors as entries: k-means makes each vector an entry, so stage 0 is exact and stage 1
        // (initialised on the zero residual) adds nothing.
        float[][] x = {{0.3f, -0.2f}, {1, 2}, {-1, 0.5f}, {0, 0.7f}};
        LearnedCodebooks.Step s = cb.train(x, 11, new SplittableRandom(2));
        assertTrue(s.initialised()[0] && s.initialised()[1] && cb.initialised(0) && cb.initialised(1));
        for (int n = 0; n < x.length; n++) {
            assertArrayEquals(x[n], s.quantized()[n], 0f, "vector " + n);
        }
        int[] c = s.codes()[0].clone();
        java.util.Arrays.sort(c);
        assertArrayEquals(new int[] {0, 1, 2, 3}, c, "one entry per vector");
        LearnedCodebooks.Step again = cb.train(x, 11, new SplittableRandom(2));
        assertFalse(again.initialised()[0] || again.initialised()[1], "k-means runs once");
    }

    /** The values docs/encodec.md quotes from audiocraft's config and core_vq.py, pinned. */
    @Test
    void upstreamDefaultsArePinned() {
        LearnedCodebooks.Settings a = LearnedCodebooks.Settings.audiocraft();
        assertEquals(new LearnedCodebooks.Settings(0.99, 1e-5, 2.0, 50), a);
        // 64 crops of 1 s at 50 frames/s upstream; 4 crops of 50 frames here: 2 x 200 / 3200.
        assertEquals(0.125, LearnedCodebooks.Settings.audiocraftScaledTo(200).deadCodeThreshold(), 1e-15);
        assertEquals(2.0, LearnedCodebooks.Settings.audiocraftScaledTo(3200).deadCodeThreshold(), 1e-15);
        CodecTrainer.Config d = CodecTrainer.Config.defaults(4, 50, 1, 1, 0, 1);
        assertEquals(new Adam.Config(1e-3, 0.5, 0.9, 1e-8, 0), d.adam());
        assertEquals(1.0, d.commitmentWeight());
        assertEquals(0.1, d.lambdaWav());
        assertEquals(0.125, d.quantizer().deadCodeThreshold(), 1e-15);
    }

    @Test
    void buffersRoundTripThroughTensors() {
        LearnedCodebooks cb = twoStages();
        cb.train(X, 0, new SplittableRandom(1));
        Map<String, Tensor> t = cb.tensors("quantizer.");
        LearnedCodebooks back = LearnedCodebooks.from(t, "quantizer.", new RvqConfig(2, 3, 2), cb.settings(), "x");
        assertEquals(t, back.tensors("quantizer."));
        assertEquals(8, t.size());
    }
}
