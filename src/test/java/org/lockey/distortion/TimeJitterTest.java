package org.lockey.distortion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * time_jit on a ramp (sample value = its index), which shows exactly what happened to every
 * sample: one deletion or repetition of 1..4 samples per 50 ms slot and nothing else.
 */
class TimeJitterTest {
    @Test
    void oneDeletionOrRepetitionOfOneToFourSamplesPerFiftyMilliseconds() {
        int rate = 22050;
        int n = 3 * rate + 777;
        float[] ramp = new float[n];
        for (int i = 0; i < n; i++) {
            ramp[i] = i; // exact in float32 below 2^24
        }
        for (long seed = 1; seed <= 5; seed++) {
            float[] y = new TimeJitter().apply(ramp, rate, new SplittableRandom(seed));
            assertEquals(n, y.length);
            int slot = (int) Math.round(0.05 * rate);
            int events = 0;
            int deletions = 0;
            int drift = 0;
            int maxDrift = 0;
            int last = n; // output samples past the last input sample are zero padding
            for (int i = 1; i < n; i++) {
                if (y[i] == 0 && y[i - 1] != 0 && i > slot) {
                    last = i;
                    break;
                }
                int step = (int) (y[i] - y[i - 1]);
                if (step != 1) {
                    events++;
                    assertTrue(step >= -3 && step <= 5 && step != 1, "seed " + seed + ": jump " + step + " at " + i);
                    deletions += step > 1 ? 1 : 0;
                    drift += step - 1;
                    maxDrift = Math.max(maxDrift, Math.abs(drift));
                }
            }
            for (int i = last; i < n; i++) {
                assertEquals(0f, y[i], "zero padding after the last input sample");
            }
            int expected = n / slot;
            // events in the samples cut off at the end (when the output ran ahead) are not visible
            assertTrue(events <= expected && events >= expected - 1, "seed " + seed + ": " + events + " events, "
                    + expected + " slots");
            assertTrue(deletions > events / 4 && deletions < 3 * events / 4, "deletions " + deletions + " of " + events);
            assertTrue(maxDrift <= 4 * events, "drift");
            assertEquals(0f, y[0]);
        }
    }

    @Test
    void seedsReproduceAndDiffer() {
        float[] x = Signals.mix(22050, 22050, 6);
        float[] a = new TimeJitter().apply(x, 22050, new SplittableRandom(2));
        float[] b = new TimeJitter().apply(x, 22050, new SplittableRandom(2));
        float[] c = new TimeJitter().apply(x, 22050, new SplittableRandom(3));
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }
}
