package org.lockey.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The tolerance rule of golden/README.md: max|port-ref| <= tol * max(1, max|ref|). */
class ComparisonTest {
    @Test
    void boundIsAbsoluteBelowOneAndRelativeAbove() {
        Comparison small = Comparison.of("a", Nd4j.scalar(0.5f + 9e-5f), new double[] {0.5}, new long[] {}, 1e-4);
        assertEquals(1e-4, small.bound(), 0);
        assertTrue(small.passed());
        Comparison big = Comparison.of("b", Nd4j.createFromArray(new float[] {10.0009f, 0f}), new double[] {10, 0},
                new long[] {2}, 1e-4);
        assertEquals(1e-3, big.bound(), 1e-15);
        assertTrue(big.passed());
        Comparison over = Comparison.of("c", Nd4j.createFromArray(new float[] {10.002f, 0f}), new double[] {10, 0},
                new long[] {2}, 1e-4);
        assertFalse(over.passed());
    }

    @Test
    void shapeMismatchAndNaNFail() {
        assertFalse(Comparison.of("s", Nd4j.createFromArray(new float[] {1, 2}), new double[] {1, 2, 3},
                new long[] {3}, 1e-4).passed());
        assertFalse(Comparison.of("n", Nd4j.createFromArray(new float[] {Float.NaN}), new double[] {0},
                new long[] {1}, 1e-4).passed());
        assertFalse(Comparison.of("m", null, new double[] {0}, new long[] {1}, 1e-4).passed());
    }
}
