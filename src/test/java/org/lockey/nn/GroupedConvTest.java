package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link Functional#groupedConv1d} and {@link Functional#avgPool1d} against PyTorch's definitions
 * written as plain loops in double precision, and their gradients against finite differences.
 */
class GroupedConvTest {

    /**
     * {@code F.conv1d(..., groups=g)} by its definition: output channel o belongs to group
     * {@code j = o / (out/g)} and sums over input channels {@code j*Cg .. j*Cg + Cg - 1} only:
     * {@code y[b,o,t] = bias[o] + sum_{c<Cg, i<k} w[o,c,i] x[b, j*Cg + c, t*s + i - p]} (zero outside).
     */
    static double[][][] naiveGrouped(double[][][] x, double[][][] w, double[] bias, int groups, int s, int p) {
        int bsz = x.length;
        int cin = x[0].length;
        int t = x[0][0].length;
        int cout = w.length;
        int cg = cin / groups;
        int m = cout / groups;
        int k = w[0][0].length;
        int tout = (t + 2 * p - k) / s + 1;
        double[][][] y = new double[bsz][cout][tout];
        for (int b = 0; b < bsz; b++) {
            for (int o = 0; o < cout; o++) {
                int j = o / m;
                for (int n = 0; n < tout; n++) {
                    double acc = bias == null ? 0 : bias[o];
                    for (int c = 0; c < cg; c++) {
                        for (int i = 0; i < k; i++) {
                            int src = n * s + i - p;
                            if (src >= 0 && src < t) {
                                acc += w[o][c][i] * x[b][j * cg + c][src];
                            }
                        }
                    }
                    y[b][o][n] = acc;
                }
            }
        }
        return y;
    }

    /** {@code nn.AvgPool1d(k, s, p)} with count_include_pad: the zero-padded window sum over k. */
    static double[] naiveAvgPool(double[] x, int k, int s, int p) {
        int tout = (x.length + 2 * p - k) / s + 1;
        double[] y = new double[tout];
        for (int n = 0; n < tout; n++) {
            double acc = 0;
            for (int i = 0; i < k; i++) {
                int src = n * s + i - p;
                if (src >= 0 && src < x.length) {
                    acc += x[src];
                }
            }
            y[n] = acc / k;
        }
        return y;
    }

    static double[][][] to3(INDArray a) {
        long[] s = a.shape();
        double[][][] r = new double[(int) s[0]][(int) s[1]][(int) s[2]];
        for (int i = 0; i < s[0]; i++) {
            for (int j = 0; j < s[1]; j++) {
                for (int k = 0; k < s[2]; k++) {
                    r[i][j][k] = a.getDouble(i, j, k);
                }
            }
        }
        return r;
    }

    @Test
    void groupedConvMatchesDefinition() {
        // in, out, k, stride, padding, groups, T, batch: HiFi-GAN's MSD shapes scaled down, plus awkward ones.
        int[][] cases = {
                {8, 8, 41, 2, 20, 4, 50, 2},
                {16, 32, 41, 4, 20, 16, 37, 1},
                {6, 9, 5, 1, 2, 3, 11, 3},
                {4, 4, 3, 3, 0, 2, 10, 1},
                {12, 12, 7, 1, 3, 1, 9, 2},
        };
        long seed = 1;
        for (int[] c : cases) {
            int in = c[0], out = c[1], k = c[2], s = c[3], p = c[4], g = c[5], t = c[6], b = c[7];
            SameDiff sd = SameDiff.create();
            INDArray xv = GraphTestUtil.gaussian(seed++, 1.0, b, in, t);
            INDArray wv = GraphTestUtil.gaussian(seed++, 0.3, out, in / g, k);
            INDArray bv = GraphTestUtil.gaussian(seed++, 0.5, out);
            SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, in, t);
            SDVariable y = Functional.groupedConv1d(sd, x, t, sd.constant("w", wv), sd.constant("b", bv), in, out, k, g, s, p);
            INDArray got = y.eval(Map.of("x", xv));
            double[][][] want = naiveGrouped(to3(xv), to3(wv), bv.toDoubleVector(), g, s, p);
            assertArrayEquals(new long[] {b, out, want[0][0].length}, got.shape(), "case " + java.util.Arrays.toString(c));
            double err = 0;
            for (int i = 0; i < b; i++) {
                for (int o = 0; o < out; o++) {
                    for (int n = 0; n < want[0][0].length; n++) {
                        err = Math.max(err, Math.abs(got.getDouble(i, o, n) - want[i][o][n]));
                    }
                }
            }
            assertTrue(err < 1e-12, "case " + java.util.Arrays.toString(c) + ": max-abs error " + err);
        }
    }

    @Test
    void groupedConvGradientsMatchFiniteDifferences() {
        // A grouped conv feeding a second one (the MSD pattern), batch 2; gradients w.r.t. input and weights.
        Map<String, INDArray> in = Map.of(
                "x", GraphTestUtil.gaussian(3, 1.0, 2, 8, 30),
                "w1", GraphTestUtil.gaussian(4, 0.3, 8, 2, 9),
                "w2", GraphTestUtil.gaussian(5, 0.3, 4, 4, 5),
                "b1", GraphTestUtil.gaussian(6, 0.3, 8));
        java.util.function.Function<SameDiff, SDVariable> body = sd -> {
            SDVariable h = Functional.groupedConv1d(sd, sd.getVariable("x"), 30, sd.getVariable("w1"), sd.getVariable("b1"),
                    8, 8, 9, 4, 2, 4);                                                       // [2, 8, 15]
            h = sd.nn().leakyRelu(h, 0.1);
            return Functional.groupedConv1d(sd, h, 15, sd.getVariable("w2"), null, 8, 4, 5, 2, 1, 2); // [2, 4, 15]
        };
        for (String wrt : new String[] {"x", "w1", "w2", "b1"}) {
            GraphTestUtil.checkGradient("grouped conv", in, wrt, body, 11, new long[] {0}, 12, 1e-6);
        }
    }

    @Test
    void avgPoolCountsThePaddingLikeTorch() {
        for (int t : new int[] {8, 9, 4097}) {
            SameDiff sd = SameDiff.create();
            INDArray xv = GraphTestUtil.gaussian(t, 1.0, 2, 1, t);
            SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 1, t);
            INDArray got = Functional.avgPool1d(sd, "pool", x, 4, 2, 2).eval(Map.of("x", xv));
            for (int b = 0; b < 2; b++) {
                double[] want = naiveAvgPool(to3(xv)[b][0], 4, 2, 2);
                assertArrayEquals(new long[] {2, 1, t / 2 + 1}, got.shape());
                for (int n = 0; n < want.length; n++) {
                    assertTrue(Math.abs(got.getDouble(b, 0, n) - want[n]) < 1e-12, "T " + t + " n " + n);
                }
            }
        }
    }

    @Test
    void avgPoolGradientMatchesFiniteDifferences() {
        GraphTestUtil.checkGradient("avg pool", Map.of("x", GraphTestUtil.gaussian(9, 1.0, 1, 1, 13)), "x",
                sd -> Functional.avgPool1d(sd, "pool", sd.getVariable("x"), 4, 2, 2), 12, new long[] {0, 12}, 8, 1e-6);
    }
}
