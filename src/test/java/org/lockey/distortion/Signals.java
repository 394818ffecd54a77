package org.lockey.distortion;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.lockey.audio.Resampler;
import org.lockey.audio.Wav;

/** Test signals and measurements written independently of the code under test. */
final class Signals {
    private Signals() {
    }

    /** A test clip of the reference speech (espeak-ng, 22.05 kHz, test split). */
    static final Path SPEECH = Path.of("reference-data", "speech", "034.wav");

    /** The reference speech clip at {@code rate}. */
    static float[] speech(int rate) {
        float[] x = Wav.read(SPEECH).mono();
        return rate == 22050 ? x : Resampler.resample(x, 22050, rate);
    }

    /** {@code a sin(2 pi f n / rate)}. */
    static float[] tone(int n, int rate, double f, double a) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = (float) (a * Math.sin(2 * Math.PI * f * i / rate));
        }
        return y;
    }

    /** Tones plus seeded noise: broadband test audio. */
    static float[] mix(int n, int rate, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            double t = (double) i / rate;
            y[i] = (float) (0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.15 * Math.sin(2 * Math.PI * 1330 * t + 1)
                    + 0.05 * Math.sin(2 * Math.PI * 3700 * t) + 0.02 * r.nextGaussian());
        }
        return y;
    }

    /** {@code 10 log10(sum x^2 / sum (y - x)^2)} in double. */
    static double snrDb(float[] x, float[] y) {
        double s = 0;
        double e = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * x[i];
            double d = (double) y[i] - x[i];
            e += d * d;
        }
        return 10 * Math.log10(s / e);
    }

    /**
     * The amplitude of the component at frequency f in {@code y[from, to)}: least-squares fit of
     * {@code a cos + b sin} (the projection is exact for whole periods and nearly so otherwise).
     */
    static double amplitude(float[] y, int rate, double f, int from, int to) {
        double cc = 0;
        double ss = 0;
        double cs = 0;
        double yc = 0;
        double ys = 0;
        for (int i = from; i < to; i++) {
            double w = 2 * Math.PI * f * i / rate;
            double c = Math.cos(w);
            double s = Math.sin(w);
            cc += c * c;
            ss += s * s;
            cs += c * s;
            yc += y[i] * c;
            ys += y[i] * s;
        }
        double det = cc * ss - cs * cs;
        double a = (yc * ss - ys * cs) / det;
        double b = (ys * cc - yc * cs) / det;
        return Math.hypot(a, b);
    }

    /** Root mean square of {@code y[from, to)}. */
    static double rms(float[] y, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += (double) y[i] * y[i];
        }
        return Math.sqrt(s / (to - from));
    }
}
