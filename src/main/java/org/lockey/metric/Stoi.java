package org.lockey.metric;

import java.util.Arrays;

import org.jtransforms.fft.DoubleFFT_1D;
import org.lockey.LockeyException;
import org.lockey.audio.Resampler;

/**
 * Short-Time Objective Intelligibility, the classic (not extended) measure of C. H. Taal, R. C. Hendriks,
 * R. Heusdens and J. Jensen, "An Algorithm for Intelligibility Prediction of Time-Frequency Weighted Noisy
 * Speech", IEEE TASLP 19(7), 2011, computed step for step as the widely used {@code pystoi} does
 * ({@code pystoi/stoi.py}, {@code pystoi/utils.py}; the stand-in for LOCKEY's Table III listening test on speech).
 * Higher is more intelligible; 1 for identical signals, about 0.4-0.5 for a degraded signal unrelated to the clean one.
 *
 * <ol>
 *   <li>Both signals are resampled to {@value #RATE} Hz as pystoi's {@code resample_oct} does: scipy's
 *       {@code resample_poly} with Octave's {@code resample} filter, a Kaiser-windowed sinc of 60 dB design
 *       rejection, cut-off {@code 1 / (2 max(p, q))} of the upsampled rate, transition a tenth of it, normalised to
 *       unit DC gain ({@link #resampleTo10k}; not the project's {@code audio.Resampler}, whose 90-dB zero-phase design
 *       moves STOI by at most 3.1e-6 on the stored cases, {@code StoiTest}).</li>
 *   <li>Silent frames are removed: frames of {@value #FRAME} samples, hop {@value #FRAME}/2, Hann window
 *       ({@code hanning(258)[1:-1]}, MATLAB's), starting at {@code 0, 128, ...} below {@code length - 256} (pystoi's
 *       exclusive bound drops a last frame that ends exactly at the end); a frame whose clean energy
 *       {@code 20 log10(||w x|| + eps)} is not more than {@value #DYN_RANGE_DB} dB below the loudest clean frame is
 *       kept in both signals, and the kept windowed frames are overlap-added back at hop 128.</li>
 *   <li>STFT of each: the same frames and window, zero-padded to a {@value #NFFT}-point FFT.</li>
 *   <li>{@value #BANDS} one-third-octave bands, centres {@code 150 * 2^(k/3)} Hz; band k sums the FFT bins from the
 *       bin nearest {@code 150 * 2^((2k-1)/6)} up to (not including) the bin nearest {@code 150 * 2^((2k+1)/6)}:
 *       {@code X_k(m) = sqrt(sum |X(bin, m)|^2)} (Eq. 1).</li>
 *   <li>Segments of {@value #SEGMENT} frames ending at every frame m >= 30: per band, the degraded envelope is scaled
 *       to the clean one's norm, {@code alpha = ||x|| / (||y|| + eps)}, and clipped,
 *       {@code y' = min(alpha y, (1 + 10^(-beta/20)) x)} with beta = {@value #BETA_DB} dB (Eq. 3).</li>
 *   <li>The intermediate measure is the correlation of x and y' over the segment (means removed, each divided by
 *       its norm + eps; Eq. 4), and STOI is its mean over bands and segments (Eq. 5).</li>
 * </ol>
 *
 * <p>Where pystoi warns and returns 1e-5 (fewer than 30 STFT frames left after silence removal), this class throws:
 * a number that looks like a score would end up in a table. Computed in double throughout.
 */
public final class Stoi {
    /** The rate STOI works at, Hz. */
    public static final int RATE = 10_000;
    /** Frame length (window support) in samples at 10 kHz. */
    public static final int FRAME = 256;
    /** FFT size. */
    public static final int NFFT = 512;
    /** One-third-octave bands. */
    public static final int BANDS = 15;
    /** Centre frequency of the lowest band, Hz. */
    public static final double MIN_FREQ = 150;
    /** Frames per segment (N in the paper: 384 ms). */
    public static final int SEGMENT = 30;
    /** Lower signal-to-distortion bound of the clipping, dB. */
    public static final double BETA_DB = -15;
    /** Frames this far below the loudest clean frame are silent, dB. */
    public static final double DYN_RANGE_DB = 40;
    /** numpy's {@code finfo(float).eps}, pystoi's EPS. */
    static final double EPS = Math.ulp(1.0);

    private static final int HOP = FRAME / 2;
    private static final double[] WINDOW = hann(FRAME);
    private static final int[][] BAND_BINS = thirdOctaveBands();

    private Stoi() {
    }

    /**
     * STOI of {@code degraded} against {@code clean}, both at {@code sampleRate} and of equal length.
     *
     * @throws LockeyException when the lengths differ, the rate is not positive, or fewer than 30 STFT frames are
     *                         left after silence removal
     */
    public static double of(float[] clean, float[] degraded, int sampleRate) {
        if (clean.length != degraded.length) {
            throw new LockeyException("STOI needs signals of equal length, got " + clean.length + " and "
                    + degraded.length + " samples");
        }
        if (sampleRate <= 0) {
            throw new LockeyException("STOI needs a positive sample rate, got " + sampleRate);
        }
        return at10k(resampleTo10k(toDouble(clean), sampleRate), resampleTo10k(toDouble(degraded), sampleRate),
                clean.length / (double) sampleRate);
    }

    /** Steps 2-6 on signals already at 10 kHz ({@code seconds}: the input's duration, for the error message). */
    static double at10k(double[] x, double[] y, double seconds) {
        double[][] kept = removeSilentFrames(x, y);
        double[][] xt = thirdOctaveEnvelopes(kept[0]); // [frames][BANDS]
        double[][] yt = thirdOctaveEnvelopes(kept[1]);
        int frames = xt.length;
        if (frames < SEGMENT) {
            throw new LockeyException(String.format(java.util.Locale.ROOT, "STOI needs at least %d STFT frames of "
                    + "non-silent speech (about %.2f s), got %d from %.2f s after removing silent frames",
                    SEGMENT, (SEGMENT + 1) * HOP / (double) RATE, frames, seconds));
        }
        double clip = 1 + Math.pow(10, -BETA_DB / 20);
        double sum = 0;
        double[] xs = new double[SEGMENT];
        double[] ys = new double[SEGMENT];
        for (int m = SEGMENT; m <= frames; m++) {
            for (int j = 0; j < BANDS; j++) {
                for (int t = 0; t < SEGMENT; t++) {
                    xs[t] = xt[m - SEGMENT + t][j];
                    ys[t] = yt[m - SEGMENT + t][j];
                }
                double alpha = norm(xs) / (norm(ys) + EPS);
                for (int t = 0; t < SEGMENT; t++) {
                    ys[t] = Math.min(alpha * ys[t], xs[t] * clip);
                }
                sum += correlation(xs, ys);
            }
        }
        return sum / ((double) (frames - SEGMENT + 1) * BANDS);
    }

    /**
     * {@code x} at {@code rate} resampled to 10 kHz as pystoi's {@code resample_oct(x, 10000, rate)}: the rational
     * ratio {@code p / q = 10000 / rate} reduced by the gcd, the filter {@code h = kaiser(2L+1, beta) * 2 p fc
     * sinc(2 fc t)}, {@code t = -L..L}, {@code fc = 1 / (2 max(p, q))}, {@code L = ceil(52 / (28.714 fc / 10))},
     * beta = 0.1102 (60 - 8.7), normalised to sum 1 and scaled by p; then {@code resample_poly}'s filtering and alignment
     * ({@link #polyphase}). For 22050 Hz, p / q = 200 / 441 and the filter has 31,947 taps, of which about 160
     * meet input samples for each output sample.
     */
    static double[] resampleTo10k(double[] x, int rate) {
        if (rate == RATE) {
            return x.clone();
        }
        int g = Resampler.gcd(RATE, rate);
        int p = RATE / g;
        int q = rate / g;
        double fc = 1.0 / (2 * Math.max(p, q));
        double rejectionDb = 60; // Octave's log10_rejection = -3
        int half = (int) Math.ceil((rejectionDb - 8) / (28.714 * (fc / 10)));
        double beta = 0.1102 * (rejectionDb - 8.7);
        double[] h = new double[2 * half + 1];
        double i0Beta = Resampler.besselI0(beta);
        double total = 0;
        for (int k = 0; k < h.length; k++) {
            int t = k - half;
            double r = (k - half) / (double) half; // numpy.kaiser: (n - alpha) / alpha, alpha = (M - 1) / 2
            double kaiser = Resampler.besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
            h[k] = kaiser * 2 * p * fc * sinc(2 * fc * t);
            total += h[k];
        }
        for (int k = 0; k < h.length; k++) {
            h[k] = h[k] / total * p;
        }
        return polyphase(x, h, p, q);
    }

    /**
     * scipy's {@code resample_poly(x, up, down, window=h)} for a filter {@code h} of odd length already scaled by
     * {@code up}: the filter is preceded by {@code pre = down - half mod down} zeros, the upsampled signal (x with
     * up - 1 zeros after each sample, zeros outside) is filtered and every down-th sample kept, starting at
     * {@code (half + pre) / down}; {@code ceil(n up / down)} samples.
     */
    static double[] polyphase(double[] x, double[] h, int up, int down) {
        int half = (h.length - 1) / 2;
        int pre = down - half % down;
        int skip = (half + pre) / down;
        int nOut = (int) (((long) x.length * up + down - 1) / down);
        double[] y = new double[nOut];
        for (int n = 0; n < nOut; n++) {
            long t = (long) (n + skip) * down - pre; // index into h of x[0]; x[i] meets h[t - i up]
            long iHi = Math.min(x.length - 1, Math.floorDiv(t, up));
            long iLo = Math.max(0, Math.floorDiv(t - h.length + 1 + up - 1, up));
            double s = 0;
            for (long i = iLo; i <= iHi; i++) {
                s += h[(int) (t - i * up)] * x[(int) i];
            }
            y[n] = s;
        }
        return y;
    }

    /**
     * Step 2: the frames of {@code x} (clean) and {@code y} whose clean energy lies within 40 dB of the loudest
     * clean frame, windowed and overlap-added back; {@code [x', y']}.
     */
    static double[][] removeSilentFrames(double[] x, double[] y) {
        int count = Math.max(0, (x.length - FRAME + HOP - 1) / HOP); // starts 0, 128, ... < length - 256
        double[] energy = new double[count];
        double max = Double.NEGATIVE_INFINITY;
        for (int f = 0; f < count; f++) {
            double s = 0;
            for (int i = 0; i < FRAME; i++) {
                double v = WINDOW[i] * x[f * HOP + i];
                s += v * v;
            }
            energy[f] = 20 * Math.log10(Math.sqrt(s) + EPS);
            max = Math.max(max, energy[f]);
        }
        int kept = 0;
        for (int f = 0; f < count; f++) {
            if (max - DYN_RANGE_DB - energy[f] < 0) {
                kept++;
            }
        }
        int length = kept == 0 ? 0 : (kept - 1) * HOP + FRAME;
        double[] xs = new double[length];
        double[] ys = new double[length];
        int k = 0;
        for (int f = 0; f < count; f++) {
            if (max - DYN_RANGE_DB - energy[f] < 0) {
                for (int i = 0; i < FRAME; i++) {
                    xs[k * HOP + i] += WINDOW[i] * x[f * HOP + i];
                    ys[k * HOP + i] += WINDOW[i] * y[f * HOP + i];
                }
                k++;
            }
        }
        return new double[][] {xs, ys};
    }

    /** Steps 3-4: the one-third-octave envelopes {@code [frames][BANDS]} of a 10-kHz signal. */
    static double[][] thirdOctaveEnvelopes(double[] x) {
        int frames = Math.max(0, (x.length - FRAME + HOP - 1) / HOP);
        DoubleFFT_1D fft = new DoubleFFT_1D(NFFT);
        double[][] out = new double[frames][BANDS];
        double[] buf = new double[NFFT];
        double[] power = new double[NFFT / 2 + 1];
        for (int f = 0; f < frames; f++) {
            Arrays.fill(buf, 0);
            for (int i = 0; i < FRAME; i++) {
                buf[i] = WINDOW[i] * x[f * HOP + i];
            }
            fft.realForward(buf); // [Re0, Re(N/2), Re1, Im1, ...]
            power[0] = buf[0] * buf[0];
            power[NFFT / 2] = buf[1] * buf[1];
            for (int b = 1; b < NFFT / 2; b++) {
                power[b] = buf[2 * b] * buf[2 * b] + buf[2 * b + 1] * buf[2 * b + 1];
            }
            for (int j = 0; j < BANDS; j++) {
                double s = 0;
                for (int b = BAND_BINS[j][0]; b < BAND_BINS[j][1]; b++) {
                    s += power[b];
                }
                out[f][j] = Math.sqrt(s);
            }
        }
        return out;
    }

    /** {@code [first bin, end bin)} of each band (pystoi's {@code thirdoct}: the bins nearest the band edges). */
    static int[][] thirdOctaveBands() {
        int bins = NFFT / 2 + 1;
        int[][] out = new int[BANDS][];
        for (int k = 0; k < BANDS; k++) {
            double low = MIN_FREQ * Math.pow(2, (2.0 * k - 1) / 6);
            double high = MIN_FREQ * Math.pow(2, (2.0 * k + 1) / 6);
            out[k] = new int[] {nearestBin(low, bins), nearestBin(high, bins)};
        }
        return out;
    }

    /** The first bin of the smallest squared distance to {@code freq} (numpy's argmin keeps the first). */
    private static int nearestBin(double freq, int bins) {
        int best = 0;
        double bestD = Double.POSITIVE_INFINITY;
        for (int b = 0; b < bins; b++) {
            double d = b * ((double) RATE / NFFT) - freq;
            if (d * d < bestD) {
                bestD = d * d;
                best = b;
            }
        }
        return best;
    }

    /** MATLAB's {@code hanning(n)}: {@code 0.5 - 0.5 cos(2 pi (i + 1) / (n + 1))}, no zero end points. */
    private static double[] hann(int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * (i + 1) / (n + 1));
        }
        return w;
    }

    /** The correlation of Eq. 4: both vectors minus their means, each divided by its norm + eps, summed products. */
    private static double correlation(double[] a, double[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            na += (a[i] - ma) * (a[i] - ma);
            nb += (b[i] - mb) * (b[i] - mb);
        }
        na = Math.sqrt(na) + EPS;
        nb = Math.sqrt(nb) + EPS;
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - ma) / na * ((b[i] - mb) / nb);
        }
        return s;
    }

    private static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    private static double sinc(double x) {
        return x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
