package org.lockey.train;

/**
 * Signal-to-distortion ratio as the paper uses it (§V-A): {@code 10 log10(sum(ref^2) / sum((est -
 * ref)^2))} in dB, between the teacher's output {@code ref} and the output under test {@code est}
 * (no scale invariance, no filtering). Equal signals give +infinity.
 */
public final class Sdr {
    private Sdr() {
    }

    /** SDR in dB of {@code est} against {@code ref} (same length). */
    public static double db(float[] ref, float[] est) {
        if (ref.length != est.length) {
            throw new IllegalArgumentException("SDR of signals of different lengths: " + ref.length + " and "
                    + est.length);
        }
        double s = 0;
        double e = 0;
        for (int i = 0; i < ref.length; i++) {
            s += (double) ref[i] * ref[i];
            double d = (double) est[i] - ref[i];
            e += d * d;
        }
        if (e == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return 10 * Math.log10(s / e);
    }
}
