package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.lockey.io.Tensor;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Conv2d, BatchNorm2d (both modes) and GatedConv2d against naive double-precision loops of PyTorch's definitions. */
class Blocks2dTest {

    /** PyTorch Conv2d by its definition: y[o,i,j] = b[o] + sum_{c,u,v} w[o,c,u,v] x_pad[c, i*sH+u, j*sW+v]. */
    static double[][][] naiveConv(double[][][] x, double[][][][] w, double[] b, int sH, int sW, int pH, int pW) {
        int cin = x.length, h = x[0].length, wd = x[0][0].length;
        int cout = w.length, kH = w[0][0].length, kW = w[0][0][0].length;
        int ho = (h + 2 * pH - kH) / sH + 1, wo = (wd + 2 * pW - kW) / sW + 1;
        double[][][] y = new double[cout][ho][wo];
        for (int o = 0; o < cout; o++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    double acc = b == null ? 0 : b[o];
                    for (int c = 0; c < cin; c++) {
                        for (int u = 0; u < kH; u++) {
                            for (int v = 0; v < kW; v++) {
                                int r = i * sH + u - pH, q = j * sW + v - pW;
                                if (r >= 0 && r < h && q >= 0 && q < wd) {
                                    acc += w[o][c][u][v] * x[c][r][q];
                                }
                            }
                        }
                    }
                    y[o][i][j] = acc;
                }
            }
        }
        return y;
    }

    /**
     * PyTorch BatchNorm2d by its definition over a batch x[b][c][h][w]: per channel, mean and biased
     * variance over (b, h, w) in training mode, or the given running statistics.
     */
    static double[][][][] naiveBatchNorm(double[][][][] x, double[] gamma, double[] beta, double[] rm, double[] rv,
            boolean batchStats, double eps) {
        int nb = x.length, c = x[0].length, h = x[0][0].length, wd = x[0][0][0].length;
        double[][][][] y = new double[nb][c][h][wd];
        for (int ch = 0; ch < c; ch++) {
            double mean = rm[ch];
            double var = rv[ch];
            if (batchStats) {
                double s = 0;
                for (double[][][] xb : x) {
                    for (double[] row : xb[ch]) {
                        for (double v : row) {
                            s += v;
                        }
                    }
                }
                int n = nb * h * wd;
                mean = s / n;
                double ss = 0;
                for (double[][][] xb : x) {
                    for (double[] row : xb[ch]) {
                        for (double v : row) {
                            ss += (v - mean) * (v - mean);
                        }
                    }
                }
                var = ss / n;
            }
            for (int b = 0; b < nb; b++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < wd; j++) {
                        y[b][ch][i][j] = (x[b][ch][i][j] - mean) / Math.sqrt(var + eps) * gamma[ch] + beta[ch];
                    }
                }
            }
        }
        return y;
    }

    static double[][][][] to4(INDArray a) {
        long[] s = a.shape();
        double[][][][] r = new double[(int) s[0]][(int) s[1]][(int) s[2]][(int) s[3]];
        for (int i = 0; i < s[0]; i++) {
            for (int j = 0; j < s[1]; j++) {
                for (int k = 0; k < s[2]; k++) {
                    for (int l = 0; l < s[3]; l++) {
                        r[i][j][k][l] = a.getDouble(i, j, k, l);
                    }
                }
            }
        }
        return r;
    }

    static double maxAbsDiff(INDArray got, double[][][][] want) {
        double m = 0;
        double[][][][] g = to4(got);
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < want[i].length; j++) {
                for (int k = 0; k < want[i][j].length; k++) {
                    for (int l = 0; l < want[i][j][k].length; l++) {
                        m = Math.max(m, Math.abs(g[i][j][k][l] - want[i][j][k][l]));
                    }
                }
            }
        }
        return m;
    }

    static double[] arr(SameDiff sd, String name) {
        return sd.getVariable(name).getArr().castTo(DataType.DOUBLE).data().asDouble();
    }

    @Test
    void conv2dMatchesDefinitionForAnyKernelStridePadding() {
        qt().withFixedSeed(21).withExamples(20).forAll(
                integers().between(1, 4), integers().between(1, 3), integers().between(1, 2), integers().between(0, 2))
                .checkAssert((kH, kW, s, p) -> {
                    int cin = 3, cout = 2, h = 9, w = 7;
                    Conv2d conv = new Conv2d(cin, cout, kH, kW, s, 3 - s, p, 2 - p, (kH + kW) % 2 == 0);
                    SameDiff sd = SameDiff.create();
                    Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 31L * kH + kW);
                    SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 2, cin, h, w);
                    INDArray xv = Nd4j.rand(DataType.DOUBLE, 2, cin, h, w).subi(0.5);
                    INDArray out = conv.build(scope.child("conv"), x).eval(Map.of("x", xv));
                    double[][][][] wt = to4(sd.getVariable("conv.weight").getArr());
                    double[] b = conv.bias() ? arr(sd, "conv.bias") : null;
                    double[][][][] want = new double[2][][][];
                    for (int n = 0; n < 2; n++) {
                        want[n] = naiveConv(to4(xv)[n], wt, b, conv.strideH(), conv.strideW(), conv.padH(), conv.padW());
                    }
                    assertArrayEquals(new long[] {2, cout, conv.outputHeight(h), conv.outputWidth(w)}, out.shape());
                    double err = maxAbsDiff(out, want);
                    assertTrue(err < 1e-12, conv + ": max error " + err);
                });
    }

    @Test
    void batchNormBatchStatisticsMatchTheDefinition() {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 3);
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 3, 4, 5, 6);
        SDVariable y = BatchNorm2d.of(4, BatchNorm2d.Mode.BATCH_STATISTICS).build(scope.child("bn"), x);
        // Non-trivial affine parameters and running statistics that must NOT be used.
        sd.getVariable("bn.weight").getArr().assign(Nd4j.createFromArray(0.5, 2.0, -1.0, 1.5));
        sd.getVariable("bn.bias").getArr().assign(Nd4j.createFromArray(0.1, -0.2, 0.3, 0.0));
        sd.getVariable("bn.running_mean").getArr().assign(Nd4j.createFromArray(5.0, 5.0, 5.0, 5.0));
        sd.getVariable("bn.running_var").getArr().assign(Nd4j.createFromArray(9.0, 9.0, 9.0, 9.0));
        INDArray xv = Nd4j.rand(DataType.DOUBLE, 3, 4, 5, 6).muli(3).addi(1);
        INDArray out = y.eval(Map.of("x", xv));
        double[][][][] want = naiveBatchNorm(to4(xv), arr(sd, "bn.weight"), arr(sd, "bn.bias"),
                arr(sd, "bn.running_mean"), arr(sd, "bn.running_var"), true, 1e-5);
        double err = maxAbsDiff(out, want);
        assertTrue(err < 1e-12, "batch-statistics BN max error " + err);
    }

    @Test
    void batchNormRunningStatisticsMatchTheDefinition() {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 4);
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 2, 3, 4, 5);
        SDVariable y = BatchNorm2d.of(3, BatchNorm2d.Mode.RUNNING_STATISTICS).build(scope.child("bn"), x);
        sd.getVariable("bn.weight").getArr().assign(Nd4j.createFromArray(0.5, 2.0, -1.0));
        sd.getVariable("bn.running_mean").getArr().assign(Nd4j.createFromArray(0.3, -0.4, 1.0));
        sd.getVariable("bn.running_var").getArr().assign(Nd4j.createFromArray(0.25, 4.0, 1e-6));
        INDArray xv = Nd4j.rand(DataType.DOUBLE, 2, 3, 4, 5);
        INDArray out = y.eval(Map.of("x", xv));
        double[][][][] want = naiveBatchNorm(to4(xv), arr(sd, "bn.weight"), arr(sd, "bn.bias"),
                arr(sd, "bn.running_mean"), arr(sd, "bn.running_var"), false, 1e-5);
        double err = maxAbsDiff(out, want);
        assertTrue(err < 1e-12, "running-statistics BN max error " + err);
    }

    @Test
    void batchNormKeysShapesAndTypesFollowPyTorch() {
        SameDiff sd = SameDiff.create();
        Map<String, Tensor> ckpt = Map.of(
                "bn.weight", Tensor.ofFloats("bn.weight", new float[] {1, 2}, 2),
                "bn.bias", Tensor.ofFloats("bn.bias", new float[] {0, 0}, 2),
                "bn.running_mean", Tensor.ofFloats("bn.running_mean", new float[] {0, 0}, 2),
                "bn.running_var", Tensor.ofFloats("bn.running_var", new float[] {1, 1}, 2),
                "bn.num_batches_tracked", Tensor.ofLongs("bn.num_batches_tracked", new long[] {74000}));
        Scope scope = Scope.loaded(sd, ckpt, "ckpt");
        BatchNorm2d.of(2, BatchNorm2d.Mode.BATCH_STATISTICS).build(scope.child("bn"),
                sd.placeHolder("x", DataType.FLOAT, 1, 2, 3, 3));
        scope.build().checkLoaded();
        INDArray tracked = sd.getVariable("bn.num_batches_tracked").getArr();
        assertEquals(DataType.INT64, tracked.dataType());
        assertEquals(0, tracked.rank());
        assertEquals(74000L, tracked.getLong(0));
        assertEquals(VariableType.VARIABLE, sd.getVariable("bn.weight").getVariableType());
        assertEquals(VariableType.CONSTANT, sd.getVariable("bn.running_mean").getVariableType());
        assertEquals(List.of("bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"),
                List.copyOf(scope.build().created().keySet()));
    }

    @Test
    void gatedConvIsBatchNormOfConvTimesSigmoidGate() {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 8);
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 2, 2, 6, 5);
        SDVariable y = GatedConv2d.of(2, 3, 3, 1, BatchNorm2d.Mode.BATCH_STATISTICS).build(scope.child("layer"), x);
        sd.getVariable("layer.bn.weight").getArr().assign(Nd4j.createFromArray(0.7, -1.2, 2.0));
        sd.getVariable("layer.bn.bias").getArr().assign(Nd4j.createFromArray(0.1, 0.2, -0.3));
        INDArray xv = Nd4j.rand(DataType.DOUBLE, 2, 2, 6, 5).subi(0.5);
        INDArray out = y.eval(Map.of("x", xv));
        double[][][][] gated = new double[2][][][];
        for (int n = 0; n < 2; n++) {
            double[][][] c = naiveConv(to4(xv)[n], to4(sd.getVariable("layer.conv.weight").getArr()),
                    arr(sd, "layer.conv.bias"), 1, 1, 1, 1);
            double[][][] g = naiveConv(to4(xv)[n], to4(sd.getVariable("layer.gate.weight").getArr()),
                    arr(sd, "layer.gate.bias"), 1, 1, 1, 1);
            for (int o = 0; o < c.length; o++) {
                for (int i = 0; i < c[o].length; i++) {
                    for (int j = 0; j < c[o][i].length; j++) {
                        c[o][i][j] *= 1 / (1 + Math.exp(-g[o][i][j]));
                    }
                }
            }
            gated[n] = c;
        }
        double[][][][] want = naiveBatchNorm(gated, arr(sd, "layer.bn.weight"), arr(sd, "layer.bn.bias"),
                new double[3], new double[] {1, 1, 1}, true, 1e-5);
        double err = maxAbsDiff(out, want);
        assertTrue(err < 1e-12, "gated block max error " + err);
    }

    @Test
    void gradientsThroughGatedBlocksWithBatchStatisticsMatchFiniteDifferences() {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 9);
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 2, 1, 6, 4);
        SDVariable h = GatedConv2d.of(1, 3, 3, 1, BatchNorm2d.Mode.BATCH_STATISTICS).build(scope.child("a"), x);
        h = GatedConv2d.of(3, 2, 1, 0, BatchNorm2d.Mode.BATCH_STATISTICS).build(scope.child("b"), h);
        SDVariable w = sd.constant("w", Nd4j.rand(DataType.DOUBLE, 2, 2, 6, 4).subi(0.5));
        // A non-linear loss: BN output sums to bias per channel, so a linear loss would hide errors.
        sd.math().tanh(h).mul(w).sum().rename("loss");
        Map<String, INDArray> ph = Map.of("x", Nd4j.rand(DataType.DOUBLE, 2, 1, 6, 4).subi(0.5));
        GradCheck.check(sd, "loss", ph, List.of("x", "a.conv.weight", "a.gate.weight", "a.gate.bias", "a.bn.weight",
                "a.bn.bias", "b.conv.weight", "b.conv.bias", "b.bn.weight"), 10, 1e-6, 1e-5, new SplittableRandom(2).nextLong());
    }

    @Test
    void float32GradientsThroughDoubleAccumulatedStatisticsAgreeWithDouble() {
        INDArray xv = Nd4j.rand(DataType.DOUBLE, 2, 2, 5, 4).subi(0.5);
        INDArray wv = Nd4j.rand(DataType.DOUBLE, 2, 3, 5, 4).subi(0.5);
        Map<String, INDArray> grads = new java.util.HashMap<>();
        for (DataType t : List.of(DataType.DOUBLE, DataType.FLOAT)) {
            SameDiff sd = SameDiff.create();
            Scope scope = Scope.root(sd, null, "test", t, false, 10);
            SDVariable x = sd.placeHolder("x", t, 2, 2, 5, 4);
            SDVariable h = GatedConv2d.of(2, 3, 3, 1, BatchNorm2d.Mode.BATCH_STATISTICS).build(scope.child("a"), x);
            sd.math().tanh(h).mul(sd.constant("w", wv.castTo(t))).sum().rename("loss");
            Map<String, INDArray> g = sd.calculateGradients(Map.of("x", xv.castTo(t)), "x", "a.conv.weight");
            grads.put(t + "x", g.get("x").castTo(DataType.DOUBLE));
            grads.put(t + "w", g.get("a.conv.weight").castTo(DataType.DOUBLE));
        }
        for (String v : List.of("x", "w")) {
            INDArray d = grads.get("DOUBLE" + v);
            double err = grads.get("FLOAT" + v).sub(d).amaxNumber().doubleValue();
            double scale = d.amaxNumber().doubleValue();
            assertTrue(scale > 1e-3 && err <= 1e-4 * scale, v + ": float32 gradient off by " + err + " (scale " + scale + ")");
        }
    }
}
