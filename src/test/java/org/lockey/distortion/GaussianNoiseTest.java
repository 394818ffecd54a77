package org.lockey.distortion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** gaus: measured SNR, whiteness and Gaussianity of the added noise, seeding. */
class GaussianNoiseTest {
    private static final int RATE = 22050;

    @Test
    void measuredSnrIsFortyDecibels() {
        float[] x = Signals.speech(RATE);
        for (long seed = 1; seed <= 5; seed++) {
            float[] y = GaussianNoise.tableI().apply(x, RATE, new SplittableRandom(seed));
            assertEquals(x.length, y.length);
            double snr = Signals.snrDb(x, y);
            // the brief's bound is 40 +- 0.5 dB; the scaling makes it exact up to float32 rounding
            assertEquals(40.0, snr, 0.01, "seed " + seed);
        }
    }

    @Test
    void addedNoiseIsWhiteAndGaussian() {
        float[] x = Signals.mix(200_000, RATE, 3);
        float[] y = new GaussianNoise(20).apply(x, RATE, new SplittableRandom(9));
        int n = x.length;
        double[] d = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            d[i] = (double) y[i] - x[i];
            mean += d[i] / n;
        }
        double m2 = 0;
        double m4 = 0;
        double lag1 = 0;
        for (int i = 0; i < n; i++) {
            double c = d[i] - mean;
            m2 += c * c / n;
            m4 += c * c * c * c / n;
            if (i > 0) {
                lag1 += c * (d[i - 1] - mean) / n;
            }
        }
        double sd = Math.sqrt(m2);
        assertEquals(0, mean / sd, 0.01, "mean");
        assertEquals(3.0, m4 / (m2 * m2), 0.1, "kurtosis of a Gaussian");
        assertEquals(0, lag1 / m2, 0.01, "lag-1 autocorrelation of white noise");
    }

    @Test
    void seedsReproduceAndDiffer() {
        float[] x = Signals.mix(5000, RATE, 1);
        float[] a = GaussianNoise.tableI().apply(x, RATE, new SplittableRandom(4));
        float[] b = GaussianNoise.tableI().apply(x, RATE, new SplittableRandom(4));
        float[] c = GaussianNoise.tableI().apply(x, RATE, new SplittableRandom(5));
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void silenceIsReturnedUnchanged() {
        float[] x = new float[1000];
        float[] y = GaussianNoise.tableI().apply(x, RATE, new SplittableRandom(1));
        assertArrayEquals(x, y);
        assertTrue(y != x, "a copy, not the input");
    }
}
