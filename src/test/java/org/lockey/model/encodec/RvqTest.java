package org.lockey.model.encodec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Residual vector quantization: greedy encode, summing decode, graph decode, input checks. */
class RvqTest {

    static Map<String, Tensor> randomCodebooks(RvqConfig c, String prefix, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Tensor> m = new HashMap<>();
        for (int k = 0; k < c.nQ(); k++) {
            float[] v = new float[c.bins() * c.dimension()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((2 * r.nextDouble() - 1) / (k + 1));
            }
            String key = prefix + "vq.layers." + k + "._codebook.embed";
            m.put(key, Tensor.ofFloats(key, v, c.bins(), c.dimension()));
        }
        return m;
    }

    static float[][][] randomLatent(int b, int d, int t, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][][] z = new float[b][d][t];
        for (float[][] item : z) {
            for (float[] row : item) {
                for (int f = 0; f < t; f++) {
                    row[f] = (float) (2 * r.nextDouble() - 1);
                }
            }
        }
        return z;
    }

    /** The greedy residual quantizer by brute force: sum of squared differences, float32 residual. */
    static int[][] greedy(float[] z, int nQ, float[][][] books, float[] recon) {
        float[] r = z.clone();
        int[][] out = new int[nQ][1];
        for (int k = 0; k < nQ; k++) {
            int best = 0;
            double bestD = Double.POSITIVE_INFINITY;
            for (int j = 0; j < books[k].length; j++) {
                double dist = 0;
                for (int c = 0; c < r.length; c++) {
                    double diff = (double) r[c] - books[k][j][c];
                    dist += diff * diff;
                }
                if (dist < bestD) {
                    bestD = dist;
                    best = j;
                }
            }
            out[k][0] = best;
            for (int c = 0; c < r.length; c++) {
                r[c] -= books[k][best][c];
                recon[c] += books[k][best][c];
            }
        }
        return out;
    }

    static float[][][] books(Map<String, Tensor> m, RvqConfig c) {
        float[][][] b = new float[c.nQ()][c.bins()][c.dimension()];
        for (int k = 0; k < c.nQ(); k++) {
            float[] flat = m.get("vq.layers." + k + "._codebook.embed").toFloatArray();
            for (int j = 0; j < c.bins(); j++) {
                System.arraycopy(flat, j * c.dimension(), b[k][j], 0, c.dimension());
            }
        }
        return b;
    }

    @Test
    void encodeIsGreedyNearestAndDecodeIsItsReconstruction() {
        qt().withFixedSeed(41).withExamples(60).forAll(integers().between(1, 4), integers().between(1, 20),
                integers().between(1, 8), longs().between(0, 1_000_000)).checkAssert((nQ, bins, dim, seed) -> {
                    RvqConfig c = new RvqConfig(nQ, bins, dim);
                    Map<String, Tensor> w = randomCodebooks(c, "", seed);
                    Codebooks cb = Codebooks.from(w, "", c, "test");
                    float[][][] z = randomLatent(2, dim, 5, seed + 1);
                    long[][][] codes = cb.encode(z);
                    float[][][] decoded = cb.decode(codes);
                    float[][][] bk = books(w, c);
                    for (int n = 0; n < 2; n++) {
                        for (int f = 0; f < 5; f++) {
                            float[] zf = new float[dim];
                            for (int d = 0; d < dim; d++) {
                                zf[d] = z[n][d][f];
                            }
                            float[] recon = new float[dim];
                            int[][] want = greedy(zf, nQ, bk, recon);
                            for (int k = 0; k < nQ; k++) {
                                assertEquals(want[k][0], codes[k][n][f], "stage " + k);
                                assertTrue(codes[k][n][f] >= 0 && codes[k][n][f] < bins);
                            }
                            for (int d = 0; d < dim; d++) {
                                assertEquals(recon[d], decoded[n][d][f], 0.0f);
                            }
                        }
                    }
                });
    }

    @Test
    void graphDecodeEqualsArrayDecode() {
        RvqConfig c = new RvqConfig(3, 11, 6);
        Map<String, Tensor> w = randomCodebooks(c, "", 5);
        long[][][] codes = new long[2][3][7];
        SplittableRandom r = new SplittableRandom(6);
        for (long[][] k : codes) {
            for (long[] row : k) {
                for (int f = 0; f < row.length; f++) {
                    row[f] = r.nextInt(11);
                }
            }
        }
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, w, "test", DataType.FLOAT, true, 0);
        SDVariable in = sd.placeHolder("codes", DataType.INT64, 2, 3, 7);
        SDVariable z = new ResidualVectorQuantizer(c).decode(root, in, 2, 3, 7); // only the first 2 codebooks
        INDArray got = z.eval(Map.of("codes", Nd4j.createFromArray(codes)));
        float[][][] want = Codebooks.from(w, "", c, "test").decode(codes);
        assertArrayEquals(new long[] {3, 6, 7}, got.shape());
        for (int n = 0; n < 3; n++) {
            for (int d = 0; d < 6; d++) {
                for (int f = 0; f < 7; f++) {
                    assertEquals(want[n][d][f], got.getFloat(n, d, f), 0.0f);
                }
            }
        }
    }

    @Test
    void fewerCodebooksDecodeTheirPartialSum() {
        RvqConfig c = new RvqConfig(3, 4, 2);
        Map<String, Tensor> w = randomCodebooks(c, "", 8);
        Codebooks cb = Codebooks.from(w, "", c, "test");
        float[][][] one = cb.decode(new long[][][] {{{2}}});
        assertArrayEquals(cb.entry(0, 2), new float[] {one[0][0][0], one[0][1][0]}, 0.0f);
    }

    @Test
    void invalidCodesAndLatentsAreClearErrors() {
        RvqConfig c = new RvqConfig(2, 8, 3);
        Codebooks cb = Codebooks.from(randomCodebooks(c, "", 1), "", c, "test");
        LockeyException tooBig = assertThrows(LockeyException.class, () -> cb.decode(new long[][][] {{{0, 8}}}));
        assertTrue(tooBig.getMessage().contains("codes[0][0][1] = 8 is outside [0, 8)"), tooBig.getMessage());
        LockeyException negative = assertThrows(LockeyException.class, () -> cb.decode(new long[][][] {{{0}}, {{-1}}}));
        assertTrue(negative.getMessage().contains("= -1 is outside"), negative.getMessage());
        LockeyException many = assertThrows(LockeyException.class,
                () -> cb.decode(new long[][][] {{{0}}, {{0}}, {{0}}}));
        assertTrue(many.getMessage().contains("3 codebooks") && many.getMessage().contains("n_q = 2"), many.getMessage());
        assertThrows(LockeyException.class, () -> cb.decode(new long[0][][]));
        LockeyException ragged = assertThrows(LockeyException.class, () -> cb.decode(new long[][][] {{{0, 1}}, {{0}}}));
        assertTrue(ragged.getMessage().contains("frames"), ragged.getMessage());
        LockeyException dim = assertThrows(LockeyException.class, () -> cb.encode(new float[1][4][2]));
        assertTrue(dim.getMessage().contains("4 channels") && dim.getMessage().contains("dimension is 3"),
                dim.getMessage());
    }

    @Test
    void mismatchedCodebooksAreAllListed() {
        RvqConfig c = new RvqConfig(3, 8, 3);
        Map<String, Tensor> w = randomCodebooks(new RvqConfig(2, 8, 4), "q.", 1);
        LockeyException e = assertThrows(LockeyException.class, () -> Codebooks.from(w, "q.", c, "ckpt.safetensors"));
        String m = e.getMessage();
        assertTrue(m.startsWith("ckpt.safetensors"), m);
        assertTrue(m.contains("q.vq.layers.0._codebook.embed is [8, 4], expected [8, 3]"), m);
        assertTrue(m.contains("q.vq.layers.1._codebook.embed is [8, 4]"), m);
        assertTrue(m.contains("missing q.vq.layers.2._codebook.embed"), m);
    }

    /**
     * The nearest code of every row, over more rows than one block of {@code Codebooks.nearest} (so block boundaries
     * are crossed), equals a plain double-precision search of the squared distance.
     */
    @Test
    void nearestCodeInBlocksEqualsAPlainSearch() {
        SplittableRandom r = new SplittableRandom(8);
        int rows = 2 * Codebooks.NEAREST_BLOCK_ROWS + 123;
        float[][] x = new float[rows][6];
        float[][] book = new float[40][6];
        for (float[][] m : new float[][][] {x, book}) {
            for (float[] row : m) {
                for (int c = 0; c < row.length; c++) {
                    row[c] = (float) r.nextGaussian();
                }
            }
        }
        int[] best = Codebooks.nearest(x, book);
        for (int i = 0; i < rows; i++) {
            int expect = 0;
            double bestDistance = Double.POSITIVE_INFINITY;
            for (int j = 0; j < book.length; j++) {
                double d = 0;
                for (int c = 0; c < 6; c++) {
                    double e = (double) x[i][c] - book[j][c];
                    d += e * e;
                }
                if (d < bestDistance) {
                    bestDistance = d;
                    expect = j;
                }
            }
            assertEquals(expect, best[i], "row " + i);
        }
    }
}
