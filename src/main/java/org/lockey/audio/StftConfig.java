package org.lockey.audio;

/**
 * Parameters of a short-time Fourier transform, named and defaulted as in {@code torch.stft}.
 *
 * <p>The analysis window is always a periodic Hann window ({@code torch.hann_window(winLength)}) of
 * {@code winLength} samples, zero-padded on both sides to {@code nFft} with the extra sample (if
 * {@code nFft - winLength} is odd) on the right, as {@code torch.stft} does. The transform is
 * one-sided: {@code nFft / 2 + 1} bins.
 *
 * @param nFft       FFT size and frame length ({@code n_fft}), at least 1
 * @param hop        frame advance in samples ({@code hop_length}), at least 1
 * @param winLength  window length ({@code win_length}), 1..nFft
 * @param center     {@code center}: reflect-pad {@code nFft / 2} samples on each side first, so that
 *                   frame t is centred on sample {@code t * hop}
 * @param normalized {@code normalized}: multiply the forward transform by {@code 1 / sqrt(nFft)}
 *                   (and the inverse by {@code sqrt(nFft)})
 */
public record StftConfig(int nFft, int hop, int winLength, boolean center, boolean normalized) {
    public StftConfig {
        if (nFft < 1) {
            throw new IllegalArgumentException("nFft must be >= 1, got " + nFft);
        }
        if (hop < 1) {
            throw new IllegalArgumentException("hop must be >= 1, got " + hop);
        }
        if (winLength < 1 || winLength > nFft) {
            throw new IllegalArgumentException("winLength must be in 1.." + nFft + ", got " + winLength);
        }
    }

    /** {@code torch.stft} defaults apart from the sizes: window = nFft, centred, not normalised. */
    public static StftConfig of(int nFft, int hop) {
        return new StftConfig(nFft, hop, nFft, true, false);
    }

    /** Number of one-sided frequency bins, {@code nFft / 2 + 1}. */
    public int bins() {
        return nFft / 2 + 1;
    }

    /** Reflect padding on each side when {@link #center()} is set ({@code nFft / 2}), else 0. */
    public int centerPad() {
        return center ? nFft / 2 : 0;
    }

    /**
     * Number of frames for a signal of {@code length} samples, {@code 1 + (padded - nFft) / hop}
     * (integer division, as torch) with {@code padded = length + 2 * centerPad()}: that is
     * {@code 1 + length / hop} when centred with an even nFft ({@code 1 + (length - 1) / hop} for an
     * odd one) and {@code 1 + (length - nFft) / hop} when not centred.
     *
     * @throws IllegalArgumentException when the signal is too short: centred needs
     *         {@code length > nFft / 2} (reflect padding must be shorter than the signal), not
     *         centred needs {@code length >= nFft}
     */
    public int frames(int length) {
        if (center) {
            if (length <= nFft / 2) {
                throw new IllegalArgumentException("signal of " + length + " samples is too short for "
                        + "centred STFT with nFft " + nFft + " (reflect padding " + nFft / 2
                        + " needs more than " + nFft / 2 + " samples)");
            }
            return 1 + (length + 2 * (nFft / 2) - nFft) / hop;
        }
        if (length < nFft) {
            throw new IllegalArgumentException("signal of " + length + " samples is shorter than nFft "
                    + nFft);
        }
        return 1 + (length - nFft) / hop;
    }

    /**
     * The analysis window of length {@code nFft}: periodic Hann of {@code winLength},
     * {@code w[n] = 0.5 - 0.5 cos(2 pi n / winLength)}, placed at offset
     * {@code (nFft - winLength) / 2} (zeros elsewhere).
     */
    public double[] window() {
        double[] w = new double[nFft];
        int left = (nFft - winLength) / 2;
        for (int n = 0; n < winLength; n++) {
            w[left + n] = 0.5 - 0.5 * Math.cos(2.0 * Math.PI * n / winLength);
        }
        return w;
    }
}
