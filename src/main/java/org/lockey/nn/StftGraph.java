package org.lockey.nn;

import org.lockey.audio.Stft;
import org.lockey.audio.StftConfig;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.enums.PadMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Differentiable STFT and inverse STFT as SameDiff graph pieces, equal to {@link Stft} (and so to
 * {@code torch.stft} / {@code torch.istft}) for the same {@link StftConfig}.
 *
 * <p><b>Forward</b> ({@link #stft}): audio {@code [B, L]} -> (if centred) reflect padding of
 * {@code nFft / 2} per side built from slice + reverse + concat (SameDiff's own REFLECT pad has a
 * wrong gradient) -> {@code [B, 1, Lp]} -> {@code conv1d} with a constant windowed DFT basis
 * {@code [nFft, 1, 2F]} (stride hop, no padding): output channel f &lt; F is
 * {@code w[n] cos(2 pi f n / nFft)}, channel F + f is {@code -w[n] sin(2 pi f n / nFft)} (times
 * {@code 1/sqrt(nFft)} if normalised) -> real and imaginary parts {@code [B, F, T]}, F = nFft/2 + 1.
 * {@link #magnitude} gives {@code sqrt(re^2 + im^2 + eps)} with the caller's eps.
 *
 * <p><b>Inverse</b> ({@link #istft}): {@code re, im [B, F, T]} -> {@code [B, 2F, 1, T]} ->
 * {@code deconv2d} (transposed convolution = overlap-add, stride hop) with the constant windowed
 * inverse real-DFT basis, PyTorch ConvTranspose1d layout {@code [2F, 1, nFft]} stored as SameDiff's
 * {@code [1, nFft, 1, 2F]}: channel f is {@code c_f cos(2 pi f n / nFft) w[n] / nFft}, channel F + f
 * is {@code -c_f sin(2 pi f n / nFft) w[n] / nFft}, {@code c_f = 1} for the DC and Nyquist bins and 2
 * otherwise -> {@code [B, nFft + hop (T - 1)]} -> trim ({@code nFft / 2} at the start when centred)
 * to the requested length (zero-filled past the last frame, as torch) -> times the constant
 * reciprocal of the window-sum-square envelope. Linear in {@code (re, im)}, so gradients flow to a
 * modified magnitude (SilentCipher's {@code C' e^{i phase}} path).
 *
 * <p>Signal length and frame count are static: they are given when the graph is built. The batch
 * size may be unknown ({@code -1}). Every constant is named {@code <prefix>.<name>}, so several
 * transforms can live in one graph under different prefixes; the outputs are named
 * {@code <prefix>.re}, {@code <prefix>.im}, {@code <prefix>.magnitude}, {@code <prefix>.istft}.
 * The graph's data type is the input's.
 *
 * <p>Slicing uses {@code sd.slice} (begin + size, size -1 = to the end), not {@code SDVariable.get}
 * with {@code SDIndex}: in ND4J 1.0.0-M2.1 the latter's {@code strided_slice_bp} fails on a rank-2
 * input whose first dimension is 1 (batch 1: "NDArray::assign: lengths of arrays are mismatched"), and
 * in one larger batch-1 graph it returned a wrong gradient without an error.
 */
public final class StftGraph {
    private final StftConfig config;
    private final Stft plain;

    public StftGraph(StftConfig config) {
        this.config = config;
        this.plain = new Stft(config);
    }

    public StftConfig config() {
        return config;
    }

    /**
     * The graph nodes of a spectrum.
     *
     * @param re     real parts {@code [B, F, T]}
     * @param im     imaginary parts {@code [B, F, T]}
     * @param frames T
     */
    public record Spec(SDVariable re, SDVariable im, int frames) {
    }

    /**
     * Forward STFT of {@code x [B, length]}.
     *
     * @param prefix unique name prefix of this transform's constants and outputs
     */
    public Spec stft(SameDiff sd, String prefix, SDVariable x, int length) {
        checkLastDim(x, length, "stft input");
        int frames = config.frames(length);
        int pad = config.centerPad();
        DataType dt = x.dataType();
        SDVariable padded = pad > 0 ? reflectPad(x, length, pad, pad) : x;                 // [B, Lp]
        SDVariable in = sd.expandDims(padded, 1);                                           // [B, 1, Lp]
        SDVariable basis = sd.constant(prefix + ".stft_basis", forwardBasis(dt));           // [nFft, 1, 2F]
        SDVariable out = sd.cnn().conv1d(in, basis, Conv1DConfig.builder()
                .k(config.nFft()).s(config.hop()).p(0).d(1)
                .paddingMode(PaddingMode.VALID).dataFormat(Conv1DConfig.NCW).build());     // [B, 2F, T]
        int bins = config.bins();
        SDVariable re = sd.slice(out, new int[] {0, 0, 0}, -1, bins, -1);                  // [B, F, T]
        SDVariable im = sd.slice(out, new int[] {0, bins, 0}, -1, bins, -1);               // [B, F, T]
        return new Spec(sd.identity(prefix + ".re", re), sd.identity(prefix + ".im", im), frames);
    }

    /** {@code sqrt(re^2 + im^2 + eps)}, {@code [B, F, T]} (HiFi-GAN: eps = 1e-9). */
    public SDVariable magnitude(SameDiff sd, String prefix, Spec spec, double eps) {
        SDVariable power = sd.math().square(spec.re()).add(sd.math().square(spec.im())).add(eps);
        return sd.math().sqrt(prefix + ".magnitude", power);
    }

    /** Inverse STFT with torch.istft's default length ({@link Stft#defaultLength}). */
    public SDVariable istft(SameDiff sd, String prefix, SDVariable re, SDVariable im, int frames) {
        return istft(sd, prefix, re, im, frames, plain.defaultLength(frames));
    }

    /**
     * Inverse STFT of {@code re, im [B, F, frames]} to {@code [B, length]}.
     *
     * @throws IllegalArgumentException if the window-sum-square envelope vanishes on a kept sample
     *         (as torch.istft)
     */
    public SDVariable istft(SameDiff sd, String prefix, SDVariable re, SDVariable im, int frames, int length) {
        if (frames < 1 || length < 1) {
            throw new IllegalArgumentException("istft needs frames >= 1 and length >= 1, got " + frames
                    + " and " + length);
        }
        checkLastDim(re, frames, "istft real part");
        checkLastDim(im, frames, "istft imaginary part");
        int n = config.nFft();
        int hop = config.hop();
        int full = n + hop * (frames - 1);
        int start = config.centerPad();
        int kept = Math.max(0, Math.min(length, full - start));
        double[] env = plain.windowSumSquare(frames);
        double[] invEnv = new double[length];
        for (int i = 0; i < kept; i++) {
            double e = env[start + i];
            if (Math.abs(e) < Stft.NOLA_EPS) {
                throw new IllegalArgumentException("window overlap-add envelope is " + e + " at sample "
                        + (start + i) + " (nFft " + n + ", hop " + hop + "): the inverse is not defined there");
            }
            invEnv[i] = 1.0 / e;
        }
        DataType dt = re.dataType();
        SDVariable spec = sd.expandDims(sd.concat(1, re, im), 2);                           // [B, 2F, 1, T]
        SDVariable basis = sd.constant(prefix + ".istft_basis", inverseBasis(dt));          // [1, nFft, 1, 2F]
        SDVariable ola = sd.cnn().deconv2d(spec, basis, DeConv2DConfig.builder()
                .kH(1).kW(n).sH(1).sW(hop).pH(0).pW(0).dH(1).dW(1)
                .isSameMode(false).dataFormat(DeConv2DConfig.NCHW).build());                // [B, 1, 1, full]
        SDVariable y = sd.reshape(ola, -1, full);                                           // [B, full]
        y = sd.slice(y, new int[] {0, start}, -1, kept);                                    // [B, kept]
        if (kept < length) {
            // torch.istft zero-fills a requested length beyond the last frame
            SDVariable fill = sd.constant(prefix + ".istft_fill", Nd4j.createFromArray(
                    new int[][] {{0, 0}, {0, length - kept}}));
            y = sd.nn().pad(y, fill, PadMode.CONSTANT, 0.0);                                // [B, length]
        }
        SDVariable scale = sd.constant(prefix + ".istft_inv_envelope",
                Nd4j.createFromArray(invEnv).castTo(dt));                                  // [length]
        return y.mul(prefix + ".istft", scale);
    }

    /**
     * Reflect padding of {@code x [B, length]} along the last axis, as
     * {@code torch.nn.functional.pad(mode='reflect')}: {@code [x[left] .. x[1], x, x[L-2] .. x[L-1-right]]}.
     * Built from slices, reverse and concat so that mirrored samples receive their gradient.
     */
    public static SDVariable reflectPad(SDVariable x, int length, int left, int right) {
        if (left < 0 || right < 0 || left >= length || right >= length) {
            throw new IllegalArgumentException("reflect padding (" + left + ", " + right
                    + ") needs a signal longer than each side, got " + length + " samples");
        }
        SameDiff sd = x.getSameDiff();
        SDVariable[] parts = new SDVariable[3];
        int k = 0;
        if (left > 0) {
            parts[k++] = sd.reverse(sd.slice(x, new int[] {0, 1}, -1, left), 1);
        }
        parts[k++] = x;
        if (right > 0) {
            parts[k++] = sd.reverse(sd.slice(x, new int[] {0, length - 1 - right}, -1, right), 1);
        }
        return k == 1 ? x : sd.concat(1, java.util.Arrays.copyOf(parts, k));
    }

    /** Where the shape is known at build time (placeholders, variables, constants), check the last axis. */
    private static void checkLastDim(SDVariable v, int expected, String what) {
        if (v.getVariableType() == VariableType.ARRAY) {
            return;
        }
        long[] shape = v.getShape();
        if (shape != null && shape.length > 0 && shape[shape.length - 1] >= 0
                && shape[shape.length - 1] != expected) {
            throw new IllegalArgumentException(what + " '" + v.name() + "' has last dimension "
                    + shape[shape.length - 1] + ", expected " + expected);
        }
    }

    /** Forward basis {@code [nFft, 1, 2F]} (conv1d weights [k, in, out]). */
    INDArray forwardBasis(DataType dt) {
        int n = config.nFft();
        int bins = config.bins();
        double[] w = config.window();
        double scale = config.normalized() ? 1.0 / Math.sqrt(n) : 1.0;
        double[][][] b = new double[n][1][2 * bins];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < bins; f++) {
                double a = 2 * Math.PI * ((long) f * i % n) / n;
                b[i][0][f] = w[i] * Math.cos(a) * scale;
                b[i][0][bins + f] = -w[i] * Math.sin(a) * scale;
            }
        }
        return Nd4j.createFromArray(b).castTo(dt);
    }

    /** Inverse basis {@code [1, nFft, 1, 2F]} (deconv2d weights [kH, kW, out, in]). */
    INDArray inverseBasis(DataType dt) {
        int n = config.nFft();
        int bins = config.bins();
        double[] w = config.window();
        double scale = config.normalized() ? Math.sqrt(n) : 1.0;
        double[][][][] b = new double[1][n][1][2 * bins];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < bins; f++) {
                boolean single = f == 0 || (n % 2 == 0 && f == n / 2);
                double c = (single ? 1.0 : 2.0) / n * w[i] * scale;
                double a = 2 * Math.PI * ((long) f * i % n) / n;
                b[0][i][0][f] = c * Math.cos(a);
                b[0][i][0][bins + f] = -c * Math.sin(a);
            }
        }
        return Nd4j.createFromArray(b).castTo(dt);
    }
}
