package org.lockey.distortion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** quant: every output is the nearest binary16 value (ties to even); the documented error bound. */
class HalfPrecisionTest {
    /** Every finite non-negative binary16 value, from its bit pattern (IEEE 754 definition), ascending. */
    private static final double[] HALVES = halves();

    private static double[] halves() {
        double[] v = new double[31 * 1024];
        int k = 0;
        for (int e = 0; e < 31; e++) {
            for (int m = 0; m < 1024; m++) {
                v[k++] = e == 0 ? m * Math.pow(2, -24) : (1 + m / 1024.0) * Math.pow(2, e - 15);
            }
        }
        return v;
    }

    /** The nearest binary16 value by search over the table; a tie takes the even mantissa. */
    private static double nearest(double x) {
        double a = Math.abs(x);
        int i = Arrays.binarySearch(HALVES, a);
        if (i >= 0) {
            return Math.copySign(HALVES[i], x);
        }
        int hi = -i - 1;
        if (hi == HALVES.length) {
            return Math.copySign(a >= 65520 ? Double.POSITIVE_INFINITY : 65504, x);
        }
        int lo = hi - 1;
        double dl = a - HALVES[lo];
        double dh = HALVES[hi] - a;
        int pick = dl < dh ? lo : dh < dl ? hi : (lo % 2 == 0 ? lo : hi); // index parity = mantissa parity
        return Math.copySign(HALVES[pick], x);
    }

    @Test
    void everyOutputIsTheNearestHalfValue() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) ((2 * r.nextDouble() - 1) * Math.pow(10, -8 * r.nextDouble()));
            assertEquals(nearest(x), HalfPrecision.round(x), 0, "x = " + x);
        }
    }

    @Test
    void tiesGoToEvenAndTheExtremesBehaveAsIeee() {
        // midpoints between neighbours: 1 + 2^-11 lies between 1 (even) and 1 + 2^-10 (odd)
        assertEquals(1.0f, HalfPrecision.round(1 + 0x1p-11f));
        assertEquals(1 + 0x1p-9f, HalfPrecision.round(1 + 3 * 0x1p-11f));
        assertEquals(0x1p-24f, HalfPrecision.round(0x1p-24f));
        assertEquals(0f, HalfPrecision.round(0x1p-25f)); // tie between 0 (even) and 2^-24
        assertEquals(65504f, HalfPrecision.round(65519f));
        assertEquals(Float.POSITIVE_INFINITY, HalfPrecision.round(65520f));
        assertEquals(Float.NEGATIVE_INFINITY, HalfPrecision.round(-70000f));
        assertTrue(Float.isNaN(HalfPrecision.round(Float.NaN)));
        for (int i = 0; i < HALVES.length; i++) {
            assertEquals((float) HALVES[i], HalfPrecision.round((float) HALVES[i]), "representable value " + i);
        }
    }

    @Test
    void errorIsWithinTheDocumentedBoundOnAudio() {
        float[] x = Signals.speech(22050);
        float[] y = new HalfPrecision().apply(x, 22050, new SplittableRandom(0));
        assertEquals(x.length, y.length);
        int changed = 0;
        for (int i = 0; i < x.length; i++) {
            double a = Math.abs(x[i]);
            double bound = a >= 0x1p-14 ? 0x1p-11 * a : 0x1p-25;
            assertTrue(Math.abs(y[i] - x[i]) <= bound, "sample " + i + ": " + x[i] + " -> " + y[i]);
            changed += y[i] != x[i] ? 1 : 0;
        }
        assertTrue(changed > 1000, "16-bit PCM samples above 1/16 have more than 11 significant bits: " + changed);
        double snr = Signals.snrDb(x, y);
        System.out.println("[quant] SNR " + snr + " dB, " + changed + " of " + x.length + " samples changed");
        assertTrue(snr > 66, "relative error <= 2^-11 gives an SNR above 66 dB; got " + snr);
    }
}
