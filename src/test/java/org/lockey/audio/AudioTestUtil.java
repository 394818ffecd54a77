package org.lockey.audio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;

/** Helpers shared by the audio and nn tests: the golden tolerance rule and seeded signals. */
public final class AudioTestUtil {
    /** The golden files of this worktree. */
    public static final Path GOLDEN = Path.of("golden");

    private AudioTestUtil() {
    }

    /**
     * The golden rule {@code max|port - ref| <= tol * max(1, max|ref|)}; the failure message names
     * the case, the max-abs error, the bound and the RMSE. Returns the max-abs error.
     */
    public static double assertGolden(String what, double[] ref, double[] port, double tol) {
        assertTrue(ref.length == port.length, what + ": length " + port.length + " != reference " + ref.length);
        double maxRef = 0;
        double maxErr = 0;
        double sq = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            double e = Math.abs(port[i] - ref[i]);
            if (!(e <= maxErr)) {
                maxErr = e; // also catches NaN
            }
            sq += e * e;
        }
        double bound = tol * Math.max(1.0, maxRef);
        double rmse = Math.sqrt(sq / Math.max(1, ref.length));
        String msg = String.format("%s: max|port-ref| = %.3e (bound %.3e = %.0e * max(1, %.4g)), rmse %.3e",
                what, maxErr, bound, tol, maxRef, rmse);
        System.out.println("[golden] " + msg);
        assertTrue(maxErr <= bound, msg);
        return maxErr;
    }

    public static double[] flatten(float[][] a) {
        double[] out = new double[a.length * a[0].length];
        int k = 0;
        for (float[] row : a) {
            for (float v : row) {
                out[k++] = v;
            }
        }
        return out;
    }

    public static double[] flatten(double[][] a) {
        double[] out = new double[a.length * a[0].length];
        int k = 0;
        for (double[] row : a) {
            for (double v : row) {
                out[k++] = v;
            }
        }
        return out;
    }

    public static double[] toDouble(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    /** Gaussian noise of standard deviation {@code sigma}, seeded. */
    public static double[] noise(long seed, int n, double sigma) {
        Random r = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = sigma * r.nextGaussian();
        }
        return x;
    }

    public static float[] noiseF(long seed, int n, double sigma) {
        double[] d = noise(seed, n, sigma);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) d[i];
        }
        return x;
    }

    /** max |a - b|. */
    public static double maxAbsDiff(double[] a, double[] b) {
        assertTrue(a.length == b.length, "lengths " + a.length + " != " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double e = Math.abs(a[i] - b[i]);
            if (!(e <= m)) {
                m = e;
            }
        }
        return m;
    }

    /**
     * Writes {@code count} mono 32 kHz clips {@code 00.wav, 01.wav, ...} of {@code seconds}: a note of four
     * harmonics (clip c at 110 * 2^(c/3) Hz) decaying as e^(-2t), plus a little seeded noise.
     */
    public static void writeNotes(Path where, int count, double seconds) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(17);
        for (int c = 0; c < count; c++) {
            int n = (int) (seconds * 32000);
            float[] x = new float[n];
            double f0 = 110 * Math.pow(2, c / 3.0);
            for (int i = 0; i < n; i++) {
                double t = i / 32000.0;
                double v = 0;
                for (int h = 1; h <= 4; h++) {
                    v += Math.sin(2 * Math.PI * f0 * h * t) / h;
                }
                x[i] = (float) (0.3 * Math.exp(-2 * t) * v + 0.01 * (2 * r.nextDouble() - 1));
            }
            Wav.writePcm16(where.resolve(String.format("%02d.wav", c)), Audio.mono(x, 32000));
        }
    }
}
