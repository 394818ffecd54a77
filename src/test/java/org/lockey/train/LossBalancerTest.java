package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LossBalancerTest {
    /** Batch of 2 items of 2 values each. */
    private static INDArray grad(double a, double b, double c, double d) {
        return Nd4j.createFromArray(new double[][] {{a, b}, {c, d}});
    }

    private static Map<String, INDArray> grads(INDArray x, INDArray y) {
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("x", x);
        g.put("y", y);
        return g;
    }

    @Test
    void withoutAverageEachLossGetsItsShareOfAUnitGradient() {
        LossBalancer b = new LossBalancer(Map.of("x", 3.0, "y", 1.0), 0);
        // x: items of norm 5 and 0 (mean 2.5); y: items of norm 1 and 3 (mean 2).
        INDArray out = b.combine(grads(grad(3, 4, 0, 0), grad(1, 0, 0, 3)));
        double[][] want = {
                {0.75 * 3 / 2.5 + 0.25 * 1 / 2.0, 0.75 * 4 / 2.5},
                {0, 0.25 * 3 / 2.0}};
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(want[i], out.getRow(i).toDoubleVector(), 1e-12, "item " + i);
        }
    }

    @Test
    void theNormsAreABiasCorrectedMovingAverage() {
        LossBalancer b = new LossBalancer(Map.of("x", 1.0, "y", 1.0), 0.5);
        b.combine(grads(grad(2, 0, 2, 0), grad(1, 0, 1, 0)));            // norms 2 and 1
        INDArray out = b.combine(grads(grad(4, 0, 4, 0), grad(1, 0, 1, 0)));   // norms 4 and 1
        double avgX = (0.5 * 2 + 4) / (0.5 + 1);                               // 10/3
        assertEquals(0.5 * 4 / avgX + 0.5 * 1 / 1.0, out.getDouble(0, 0), 1e-12);
        assertEquals(avgX, b.averagedNorms().get("x"), 1e-12);
    }

    @Test
    void aRestoredBalancerContinuesExactly() {
        LossBalancer a = new LossBalancer(Map.of("x", 2.0, "y", 1.0), 0.9);
        a.combine(grads(grad(2, 1, 0, 1), grad(1, 3, 1, 0)));
        LossBalancer b = new LossBalancer(Map.of("x", 2.0, "y", 1.0), 0.9);
        b.restore(a.state());
        INDArray x = grad(0.5, 1, 2, 0);
        INDArray y = grad(1, 1, 1, 1);
        assertArrayEquals(a.combine(grads(x, y)).reshape(4).toDoubleVector(), b.combine(grads(x, y)).reshape(4).toDoubleVector(), 0);
    }

    @Test
    void badSettingsAndMissingGradientsAreRefused() {
        assertThrows(LockeyException.class, () -> new LossBalancer(Map.of("x", 0.0), 0.9));
        assertThrows(LockeyException.class, () -> new LossBalancer(Map.of("x", 1.0), 1.0));
        LossBalancer b = new LossBalancer(Map.of("x", 1.0, "y", 1.0), 0.9);
        assertThrows(LockeyException.class, () -> b.combine(Map.of("x", grad(1, 0, 0, 1))));
    }
}
