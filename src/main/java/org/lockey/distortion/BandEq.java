package org.lockey.distortion;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.lockey.LockeyException;

/**
 * Table I column {@code eq}: "random band-limited equalization of 15 dB at 35 Hz, 200 Hz, 1000 Hz
 * and 4000 Hz" (LOCKEY Sec. V-A).
 *
 * <p>A cascade of four peaking biquads (R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad
 * filter coefficients", peakingEQ, bilinear transform pre-warped at the centre) at 35, 200, 1000 and
 * 4000 Hz ({@link #centresHz()}) with quality factor {@value #Q} (bandwidth about 0.71 octave), each
 * with a gain of {@code +15 dB} or {@code -15 dB}, the sign drawn per band with probability 1/2. With
 * {@code A = 10^(g/40)}, {@code w0 = 2 pi f0 / fs}, {@code alpha = sin(w0) / (2 Q)}:
 * {@code b = [1 + alpha A, -2 cos w0, 1 - alpha A]}, {@code a = [1 + alpha / A, -2 cos w0, 1 - alpha / A]}.
 * A peaking filter's gain at its centre is exactly g; the other bands (centres a factor 4 to 6 away)
 * move it by at most 0.63 dB (measured in {@code BandEqTest} at 16, 22.05 and 44.1 kHz). Run
 * causally (transposed direct form II, double precision, zero initial state), so the output has the
 * input's length; its phase shift is small away from the centres. A band whose centre is at or above
 * {@value #MAX_CENTRE_FRACTION} of the sample rate is skipped (only below 8.9 kHz sampling).
 *
 * @param gainDb the magnitude of every band's gain in dB (Table I: {@value #TABLE_I_GAIN_DB})
 */
public record BandEq(double gainDb) implements Distortion {
    /** Centre frequencies of the bands in Hz (Table I). */
    private static final double[] CENTRES = {35, 200, 1000, 4000};
    /** Quality factor of every band. */
    public static final double Q = 2.0;
    /** Table I's gain magnitude. */
    public static final double TABLE_I_GAIN_DB = 15.0;
    /** Bands at or above this fraction of the sample rate are skipped. */
    public static final double MAX_CENTRE_FRACTION = 0.45;

    public BandEq {
        if (!Double.isFinite(gainDb)) {
            throw new LockeyException("eq: gain " + gainDb + " dB is not finite");
        }
    }

    /** Table I's {@code eq}: +-15 dB. */
    public static BandEq tableI() {
        return new BandEq(TABLE_I_GAIN_DB);
    }

    /** The band centres in Hz: 35, 200, 1000, 4000. */
    public static double[] centresHz() {
        return CENTRES.clone();
    }

    @Override
    public String name() {
        return "eq";
    }

    @Override
    public String description() {
        return "peaking EQ (Q " + Q + ") of +-" + gainDb + " dB, random sign per band, at 35, 200, 1000, 4000 Hz";
    }

    @Override
    public float[] apply(float[] audio, int sampleRate, SplittableRandom rng) {
        return apply(audio, sampleRate, drawGains(rng));
    }

    /** One gain per band, {@code +gainDb} or {@code -gainDb} with probability 1/2 each. */
    public double[] drawGains(SplittableRandom rng) {
        double[] g = new double[CENTRES.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = rng.nextBoolean() ? gainDb : -gainDb;
        }
        return g;
    }

    /** The cascade with the given per-band gains (dB, one per {@link #centresHz()}). */
    public static float[] apply(float[] audio, int sampleRate, double[] gainsDb) {
        if (gainsDb.length != CENTRES.length) {
            throw new LockeyException("eq: " + gainsDb.length + " gains for " + CENTRES.length + " bands "
                    + Arrays.toString(CENTRES));
        }
        double[] y = new double[audio.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = audio[i];
        }
        for (int band = 0; band < CENTRES.length; band++) {
            if (CENTRES[band] < MAX_CENTRE_FRACTION * sampleRate) {
                filter(y, peaking(CENTRES[band], gainsDb[band], sampleRate));
            }
        }
        float[] out = new float[y.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) y[i];
        }
        return out;
    }

    /** Normalised coefficients {b0, b1, b2, a1, a2} of the cookbook peakingEQ (a0 divided out). */
    static double[] peaking(double f0, double gainDb, int sampleRate) {
        double a = Math.pow(10, gainDb / 40);
        double w0 = 2 * Math.PI * f0 / sampleRate;
        double alpha = Math.sin(w0) / (2 * Q);
        double cos = Math.cos(w0);
        double a0 = 1 + alpha / a;
        return new double[] {(1 + alpha * a) / a0, -2 * cos / a0, (1 - alpha * a) / a0, -2 * cos / a0,
            (1 - alpha / a) / a0};
    }

    /** In place: {@code y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2]} (transposed DF II). */
    private static void filter(double[] x, double[] c) {
        double s1 = 0;
        double s2 = 0;
        for (int n = 0; n < x.length; n++) {
            double in = x[n];
            double out = c[0] * in + s1;
            s1 = c[1] * in - c[3] * out + s2;
            s2 = c[2] * in - c[4] * out;
            x[n] = out;
        }
    }
}
