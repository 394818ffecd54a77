package org.lockey.metric;

import org.lockey.LockeyException;

/**
 * Signal-to-distortion ratio {@code 10 log10(sum x^2 / sum (y - x)^2)} in dB, summed in double:
 * the SDR column of LOCKEY's Tables I-II, with x the reference (e.g. the unwatermarked audio) and
 * y the signal under test (e.g. the watermarked audio). Infinite when y equals x.
 */
public final class Sdr {
    private Sdr() {
    }

    /** The SDR of {@code test} against {@code reference} (equal lengths). */
    public static double db(float[] reference, float[] test) {
        if (reference.length != test.length) {
            throw new LockeyException("SDR needs equal lengths, got " + reference.length + " and " + test.length);
        }
        double s = 0;
        double e = 0;
        for (int i = 0; i < reference.length; i++) {
            s += (double) reference[i] * reference[i];
            double d = (double) test[i] - reference[i];
            e += d * d;
        }
        return 10 * Math.log10(s / e);
    }
}
