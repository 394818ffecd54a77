package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.lockey.LockeyException;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link Pad} against index-by-index definitions of torch's padding and EnCodec's short-input rule. */
class PadTest {

    /**
     * torch reflect padding by definition (index i of the padded row maps to |j| mirrored at both
     * ends, the edge sample not repeated), preceded by upstream pad1d's temporary right zeros when the
     * row is not longer than the larger pad.
     */
    static double[] reflectByDefinition(double[] x, int left, int right) {
        int maxPad = Math.max(left, right);
        int extra = x.length <= maxPad ? maxPad - x.length + 1 : 0;
        double[] w = java.util.Arrays.copyOf(x, x.length + extra);
        int n = w.length;
        double[] out = new double[left + x.length + right];
        for (int i = 0; i < out.length; i++) {
            int j = i - left;
            if (j < 0) {
                j = -j;
            } else if (j >= n) {
                j = 2 * (n - 1) - j;
            }
            out[i] = w[j];
        }
        return out;
    }

    static INDArray run(double[][] rows, int left, int right, Pad.Mode mode) {
        SameDiff sd = SameDiff.create();
        int t = rows[0].length;
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 1, rows.length, t);
        SDVariable y = Pad.pad1d(x, t, left, right, mode);
        return y.eval(Map.of("x", Nd4j.createFromArray(new double[][][] {rows})));
    }

    @Test
    void reflectMatchesDefinitionIncludingShortInputs() {
        qt().withFixedSeed(5).withExamples(60).forAll(integers().between(1, 9), integers().between(0, 6),
                integers().between(0, 6)).checkAssert((t, left, right) -> {
                    double[][] rows = new double[2][t];
                    for (int c = 0; c < 2; c++) {
                        for (int i = 0; i < t; i++) {
                            rows[c][i] = 10 * c + i + 1;
                        }
                    }
                    INDArray got = run(rows, left, right, Pad.Mode.REFLECT);
                    for (int c = 0; c < 2; c++) {
                        assertArrayEquals(reflectByDefinition(rows[c], left, right),
                                got.slice(0).slice(c).toDoubleVector(), 0.0, "T" + t + " pad " + left + "/" + right);
                    }
                });
    }

    @Test
    void shortInputRuleGivesUpstreamExample() {
        // x = [1, 2], pads 3/3: zeros appended -> [1 2 0 0], reflected -> [0 0 2 1 2 0 0 0 2 1],
        // last 2 dropped.
        INDArray got = run(new double[][] {{1, 2}}, 3, 3, Pad.Mode.REFLECT);
        assertArrayEquals(new double[] {0, 0, 2, 1, 2, 0, 0, 0}, got.slice(0).slice(0).toDoubleVector(), 0.0);
    }

    @Test
    void constantAddsZeros() {
        INDArray got = run(new double[][] {{1, 2, 3}}, 2, 1, Pad.Mode.CONSTANT);
        assertArrayEquals(new double[] {0, 0, 1, 2, 3, 0}, got.slice(0).slice(0).toDoubleVector(), 0.0);
    }

    @Test
    void upstreamModeNames() {
        assertEquals(Pad.Mode.CONSTANT, Pad.Mode.fromUpstream("constant"));
        assertEquals(Pad.Mode.REFLECT, Pad.Mode.fromUpstream("reflect"));
        assertThrows(LockeyException.class, () -> Pad.Mode.fromUpstream("circular"));
    }

    @Test
    void gradientsReachMirroredSamples() {
        for (int t : new int[] {8, 2}) {
            for (Pad.Mode mode : Pad.Mode.values()) {
                SameDiff sd = SameDiff.create();
                SDVariable x = sd.var("x", Nd4j.rand(DataType.DOUBLE, 1, 2, t).subi(0.5));
                SDVariable y = Pad.pad1d(x, t, 3, 2, mode);
                SDVariable w = sd.constant("w", Nd4j.rand(DataType.DOUBLE, 1, 2, t + 5).subi(0.5));
                // A non-linear loss so that every padded copy contributes its own term.
                sd.math().square(y).mul(w).sum().rename("loss");
                GradCheck.check(sd, "loss", Map.of(), List.of("x"), 2 * t, 1e-6, 1e-6, 1);
            }
        }
    }
}
