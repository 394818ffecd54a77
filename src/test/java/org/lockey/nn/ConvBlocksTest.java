package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Conv1d, ConvTranspose1d and weight norm against naive double-precision loops of PyTorch's definitions. */
class ConvBlocksTest {

    /** PyTorch Conv1d by its definition: y[o,t] = b[o] + sum_{i,j} w[o,i,j] x_pad[i, t*s + j*d]. */
    static double[][] naiveConv(double[][] x, double[][][] w, double[] b, int s, int p, int d) {
        int cin = x.length, t = x[0].length, cout = w.length, k = w[0][0].length;
        int tout = (t + 2 * p - d * (k - 1) - 1) / s + 1;
        double[][] y = new double[cout][tout];
        for (int o = 0; o < cout; o++) {
            for (int n = 0; n < tout; n++) {
                double acc = b[o];
                for (int i = 0; i < cin; i++) {
                    for (int j = 0; j < k; j++) {
                        int src = n * s + j * d - p;
                        if (src >= 0 && src < t) {
                            acc += w[o][i][j] * x[i][src];
                        }
                    }
                }
                y[o][n] = acc;
            }
        }
        return y;
    }

    /** PyTorch ConvTranspose1d by its definition: y[o, n*s + j - p] += x[i,n] w[i,o,j]. */
    static double[][] naiveConvTranspose(double[][] x, double[][][] w, double[] b, int s, int p) {
        int cin = x.length, t = x[0].length, cout = w[0].length, k = w[0][0].length;
        int tout = (t - 1) * s - 2 * p + k;
        double[][] y = new double[cout][tout];
        for (int o = 0; o < cout; o++) {
            java.util.Arrays.fill(y[o], b[o]);
        }
        for (int i = 0; i < cin; i++) {
            for (int n = 0; n < t; n++) {
                for (int o = 0; o < cout; o++) {
                    for (int j = 0; j < k; j++) {
                        int dst = n * s + j - p;
                        if (dst >= 0 && dst < tout) {
                            y[o][dst] += x[i][n] * w[i][o][j];
                        }
                    }
                }
            }
        }
        return y;
    }

    static double[][][] effectiveWeightNorm(double[] g, double[][][] v) {
        double[][][] w = new double[v.length][][];
        for (int a = 0; a < v.length; a++) {
            double ss = 0;
            for (double[] row : v[a]) {
                for (double e : row) {
                    ss += e * e;
                }
            }
            double scale = g[a] / Math.sqrt(ss);
            w[a] = new double[v[a].length][];
            for (int c = 0; c < v[a].length; c++) {
                w[a][c] = v[a][c].clone();
                for (int j = 0; j < w[a][c].length; j++) {
                    w[a][c][j] *= scale;
                }
            }
        }
        return w;
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

    static double maxAbsDiff(INDArray got, double[][] want) {
        double m = 0;
        for (int o = 0; o < want.length; o++) {
            for (int n = 0; n < want[o].length; n++) {
                m = Math.max(m, Math.abs(got.getDouble(0, o, n) - want[o][n]));
            }
        }
        return m;
    }

    @Test
    void conv1dMatchesDefinitionForAnyStridePaddingDilation() {
        qt().withFixedSeed(11).withExamples(25).forAll(
                integers().between(1, 4), integers().between(1, 7), integers().between(0, 4), integers().between(1, 5))
                .checkAssert((s, k, p, d) -> {
                    int cin = 3, cout = 2, t = 40;
                    WeightParam weight = (s + k + p + d) % 2 == 0 ? WeightParam.WEIGHT_NORM : WeightParam.PLAIN;
                    Conv1d conv = new Conv1d(cin, cout, k, s, p, d, Bias.ON, weight);
                    SameDiff sd = SameDiff.create();
                    Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 7L * s + k);
                    SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 1, cin, t);
                    SDVariable y = conv.build(scope.child("conv"), x);
                    INDArray xv = Nd4j.rand(DataType.DOUBLE, 1, cin, t).subi(0.5);
                    INDArray out = y.eval(Map.of("x", xv));
                    double[][][] w = weight.weightNormed()
                            ? effectiveWeightNorm(sd.getVariable("conv.weight_g").getArr().data().asDouble(),
                                    to3(sd.getVariable("conv.weight_v").getArr()))
                            : to3(sd.getVariable("conv.weight").getArr());
                    double[] b = sd.getVariable("conv.bias").getArr().data().asDouble();
                    double[][] want = naiveConv(to3(xv)[0], w, b, s, p, d);
                    assertArrayEquals(new long[] {1, cout, conv.outputLength(t)}, out.shape());
                    double err = maxAbsDiff(out, want);
                    assertTrue(err < 1e-12, "s" + s + " k" + k + " p" + p + " d" + d + ": max error " + err);
                });
    }

    @Test
    void convTranspose1dMatchesDefinition() {
        qt().withFixedSeed(12).withExamples(20).forAll(
                integers().between(1, 8), integers().between(1, 3), integers().between(0, 3))
                .checkAssert((s, kMul, pRaw) -> {
                    int k = s * kMul + (s % 2);
                    int p = Math.min(pRaw, (k - 1) / 2);
                    int cin = 3, cout = 2, t = 9;
                    WeightParam weight = (s + kMul) % 2 == 0 ? WeightParam.WEIGHT_NORM : WeightParam.PLAIN;
                    ConvTranspose1d up = new ConvTranspose1d(cin, cout, k, s, p, Bias.ON, weight);
                    SameDiff sd = SameDiff.create();
                    Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 3L * s + k);
                    SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 1, cin, t);
                    SDVariable y = up.build(scope.child("ups").child(0), x);
                    INDArray xv = Nd4j.rand(DataType.DOUBLE, 1, cin, t).subi(0.5);
                    INDArray out = y.eval(Map.of("x", xv));
                    double[][][] w = weight.weightNormed()
                            ? effectiveWeightNorm(sd.getVariable("ups.0.weight_g").getArr().data().asDouble(),
                                    to3(sd.getVariable("ups.0.weight_v").getArr()))
                            : to3(sd.getVariable("ups.0.weight").getArr());
                    double[] b = sd.getVariable("ups.0.bias").getArr().data().asDouble();
                    double[][] want = naiveConvTranspose(to3(xv)[0], w, b, s, p);
                    assertArrayEquals(new long[] {1, cout, up.outputLength(t)}, out.shape());
                    double err = maxAbsDiff(out, want);
                    assertTrue(err < 1e-12, "s" + s + " k" + k + " p" + p + ": max error " + err);
                });
    }

    @Test
    void weightNormShapesFollowDimZero() {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.fresh(sd, 1);
        new ConvTranspose1d(6, 4, 8, 4, 2, Bias.ON, WeightParam.WEIGHT_NORM).build(scope.child("up"),
                sd.placeHolder("x", DataType.FLOAT, 1, 6, 5));
        new Conv1d(6, 4, 3, 1, 1, 1, Bias.ON, WeightParam.WEIGHT_NORM).build(scope.child("conv"),
                sd.placeHolder("y", DataType.FLOAT, 1, 6, 5));
        Map<String, long[]> created = scope.build().created();
        assertArrayEquals(new long[] {6, 1, 1}, created.get("up.weight_g"));
        assertArrayEquals(new long[] {6, 4, 8}, created.get("up.weight_v"));
        assertArrayEquals(new long[] {4}, created.get("up.bias"));
        assertArrayEquals(new long[] {4, 1, 1}, created.get("conv.weight_g"));
        assertArrayEquals(new long[] {4, 6, 3}, created.get("conv.weight_v"));
    }

    @Test
    void gradientsOfWeightNormedConvsMatchFiniteDifferences() {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 5);
        // The input is a variable, not a placeholder: SameDiff M2.1 gives a placeholder a gradient only
        // through an op that also reads a trainable variable, and the (polyphase) dilated conv starts
        // with a pad of its input (docs/architecture.md, traps).
        SDVariable x = sd.var("x", Nd4j.rand(DataType.DOUBLE, 1, 3, 12).subi(0.5));
        SDVariable h = new Conv1d(3, 4, 3, 1, 2, 2, Bias.ON, WeightParam.WEIGHT_NORM).build(scope.child("c"), x);
        h = sd.nn().leakyRelu(h, 0.1);
        h = new ConvTranspose1d(4, 2, 4, 2, 1, Bias.ON, WeightParam.WEIGHT_NORM).build(scope.child("u"), h);
        SDVariable w = sd.constant("w", Nd4j.rand(DataType.DOUBLE, 1, 2, 24));
        sd.math().tanh(h).mul(w).sum().rename("loss");
        Map<String, INDArray> ph = Map.of();
        GradCheck.check(sd, "loss", ph, List.of("x", "c.weight_g", "c.weight_v", "c.bias", "u.weight_g",
                "u.weight_v", "u.bias"), 12, 1e-6, 1e-5, new SplittableRandom(1).nextLong());
    }
}
