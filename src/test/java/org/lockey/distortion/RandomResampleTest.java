package org.lockey.distortion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** resamp: rates drawn in [40 %, 100 %], content above the lowered Nyquist removed, below kept. */
class RandomResampleTest {
    @Test
    void intermediateRatesCoverFortyToHundredPercentOnAHundredHertzGrid() {
        SplittableRandom r = new SplittableRandom(3);
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int i = 0; i < 2000; i++) {
            int m = RandomResample.intermediateRate(22050, r);
            assertTrue(m >= 0.4 * 22050 && m <= 22050, "rate " + m);
            assertTrue(m % 100 == 0 || m == 22050, "rate " + m + " not on the 100 Hz grid");
            min = Math.min(min, m);
            max = Math.max(max, m);
        }
        assertTrue(min <= 9000 && max >= 21500, "range seen " + min + ".." + max);
    }

    @Test
    void contentAboveTheLoweredNyquistIsRemovedAndBelowKept() {
        int rate = 22050;
        int n = 2 * rate;
        int m = 10000; // Nyquist 5 kHz
        float[] high = Signals.tone(n, rate, 7000, 0.5);
        float[] low = Signals.tone(n, rate, 1000, 0.5);
        float[] yHigh = RandomResample.apply(high, rate, m);
        float[] yLow = RandomResample.apply(low, rate, m);
        assertEquals(n, yHigh.length);
        assertEquals(n, yLow.length);
        int a = rate / 10;
        int b = n - rate / 10; // away from the ends, where the filters see zeros
        double highDb = 20 * Math.log10(Signals.rms(yHigh, a, b) / Signals.rms(high, a, b));
        assertTrue(highDb < -80, "7 kHz after a 10 kHz round trip: " + highDb + " dB");
        assertEquals(1.0, Signals.amplitude(yLow, rate, 1000, a, b) / Signals.amplitude(low, rate, 1000, a, b), 1e-3);
        assertTrue(Signals.snrDb(low, yLow) > 60, "1 kHz passes unchanged (no delay)");
    }

    @Test
    void seededApplyUsesTheDrawnRate() {
        float[] x = Signals.mix(22050, 22050, 4);
        float[] a = new RandomResample().apply(x, 22050, new SplittableRandom(8));
        float[] b = RandomResample.apply(x, 22050, RandomResample.intermediateRate(22050, new SplittableRandom(8)));
        assertArrayEquals(a, b);
        assertArrayEquals(x, RandomResample.apply(x, 22050, 22050));
    }
}
