package org.lockey.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The level figures of invalid-key outputs, on signals whose figures are known by construction. */
class OutputLevelTest {
    @Test
    void aHalfLevelCopyAndARailedOffsetHaveTheirFigures() {
        float[] teacher = {1f, -1f, 1f, -1f};
        float[] half = {0.5f, -0.5f, 0.5f, -0.5f};                  // RMS ratio 0.5, no DC, nothing clipped
        float[] railed = {-1f, -1f, -0.995f, -0.2f};                 // DC -0.79875, 3 of 4 samples at |x| >= 0.99
        OutputLevel one = OutputLevel.of(List.of(half), List.of(teacher));
        assertEquals(0.5, one.rmsRatio(), 1e-7);
        assertEquals(0, one.dc(), 0);
        assertEquals(0, one.clippedFraction(), 0);
        OutputLevel two = OutputLevel.of(List.of(half, railed), List.of(teacher, teacher));
        double railedRms = Math.sqrt((1 + 1 + 0.995 * 0.995 + 0.04) / 4);
        assertEquals((0.5 + railedRms) / 2, two.rmsRatio(), 1e-6, "mean of the per-output ratios");
        assertEquals((0 + (-1 - 1 - 0.995 - 0.2) / 4) / 2, two.dc(), 1e-6);
        assertEquals(3 / 8.0, two.clippedFraction(), 0, "share of all samples");
    }
}
