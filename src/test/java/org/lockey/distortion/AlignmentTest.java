package org.lockey.distortion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The codec re-alignment finds a known delay or advance and undoes it. */
class AlignmentTest {
    @Test
    void findsAKnownDelayAndAdvanceUnderNoise() {
        float[] x = Signals.mix(30000, 22050, 5);
        SplittableRandom r = new SplittableRandom(2);
        for (int lag : new int[] {0, 1, 7, 1105, -300, -2047}) {
            float[] y = new float[x.length + 3000];
            for (int n = 0; n < y.length; n++) {
                int k = n - lag;
                y[n] = (float) ((k >= 0 && k < x.length ? x[k] : 0) + 0.05 * r.nextGaussian());
            }
            assertEquals(lag, Alignment.bestLag(x, y, 2205), "lag " + lag);
        }
    }

    @Test
    void shiftTakesSamplesFromTheLagAndZeroFills() {
        float[] y = {1, 2, 3, 4, 5};
        assertArrayEquals(new float[] {3, 4, 5, 0}, Alignment.shift(y, 2, 4));
        assertArrayEquals(new float[] {0, 1, 2}, Alignment.shift(y, -1, 3));
    }
}
