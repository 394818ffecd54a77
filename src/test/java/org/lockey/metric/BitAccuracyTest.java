package org.lockey.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;

/** Bit accuracy on hand-made frame classes (expected values worked out by hand in the comments). */
class BitAccuracyTest {
    /** 0xB4 = 1011 0100: symbols 2, 3, 1, 0 -> classes 3, 4, 2, 1, end token 0 (period 5). */
    private static final boolean[] BITS = {true, false, true, true, false, true, false, false};
    private static final int[] PERIOD = {3, 4, 2, 1, 0};

    @Test
    void perfectFramesGiveOne() {
        int[] frames = new int[12];
        for (int t = 0; t < frames.length; t++) {
            frames[t] = PERIOD[t % 5];
        }
        assertEquals(1.0, BitAccuracy.aligned(frames, BITS, 0));
        assertEquals(1.0, BitAccuracy.perFrame(frames, frames));
    }

    @Test
    void theModePerPositionDecidesAndAnEndTokenIsTwoWrongBits() {
        // position 0 (class 3 = bits 10): frames 0, 5, 10 -> 3, 1, 1: mode 1 = symbol 0 = bits 00, 1 bit right
        // position 1 (class 4 = bits 11): 4, 4, 0 -> 4: 2 right
        // position 2 (class 2 = bits 01): 0, 0 -> end token: 0 right
        // position 3 (class 1 = bits 00): 2, 1 -> tie, the smaller class 1: 2 right
        int[] frames = {3, 4, 0, 2, 0, 1, 4, 0, 1, 0, 1, 0};
        assertEquals(5 / 8.0, BitAccuracy.aligned(frames, BITS, 0));
    }

    @Test
    void theOffsetShiftsThePositions() {
        // frames start at period position 2: classes 2, 1, 0, 3, 4, 2, 1, ...
        int[] frames = new int[10];
        for (int t = 0; t < frames.length; t++) {
            frames[t] = PERIOD[(t + 2) % 5];
        }
        assertEquals(1.0, BitAccuracy.aligned(frames, BITS, 2));
        // misaligned: positions 0-3 see classes 2 (01 vs 10: 0 right), 1 (00 vs 11: 0), 0 (end token: 0),
        // 3 (10 vs 00: the low bit right): 1 of 8
        assertEquals(1 / 8.0, BitAccuracy.aligned(frames, BITS, 0));
    }

    @Test
    void anOddPayloadScoresItsLastBitOnly() {
        // 3 bits 1, 0, 1: symbols 2 (10), 2 (1 + padding 0) -> classes 3, 3, 0
        boolean[] bits = {true, false, true};
        int[] frames = {3, 4, 0, 3, 4, 0}; // position 1 decodes class 4 = bits 11: the real bit (1) is right
        assertEquals(1.0, BitAccuracy.aligned(frames, bits, 0));
    }

    @Test
    void perFrameCountsSymbolFramesOnly() {
        int[] target = {3, 4, 0, 2};
        int[] predicted = {3, 1, 4, 0}; // 2 right; 4 vs 1 = 11 vs 00: 0 right; end-token frame skipped; 0 for an end token
        assertEquals(2 / 6.0, BitAccuracy.perFrame(predicted, target));
        assertEquals(Double.NaN, BitAccuracy.perFrame(new int[] {1}, new int[] {0}));
        assertThrows(LockeyException.class, () -> BitAccuracy.aligned(new int[3], BITS, 0));
    }

    @Test
    void sdrOfAKnownError() {
        float[] x = {1, -1, 1, -1};
        float[] y = {1.1f, -1, 1, -1}; // 4 / 0.01 -> 26.02 dB
        assertEquals(10 * Math.log10(4 / 0.01), Sdr.db(x, y), 1e-4);
        assertThrows(LockeyException.class, () -> Sdr.db(x, new float[3]));
    }
}
