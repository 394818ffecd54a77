package org.lockey.distortion;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Re-aligns a processed signal (a codec's decoded output) to its input: the lag that maximises the
 * cross-correlation {@code r(lag) = sum_n x[n] y[n + lag]} over {@code |lag| <= maxLag}, then
 * {@code out[n] = y[n + lag]} (zero outside y) for the input's length.
 *
 * <p>Why: an MP3 or Vorbis stream starts with an encoder delay and ends with padding; a decoder that
 * honours the stream's gapless information removes both (ffmpeg 5.1 does: the lag measured for
 * LAME and libvorbis round trips is 0), one that does not leaves the audio shifted by hundreds of
 * samples. Measuring the lag makes the codec distortions independent of that. The correlation is
 * computed with one FFT over the first {@value #MAX_SEGMENT} samples (a codec delay is constant, so
 * a prefix is enough and the cost stays bounded for long files).
 */
public final class Alignment {
    /** Samples of the input used to measure the lag. */
    public static final int MAX_SEGMENT = 1 << 18;

    private Alignment() {
    }

    /**
     * The lag in {@code [-maxLag, maxLag]} maximising the cross-correlation of the prefixes of
     * {@code x} (reference) and {@code y}; 0 when x's prefix is silent. Ties take the smallest |lag|.
     */
    public static int bestLag(float[] x, float[] y, int maxLag) {
        int n = Math.min(x.length, MAX_SEGMENT);
        int m = Math.min(y.length, n + maxLag);
        double energy = 0;
        for (int i = 0; i < n; i++) {
            energy += (double) x[i] * x[i];
        }
        if (energy == 0 || m == 0) {
            return 0;
        }
        int size = Integer.highestOneBit(n + m + maxLag) << 1;
        double[] a = new double[2 * size];
        double[] b = new double[2 * size];
        for (int i = 0; i < n; i++) {
            a[2 * i] = x[i];
        }
        for (int i = 0; i < m; i++) {
            b[2 * i] = y[i];
        }
        DoubleFFT_1D fft = new DoubleFFT_1D(size);
        fft.complexForward(a);
        fft.complexForward(b);
        // r = IFFT(conj(A) B): r[lag] = sum_n x[n] y[n + lag] (circular; the zero padding keeps it linear)
        for (int k = 0; k < size; k++) {
            double ar = a[2 * k];
            double ai = -a[2 * k + 1];
            double br = b[2 * k];
            double bi = b[2 * k + 1];
            a[2 * k] = ar * br - ai * bi;
            a[2 * k + 1] = ar * bi + ai * br;
        }
        fft.complexInverse(a, true);
        int best = 0;
        double bestValue = a[0];
        for (int lag = 1; lag <= maxLag; lag++) {
            for (int sign = 1; sign >= -1; sign -= 2) {
                int idx = Math.floorMod(sign * lag, size);
                double v = a[2 * idx];
                if (v > bestValue) {
                    bestValue = v;
                    best = sign * lag;
                }
            }
        }
        return best;
    }

    /** {@code out[n] = y[n + lag]} for {@code n < length}, zero where {@code n + lag} is outside y. */
    public static float[] shift(float[] y, int lag, int length) {
        float[] out = new float[length];
        for (int n = 0; n < length; n++) {
            int k = n + lag;
            if (k >= 0 && k < y.length) {
                out[n] = y[k];
            }
        }
        return out;
    }
}
