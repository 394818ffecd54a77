package org.lockey.model.encodec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.nn.Pad;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SConv1d and SConvTranspose1d against the upstream padding rules written out independently here
 * (float arithmetic as upstream's Python does it) and plain convolution loops.
 */
class StreamableConvTest {

    /** Upstream get_extra_padding_for_conv1d, in floating point as Python evaluates it. */
    static long extraByPythonFormula(long length, int k, int s, int total) {
        double nFrames = (double) (length - k + total) / s + 1;
        long ideal = ((long) Math.ceil(nFrames) - 1) * s + (k - total);
        return ideal - length;
    }

    /** torch reflect / zero padding of one row, with pad1d's temporary zeros for short rows. */
    static double[] pad(double[] x, int left, int right, boolean reflect) {
        if (!reflect) {
            double[] out = new double[left + x.length + right];
            System.arraycopy(x, 0, out, left, x.length);
            return out;
        }
        int maxPad = Math.max(left, right);
        int extra = x.length <= maxPad ? maxPad - x.length + 1 : 0;
        double[] w = java.util.Arrays.copyOf(x, x.length + extra);
        double[] out = new double[left + x.length + right];
        for (int i = 0; i < out.length; i++) {
            int j = i - left;
            j = j < 0 ? -j : j >= w.length ? 2 * (w.length - 1) - j : j;
            out[i] = w[j];
        }
        return out;
    }

    static double[][] weight(SameDiff sd, String key) {
        INDArray g = sd.getVariable(key + ".weight_g").getArr();
        INDArray v = sd.getVariable(key + ".weight_v").getArr();
        INDArray norm = v.mul(v).sum(true, 1, 2);
        INDArray w = v.mul(g.div(org.nd4j.linalg.ops.transforms.Transforms.sqrt(norm)));
        // [out|in, in|out, k] flattened per first axis for the loops below.
        return w.reshape(w.size(0), w.size(1) * w.size(2)).toDoubleMatrix();
    }

    @Test
    void extraPaddingEqualsUpstreamFormulaAndGivesCeilFrames() {
        qt().withFixedSeed(21).withExamples(300).forAll(integers().between(1, 60), integers().between(1, 9),
                integers().between(1, 3), booleans().all()).checkAssert((len, s, d, causal) -> {
                    for (int k : new int[] {1, 3, 2 * s, 7}) {
                        SConv1d c = new SConv1d(1, 1, k, s, d, causal, Norm.WEIGHT_NORM, Pad.Mode.CONSTANT);
                        // facebookresearch/encodec passes the undilated kernel to the extra-padding helper.
                        assertEquals(extraByPythonFormula(len, k, s, c.paddingTotal()), c.extraPadding(len),
                                "L" + len + " k" + k + " s" + s + " d" + d);
                        if (d == 1 && k >= s) {
                            assertEquals((len + s - 1) / s, c.outputLength(len), "ceil(L/s) frames, k" + k + " s" + s);
                        }
                    }
                });
    }

    @Test
    void sconvMatchesPaddedConvolution() {
        qt().withFixedSeed(22).withExamples(40).forAll(integers().between(1, 4), integers().between(1, 3),
                integers().between(1, 13), integers().between(0, 3)).checkAssert((s, d, len, variant) -> {
                    boolean causal = (variant & 1) == 1;
                    boolean reflect = (variant & 2) == 2;
                    int k = s == 1 ? 3 : 2 * s;
                    int dil = s == 1 ? d : 1;
                    SConv1d conv = new SConv1d(2, 3, k, s, dil, causal, Norm.WEIGHT_NORM,
                            reflect ? Pad.Mode.REFLECT : Pad.Mode.CONSTANT);
                    SameDiff sd = SameDiff.create();
                    Scope scope = Scope.root(sd, null, "t", DataType.DOUBLE, false, 31L * s + len);
                    SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 1, 2, len);
                    INDArray xv = Nd4j.rand(DataType.DOUBLE, 1, 2, len).subi(0.5);
                    INDArray got = conv.build(scope.child("m"), x, len).eval(Map.of("x", xv));

                    int total = (k - 1) * dil - (s - 1);
                    long extra = extraByPythonFormula(len, k, s, total);
                    int left = causal ? total : total - total / 2;
                    int right = (int) ((causal ? 0 : total / 2) + extra);
                    double[][] w = weight(sd, "m.conv.conv");
                    double[] b = sd.getVariable("m.conv.conv.bias").getArr().toDoubleVector();
                    double[][] xp = new double[2][];
                    for (int i = 0; i < 2; i++) {
                        xp[i] = pad(xv.slice(0).slice(i).toDoubleVector(), left, right, reflect);
                    }
                    int outLen = (xp[0].length - ((k - 1) * dil + 1)) / s + 1;
                    assertArrayEquals(new long[] {1, 3, outLen}, got.shape());
                    assertEquals(outLen, conv.outputLength(len));
                    for (int o = 0; o < 3; o++) {
                        for (int n = 0; n < outLen; n++) {
                            double acc = b[o];
                            for (int i = 0; i < 2; i++) {
                                for (int j = 0; j < k; j++) {
                                    acc += w[o][i * k + j] * xp[i][n * s + j * dil];
                                }
                            }
                            assertEquals(acc, got.getDouble(0, o, n), 1e-12, "o" + o + " n" + n);
                        }
                    }
                });
    }

    @Test
    void transposedConvTrimsUpstreamAmounts() {
        qt().withFixedSeed(23).withExamples(30).forAll(integers().between(1, 6), integers().between(1, 7),
                integers().between(0, 4)).checkAssert((s, len, variant) -> {
                    boolean causal = variant > 0;
                    double ratio = causal ? variant / 4.0 : 1.0;
                    int k = 2 * s;
                    SConvTranspose1d up = new SConvTranspose1d(2, 3, k, s, causal, ratio, Norm.WEIGHT_NORM);
                    SameDiff sd = SameDiff.create();
                    Scope scope = Scope.root(sd, null, "t", DataType.DOUBLE, false, 17L * s + len);
                    SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 1, 2, len);
                    INDArray xv = Nd4j.rand(DataType.DOUBLE, 1, 2, len).subi(0.5);
                    INDArray got = up.build(scope.child("m"), x, len).eval(Map.of("x", xv));

                    // Full transposed convolution, then trim total = k - s.
                    int full = (len - 1) * s + k;
                    double[][] w = weight(sd, "m.convtr.convtr"); // [in][out * k]
                    double[] b = sd.getVariable("m.convtr.convtr.bias").getArr().toDoubleVector();
                    double[][] y = new double[3][full];
                    for (int o = 0; o < 3; o++) {
                        java.util.Arrays.fill(y[o], b[o]);
                        for (int i = 0; i < 2; i++) {
                            for (int n = 0; n < len; n++) {
                                for (int j = 0; j < k; j++) {
                                    y[o][n * s + j] += xv.getDouble(0, i, n) * w[i][o * k + j];
                                }
                            }
                        }
                    }
                    int total = k - s;
                    int right = causal ? (int) Math.ceil(total * ratio) : total / 2;
                    int left = total - right;
                    assertArrayEquals(new long[] {1, 3, (long) len * s}, got.shape());
                    for (int o = 0; o < 3; o++) {
                        for (int n = 0; n < len * s; n++) {
                            assertEquals(y[o][n + left], got.getDouble(0, o, n), 1e-12);
                        }
                    }
                    assertTrue(left >= 0 && right >= 0);
                });
    }
}
