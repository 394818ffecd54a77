package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The polyphase rewrite of dilated conv1d ({@link Functional#polyphaseConv1d}) against SameDiff's own
 * dilated conv1d and PyTorch's definition (naive loops), forward and gradient, and how {@link Conv1d}
 * chooses between them.
 */
class PolyphaseConvTest {

    /** Builds y = polyphase(x) and z = direct dilated conv1d(x) with the same weights, in DOUBLE. */
    private record Pair(SameDiff sd, SDVariable poly, SDVariable direct) {
    }

    private static Pair build(int cin, int cout, int k, int p, int d, boolean bias, long seed) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, cin, -1);
        SDVariable w = sd.var("w", GraphTestUtil.gaussian(seed, 0.5, cout, cin, k));          // [out, in, k]
        SDVariable b = bias ? sd.var("b", GraphTestUtil.gaussian(seed + 1, 0.5, cout)) : null;
        SDVariable kernel = Layouts.conv1d(w);
        SDVariable poly = Functional.polyphaseConv1d(sd, x, kernel, b, cin, cout, k, p, d);
        Conv1DConfig cfg = Conv1DConfig.builder().k(k).s(1).p(p).d(d).dataFormat(Conv1DConfig.NCW)
                .paddingMode(PaddingMode.VALID).build();
        SDVariable direct = b == null ? sd.cnn().conv1d(x, kernel, cfg) : sd.cnn().conv1d(x, kernel, b, cfg);
        return new Pair(sd, poly, direct);
    }

    @Test
    void matchesDilatedConvAndDefinitionForAnyShape() {
        qt().withFixedSeed(31).withExamples(40).forAll(
                integers().between(1, 7), integers().between(0, 9), integers().between(1, 6), integers().between(0, 40))
                .checkAssert((k, p, d, tRaw) -> {
                    int cin = 1 + (k + d) % 3;
                    int cout = 1 + (p + tRaw) % 3;
                    int batch = 1 + tRaw % 2;
                    int minT = Math.max(1, d * (k - 1) + 1 - 2 * p);                       // at least one output
                    int t = minT + tRaw;
                    boolean bias = (k + p) % 2 == 0;
                    Pair g = build(cin, cout, k, p, d, bias, 100L * k + 10L * d + p);
                    // Two lengths through the same graph: the phase split is computed from the input's shape.
                    for (int len : new int[] {t, t + 1 + tRaw % 5}) {
                        INDArray xv = GraphTestUtil.gaussian(len * 7L + d, 1.0, batch, cin, len);
                        Map<String, INDArray> out = g.sd().output(Map.of("x", xv), g.poly().name(), g.direct().name());
                        INDArray poly = out.get(g.poly().name());
                        INDArray direct = out.get(g.direct().name());
                        long tOut = len + 2L * p - (long) d * (k - 1);
                        String what = "k" + k + " p" + p + " d" + d + " T" + len + " B" + batch;
                        assertArrayEquals(new long[] {batch, cout, tOut}, poly.shape(), what);
                        double err = poly.sub(direct).amaxNumber().doubleValue();
                        assertTrue(err < 1e-12, what + ": max |polyphase - direct| " + err);
                        double[][][] w = ConvBlocksTest.to3(g.sd().getVariable("w").getArr());
                        double[] b = bias ? g.sd().getVariable("b").getArr().data().asDouble() : new double[cout];
                        for (int n = 0; n < batch; n++) {
                            double[][] want = ConvBlocksTest.naiveConv(ConvBlocksTest.to3(xv)[n], w, b, 1, p, d);
                            double e = ConvBlocksTest.maxAbsDiff(poly.get(
                                    org.nd4j.linalg.indexing.NDArrayIndex.interval(n, n + 1),
                                    org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                    org.nd4j.linalg.indexing.NDArrayIndex.all()), want);
                            assertTrue(e < 1e-12, what + " example " + n + ": max error against the definition " + e);
                        }
                    }
                });
    }

    @Test
    void gradientsMatchFiniteDifferencesAndTheDirectConv() {
        int[][] cases = {{3, 2, 2, 13}, {3, 3, 3, 20}, {3, 5, 5, 22}, {5, 4, 3, 17}, {2, 0, 4, 9}};  // k, p, d, T
        for (int[] c : cases) {
            int k = c[0], p = c[1], d = c[2], t = c[3];
            Pair g = build(3, 2, k, p, d, true, 7L * k + d);
            SameDiff sd = g.sd();
            SDVariable xVar = sd.var("xv", GraphTestUtil.gaussian(t + 3L, 1.0, 2, 3, t));
            // Loss through the polyphase path only, fed from a variable (placeholder gradients are unreliable).
            SDVariable poly = Functional.polyphaseConv1d(sd, xVar, Layouts.conv1d(sd.getVariable("w")),
                    sd.getVariable("b"), 3, 2, k, p, d);
            long tOut = t + 2L * p - (long) d * (k - 1);
            SDVariable r = sd.constant("r", GraphTestUtil.gaussian(5, 1.0, 2, 2, tOut));
            sd.math().tanh(poly).mul(r).sum().rename("loss");
            sd.setLossVariables("loss");
            GradCheck.check(sd, "loss", Map.of(), List.of("xv", "w", "b"), 20, 1e-6, 1e-6, 42 + k);

            // The same gradients as SameDiff's own dilated conv's, to rounding.
            SameDiff sd2 = SameDiff.create();
            SDVariable x2 = sd2.var("xv", xVar.getArr().dup());
            SDVariable w2 = sd2.var("w", sd.getVariable("w").getArr().dup());
            SDVariable b2 = sd2.var("b", sd.getVariable("b").getArr().dup());
            Conv1DConfig cfg = Conv1DConfig.builder().k(k).s(1).p(p).d(d).dataFormat(Conv1DConfig.NCW)
                    .paddingMode(PaddingMode.VALID).build();
            SDVariable direct = sd2.cnn().conv1d(x2, Layouts.conv1d(w2), b2, cfg);
            sd2.math().tanh(direct).mul(sd2.constant("r", sd.getVariable("r").getArr().dup())).sum().rename("loss");
            sd2.setLossVariables("loss");
            Map<String, INDArray> gp = sd.calculateGradients(Map.of(), "xv", "w", "b");
            Map<String, INDArray> gd = sd2.calculateGradients(Map.of(), "xv", "w", "b");
            for (String n : List.of("xv", "w", "b")) {
                double e = gp.get(n).sub(gd.get(n)).amaxNumber().doubleValue();
                assertTrue(e < 1e-12, "k" + k + " p" + p + " d" + d + ": d loss / d " + n + " differs by " + e);
            }
        }
    }

    /** conv1d ops of a graph as "d<dilation>". */
    private static List<String> convDilations(SameDiff sd) {
        List<String> r = new ArrayList<>();
        for (DifferentialFunction f : sd.ops()) {
            if (f.opName().equals("conv1d") && f instanceof DynamicCustomOp c) {
                r.add("d" + c.iArgs()[3]);
            }
        }
        return r;
    }

    @Test
    void conv1dChoosesByPropertyAndKeepsStridedDilationDirect() {
        String old = System.getProperty(Conv1d.DILATION_PROPERTY);
        try {
            for (String mode : new String[] {"polyphase", "direct"}) {
                System.setProperty(Conv1d.DILATION_PROPERTY, mode);
                SameDiff sd = SameDiff.create();
                Scope root = Scope.root(sd, null, "test", DataType.DOUBLE, false, 3);
                SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 1, 2, 30);
                SDVariable y = new Conv1d(2, 2, 3, 1, 3, 3, Bias.ON, WeightParam.WEIGHT_NORM).build(root.child("a"), x);
                SDVariable z = new Conv1d(2, 2, 3, 2, 2, 2, Bias.ON, WeightParam.PLAIN).build(root.child("b"), y);  // stride 2
                assertEquals(mode.equals("polyphase") ? List.of("d1", "d2") : List.of("d3", "d2"), convDilations(sd),
                        mode);
                assertArrayEquals(new long[] {1, 2, 15}, z.eval(Map.of("x", Nd4j.rand(DataType.DOUBLE, 1, 2, 30))).shape());
            }
            System.setProperty(Conv1d.DILATION_PROPERTY, "sideways");
            SameDiff sd = SameDiff.create();
            Scope root = Scope.root(sd, null, "test", DataType.DOUBLE, false, 3);
            SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 1, 2, 30);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new Conv1d(2, 2, 3, 1, 3, 3, Bias.ON, WeightParam.PLAIN).build(root.child("a"), x));
            assertTrue(e.getMessage().contains("sideways"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(Conv1d.DILATION_PROPERTY);
            } else {
                System.setProperty(Conv1d.DILATION_PROPERTY, old);
            }
        }
    }
}
