package org.lockey.audio;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Short-time Fourier transform and its inverse on plain arrays, in double precision, equal to
 * {@code torch.stft(x, n_fft, hop_length, win_length, window=torch.hann_window(win_length),
 * center, pad_mode='reflect', normalized, onesided=True, return_complex=True)} and to
 * {@code torch.istft} with the same arguments (PyTorch 1.13 semantics).
 *
 * <p>Forward, for a signal x of L samples: if centred, reflect-pad {@code nFft / 2} samples on each
 * side; frame t covers padded samples {@code [t * hop, t * hop + nFft)}; it is multiplied by the
 * window w ({@link StftConfig#window()}) and transformed,
 * {@code X[f][t] = sum_n w[n] x[t*hop + n] e^{-2 pi i f n / nFft}}, f = 0..nFft/2, times
 * {@code 1/sqrt(nFft)} if normalised. Output {@code [nFft/2 + 1][frames]} with frames from
 * {@link StftConfig#frames(int)}.
 *
 * <p>Inverse (weighted overlap-add, as {@code torch.istft}): each frame's one-sided spectrum is
 * inverted with a real inverse DFT of size nFft (the imaginary parts of the DC and, for even nFft,
 * Nyquist bins are ignored), multiplied by the window and overlap-added at {@code t * hop}; the sum
 * is divided by the window-sum-square envelope {@code env[i] = sum_t w[i - t*hop]^2}. Of the
 * {@code nFft + hop * (frames - 1)} samples, the first {@code nFft / 2} (centred) are dropped; the
 * result ends {@code nFft / 2} before the end (centred), at the end (not centred), or after
 * {@code length} samples when a length is given (zero-filled beyond the last frame, as torch). Like
 * torch, it fails where the kept envelope is below 1e-11 (the NOLA condition).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Stft {
    /** torch.istft's threshold on the window-sum-square envelope. */
    public static final double NOLA_EPS = 1e-11;

    private final StftConfig config;
    private final double[] window;
    private final DoubleFFT_1D fft;

    public Stft(StftConfig config) {
        this.config = config;
        this.window = config.window();
        this.fft = new DoubleFFT_1D(config.nFft());
    }

    public StftConfig config() {
        return config;
    }

    /** Forward STFT of a float signal (widened to double). */
    public Spectrum forward(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return forward(d);
    }

    /** Forward STFT: {@code [nFft/2 + 1][frames]}. */
    public Spectrum forward(double[] x) {
        int frames = config.frames(x.length);
        int pad = config.centerPad();
        return framesOf(pad > 0 ? reflectPad(x, pad, pad) : x, frames);
    }

    /**
     * The first {@code frames} STFT frames of a signal that is already padded (no centre padding is added):
     * frame {@code t} transforms {@code padded[t * hop, t * hop + nFft)}. {@link #forward(double[])} is this on
     * its centre-padded input; callers that compute a long clip block by block pass each block's samples here
     * and get the same numbers, frame for frame.
     */
    public Spectrum framesOf(double[] padded, int frames) {
        int n = config.nFft();
        int hop = config.hop();
        if (frames < 0 || (frames > 0 && (long) (frames - 1) * hop + n > padded.length)) {
            throw new IllegalArgumentException(frames + " frames need " + ((long) (frames - 1) * hop + n)
                    + " samples, got " + padded.length);
        }
        int bins = config.bins();
        double scale = config.normalized() ? 1.0 / Math.sqrt(n) : 1.0;
        double[][] re = new double[bins][frames];
        double[][] im = new double[bins][frames];
        double[] buf = new double[2 * n];
        for (int t = 0; t < frames; t++) {
            int off = t * hop;
            for (int i = 0; i < n; i++) {
                buf[i] = padded[off + i] * window[i];
            }
            java.util.Arrays.fill(buf, n, 2 * n, 0.0);
            fft.realForwardFull(buf); // interleaved complex, all n bins
            for (int f = 0; f < bins; f++) {
                re[f][t] = buf[2 * f] * scale;
                im[f][t] = buf[2 * f + 1] * scale;
            }
        }
        return new Spectrum(re, im);
    }

    /** Inverse STFT with torch.istft's default length. */
    public double[] inverse(Spectrum s) {
        return inverse(s, defaultLength(s.frames()));
    }

    /**
     * Inverse STFT returning exactly {@code length} samples (torch.istft's {@code length}).
     *
     * @throws IllegalArgumentException when the spectrum has the wrong number of bins or the window
     *         envelope vanishes on a kept sample
     */
    public double[] inverse(Spectrum s, int length) {
        int n = config.nFft();
        int hop = config.hop();
        int bins = config.bins();
        if (s.bins() != bins) {
            throw new IllegalArgumentException("spectrum has " + s.bins() + " bins, nFft " + n
                    + " needs " + bins);
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        int frames = s.frames();
        if (frames < 1) {
            throw new IllegalArgumentException("spectrum has no frames");
        }
        int full = n + hop * (frames - 1);
        double[] y = new double[full];
        double[] env = windowSumSquare(frames);
        double scale = config.normalized() ? Math.sqrt(n) : 1.0;
        double[] buf = new double[2 * n];
        for (int t = 0; t < frames; t++) {
            // Hermitian completion, then a complex inverse DFT; its real part is the C2R inverse
            // (the imaginary parts of bin 0 and bin n/2 only add imaginary output).
            for (int f = 0; f < bins; f++) {
                buf[2 * f] = s.re()[f][t];
                buf[2 * f + 1] = s.im()[f][t];
            }
            for (int f = bins; f < n; f++) {
                buf[2 * f] = s.re()[n - f][t];
                buf[2 * f + 1] = -s.im()[n - f][t];
            }
            fft.complexInverse(buf, true);
            int off = t * hop;
            for (int i = 0; i < n; i++) {
                y[off + i] += buf[2 * i] * scale * window[i];
            }
        }
        int start = config.centerPad();
        double[] out = new double[length];
        int end = Math.min(start + length, full);
        for (int i = start; i < end; i++) {
            if (Math.abs(env[i]) < NOLA_EPS) {
                throw new IllegalArgumentException("window overlap-add envelope is " + env[i]
                        + " at sample " + i + " (nFft " + n + ", hop " + hop + ", winLength "
                        + config.winLength() + "): the inverse is not defined there");
            }
            out[i - start] = y[i] / env[i];
        }
        return out;
    }

    /** The length torch.istft returns without a {@code length} argument. */
    public int defaultLength(int frames) {
        int full = config.nFft() + config.hop() * (frames - 1);
        return full - 2 * config.centerPad();
    }

    /**
     * The window-sum-square envelope over the full overlap-add length
     * {@code nFft + hop * (frames - 1)}: {@code env[i] = sum_t w[i - t * hop]^2}.
     */
    public double[] windowSumSquare(int frames) {
        int n = config.nFft();
        int hop = config.hop();
        double[] env = new double[n + hop * (frames - 1)];
        for (int t = 0; t < frames; t++) {
            for (int i = 0; i < n; i++) {
                env[t * hop + i] += window[i] * window[i];
            }
        }
        return env;
    }

    /** The analysis window (a copy), length nFft. */
    public double[] window() {
        return window.clone();
    }

    /**
     * Reflect padding as {@code torch.nn.functional.pad(mode='reflect')}: the edge sample is not
     * repeated ({@code [x2, x1 | x0, x1, x2, ... ]}); each side must be shorter than the signal.
     */
    public static double[] reflectPad(double[] x, int left, int right) {
        int len = x.length;
        if (left < 0 || right < 0 || left >= len || right >= len) {
            throw new IllegalArgumentException("reflect padding (" + left + ", " + right
                    + ") needs a signal longer than each side, got " + len + " samples");
        }
        double[] out = new double[left + len + right];
        for (int i = 0; i < left; i++) {
            out[i] = x[left - i];
        }
        System.arraycopy(x, 0, out, left, len);
        for (int j = 0; j < right; j++) {
            out[left + len + j] = x[len - 2 - j];
        }
        return out;
    }

    /**
     * The index into a signal of {@code length} samples that position {@code j} of its reflect padding by
     * {@code pad} on each side reads ({@link #reflectPad}'s rule, without building the padded copy).
     */
    public static int reflectIndex(int j, int length, int pad) {
        int i = j - pad;
        if (i < 0) {
            return -i;
        }
        return i < length ? i : 2 * (length - 1) - i;
    }
}
