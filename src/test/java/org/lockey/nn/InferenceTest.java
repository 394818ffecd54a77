package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inference without the session array cache: SameDiff's own {@code output} keeps released intermediates (the
 * trap), {@link Inference#output} keeps none, and the outputs it returns stay valid.
 */
class InferenceTest {
    /** The global switch that would hide both the trap and the fix (read when a session is created). */
    private static final String GLOBAL_CACHE_PROPERTY = "org.nd4j.autodiff.samediff";

    /** y = tanh(2 x) + 1 on x [1, n]: two intermediates released within each run. */
    private static SameDiff graph() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 1, -1);
        SDVariable a = x.mul(2.0);
        SDVariable b = sd.math().tanh(a);
        b.add("y", 1.0);
        return sd;
    }

    private static INDArray input(int n, double offset) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (offset + 0.01 * i);
        }
        return Nd4j.createFromArray(v).reshape(1, n);
    }

    private static float[] expected(INDArray x) {
        float[] v = x.reshape(-1).toFloatVector();
        float[] y = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            y[i] = (float) (Math.tanh(2.0 * v[i]) + 1);
        }
        return y;
    }

    private static void assumeNoGlobalSwitch() {
        assumeFalse("false".equals(System.getProperty(GLOBAL_CACHE_PROPERTY)),
                "-D" + GLOBAL_CACHE_PROPERTY + "=false turns every session's cache off");
    }

    @Test
    void plainOutputKeepsReleasedIntermediates() {
        assumeNoGlobalSwitch();
        SameDiff sd = graph();
        sd.output(Map.of("x", input(1000, 0)), "y");
        assertTrue(Inference.caches(sd), "SameDiff M2.1's session caches by default");
        assertTrue(Inference.cachedBytes(sd) > 0, "released intermediates are kept: " + Inference.cachedBytes(sd));
    }

    @Test
    void outputKeepsNothingAtAnyLengthAndItsOutputsStayValid() {
        assumeNoGlobalSwitch();
        SameDiff sd = graph();
        List<INDArray> inputs = new ArrayList<>();
        List<INDArray> outputs = new ArrayList<>();
        for (int n : new int[] {1000, 1000, 3000, 1700, 3000}) {
            INDArray x = input(n, -0.5 + 0.1 * outputs.size());
            inputs.add(x);
            outputs.add(Inference.output(sd, Map.of("x", x), "y").get("y"));
            assertFalse(Inference.caches(sd));
            assertEquals(0, Inference.cachedBytes(sd), "after a run of length " + n);
        }
        for (int i = 0; i < outputs.size(); i++) {
            // closed or reused output arrays would fail here or hold a later run's values
            assertArrayEquals(expected(inputs.get(i)), outputs.get(i).reshape(-1).toFloatVector(), 1e-6f,
                    "output " + i);
        }
    }

    @Test
    void uncachedEmptiesACacheThatWasFilled() {
        assumeNoGlobalSwitch();
        SameDiff sd = graph();
        sd.output(Map.of("x", input(2000, 0)), "y");
        assertTrue(Inference.cachedBytes(sd) > 0);
        INDArray x = input(2000, 0.2);
        INDArray y = Inference.output(sd, Map.of("x", x), "y").get("y");
        assertEquals(0, Inference.cachedBytes(sd));
        assertArrayEquals(expected(x), y.reshape(-1).toFloatVector(), 1e-6f);
    }
}
