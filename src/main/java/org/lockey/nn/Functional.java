package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.PadMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Graph functions built from primitives whose gradients are known to be right in SameDiff
 * 1.0.0-M2.1, where the built-in op is not (or does not exist).
 */
public final class Functional {
    private Functional() {
    }

    /**
     * {@code log_softmax(x, dim) = x - max - log(sum(exp(x - max)))}. SameDiff's own
     * {@code nn().logSoftmax(x, dim)} fails while building its gradient in M2.1 ("Error setting
     * property for function LogSoftMax"). The shift by the (gradient-free in effect) max keeps exp
     * from overflowing; it cancels in the value and in the gradient.
     */
    public static SDVariable logSoftmax(SameDiff sd, SDVariable x, int dim) {
        SDVariable shift = x.max(true, dim);
        SDVariable z = x.sub(shift);
        SDVariable lse = sd.math().log(sd.math().exp(z).sum(true, dim));
        return z.sub(lse);
    }

    /**
     * {@code torch.nn.functional.conv1d(x, weight, bias, stride, padding, groups=groups)}: the input
     * channels are cut into {@code groups} consecutive blocks of {@code Cg = in/groups}, the output
     * channels into blocks of {@code M = out/groups}, and output block j sees only input block j through
     * {@code weight[j*M:(j+1)*M]}.
     *
     * <p>SameDiff's conv1d has no groups argument. A block-diagonal dense weight would be exact but
     * costs {@code groups} times the multiplications (16x for HiFi-GAN's MSD). Splitting into one conv
     * per group and concatenating is exact too, but SameDiff 1.0.0-M2.1 cannot execute such graphs:
     * its subgraph set-up before every execution grows exponentially with stacked fan-out/fan-in
     * blocks (measured on small arrays: five stacked slice -> 16 ops -> concat blocks took 7 s per call,
     * six stacked split -> 16 ops -> concat blocks 2 minutes, while the ops themselves take
     * milliseconds). So this is one straight chain, the im2col form of a convolution with a batched
     * matrix product per group:
     * <pre>
     *   x [B, C, T] -> [B, C, 1, T] -> im2col (kernel 1 x k, stride 1 x s, pad 0 x p)
     *     -> [B, C, 1, k, 1, T'] = [B, g, Cg*k, T']     (row c*k + j holds x_pad[c, t*s + j])
     *     -> W [B, g, M, Cg*k] @  -> [B, g, M, T'] = [B, g*M, T']    (W repeated over the batch)
     * </pre>
     * which is also how libnd4j computes a dense conv (im2col + gemm), so the cost per group matches.
     *
     * @param x       {@code [B, in, T]}
     * @param length  T (static)
     * @param weight  PyTorch layout {@code [out, in/groups, k]}
     * @param bias    {@code [out]} or null
     * @param in      input channels
     * @param out     output channels
     * @param kernel  k
     * @param groups  divides both in and out
     * @param stride  s
     * @param padding p zeros on each side
     * @return {@code [B, out, (T + 2p - k) / s + 1]}
     */
    public static SDVariable groupedConv1d(SameDiff sd, SDVariable x, int length, SDVariable weight, SDVariable bias,
            int in, int out, int kernel, int groups, int stride, int padding) {
        if (groups == 1) {
            Conv1DConfig cfg = Conv1DConfig.builder().k(kernel).s(stride).p(padding).d(1)
                    .dataFormat(Conv1DConfig.NCW).paddingMode(PaddingMode.VALID).build();
            return bias == null ? sd.cnn().conv1d(x, Layouts.conv1d(weight), cfg)
                    : sd.cnn().conv1d(x, Layouts.conv1d(weight), bias, cfg);
        }
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("grouped conv: groups " + groups + " must divide " + in + " and " + out);
        }
        int cg = in / groups;
        int m = out / groups;
        long tOut = (length + 2L * padding - kernel) / stride + 1;
        Conv2DConfig cfg = Conv2DConfig.builder().kH(1).kW(kernel).sH(1).sW(stride).pH(0).pW(padding).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW).build();
        SDVariable cols = sd.cnn().im2Col(sd.expandDims(x, 2), cfg);                        // [B, C, 1, k, 1, T']
        SDVariable p = sd.reshape(cols, -1, groups, (long) cg * kernel, tOut);              // [B, g, Cg*k, T']
        // The weight is repeated over the batch (it is small next to the patches), so that the batched
        // product needs no permuted copy of the patches in either direction.
        SDVariable w = sd.reshape(weight, 1, groups, m, (long) cg * kernel);                // [1, g, M, Cg*k]
        SDVariable reps = sd.concat(0, sd.sizeAt(x, 0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).reshape(1),
                sd.constant(Nd4j.createFromArray(1, 1, 1)));
        SDVariable y = sd.mmul(sd.tile(w, reps), p);                                         // [B, g, M, T']
        y = sd.reshape(y, -1, out, tOut);                                                    // [B, out, T']
        return bias == null ? y : y.add(sd.reshape(bias, 1, -1, 1));
    }

    /**
     * {@code torch.nn.AvgPool1d(kernel, stride, padding)} with its defaults ({@code
     * count_include_pad=True}, {@code ceil_mode=False}) on one channel: the mean of {@code kernel}
     * samples of the zero-padded input, always divided by {@code kernel} (padding counts). Written as
     * a conv1d with a constant {@code 1/kernel} kernel, an op whose forward and gradient are known to
     * be right.
     *
     * @param name unique name of the constant kernel
     * @param x    {@code [B, 1, T]}
     * @return {@code [B, 1, (T + 2 padding - kernel) / stride + 1]}
     */
    public static SDVariable avgPool1d(SameDiff sd, String name, SDVariable x, int kernel, int stride, int padding) {
        SDVariable box = sd.constant(name, Nd4j.valueArrayOf(new long[] {kernel, 1, 1}, 1.0 / kernel)
                .castTo(x.dataType()));                                                     // [k, in 1, out 1]
        Conv1DConfig cfg = Conv1DConfig.builder().k(kernel).s(stride).p(padding).d(1)
                .dataFormat(Conv1DConfig.NCW).paddingMode(PaddingMode.VALID).build();
        return sd.cnn().conv1d(x, box, cfg);
    }

    /**
     * A dilated, stride-1 {@code conv1d} written with one <em>undilated</em> conv1d (the polyphase or
     * space-to-batch form): exactly {@code conv1d(x, kernel, bias, k, stride 1, padding p, dilation d)},
     * for any input length. oneDNN 2.5's helpers in ND4J M2.1 cannot run a dilated conv1d; they can run
     * this one, so {@link Conv1d} uses it for every dilated conv when {@link Conv1d#polyphaseDilation()}.
     *
     * <p>With {@code x_pad} the input zero-padded by p on both sides (length {@code L = T + 2p}),
     * {@code y[t] = sum_j w[j] x_pad[t + j d]}. Writing {@code t = q d + r} (phase r of d):
     * {@code y[q d + r] = sum_j w[j] x_pad[(q + j) d + r]}, an undilated conv of the phase
     * {@code x_pad[r::d]}. So:
     * <pre>
     *   x [B, C, T] -> pad p left, p + e right (e = (-L) mod d, so that M d = L + e) -> [B, C, M d]
     *     -> reshape [B, C, M, d] -> permute [B, d, C, M] -> reshape [B d, C, M]     (phase r = x_pad[r::d])
     *     -> undilated conv1d (k, stride 1, no padding)                   -> [B d, O, M - k + 1]
     *     -> reshape [B, d, O, M-k+1] -> permute [B, O, M-k+1, d] -> reshape [B, O, (M-k+1) d]  (interleave)
     *     -> the first T + 2p - d(k-1) samples (the last e are the padding's)
     * </pre>
     * The lengths are dynamic (computed in the graph from {@code x}'s shape), so one graph serves any
     * T. Every op used has a known-right gradient (finite-difference test: {@code PolyphaseConvTest}).
     * The cost beyond the conv itself is four copies of the activation (pad, phase split, interleave,
     * trim) and about 20 small shape ops.
     *
     * @param x      {@code [B, in, T]}
     * @param kernel SameDiff layout {@code [k, in, out]}
     * @param bias   {@code [out]} or null
     * @param in     input channels
     * @param out    output channels
     * @param k      kernel width
     * @param p      zeros added on each side
     * @param d      dilation, at least 1
     * @return {@code [B, out, T + 2p - d(k-1)]}
     */
    public static SDVariable polyphaseConv1d(SameDiff sd, SDVariable x, SDVariable kernel, SDVariable bias,
            int in, int out, int k, int p, int d) {
        if (d < 1 || k < 1 || p < 0) {
            throw new IllegalArgumentException("polyphase conv1d: need k >= 1, p >= 0, d >= 1; got k" + k + " p" + p
                    + " d" + d);
        }
        SDVariable b1 = sd.reshape(sd.sizeAt(x, 0), 1);                                     // [1]: B
        SDVariable len = sd.sizeAt(x, 2).add(longs(sd, 2L * p));                            // L = T + 2p
        SDVariable m = sd.math().floorDiv(len.add(longs(sd, d - 1L)), longs(sd, d));        // M = ceil(L / d)
        SDVariable e = m.mul(longs(sd, d)).sub(len);                                        // e = M d - L
        SDVariable right = sd.reshape(e.add(longs(sd, p)), 1, 1);
        SDVariable paddings = sd.concat(0, longs(sd, 0, 0, 0, 0).reshape(2, 2),
                sd.concat(1, longs(sd, p).reshape(1, 1), right));                           // [[0,0],[0,0],[p,p+e]]
        SDVariable xp = sd.nn().pad(x, paddings, PadMode.CONSTANT, 0.0);                    // [B, C, M d]
        SDVariable phases = sd.reshape(xp, sd.concat(0, b1, longs(sd, in, -1, d)));         // [B, C, M, d]
        phases = sd.permute(phases, 0, 3, 1, 2);                                            // [B, d, C, M]
        phases = sd.reshape(phases, sd.concat(0, longs(sd, -1, in), sd.reshape(m, 1)));     // [B d, C, M]
        Conv1DConfig cfg = Conv1DConfig.builder().k(k).s(1).p(0).d(1)
                .dataFormat(Conv1DConfig.NCW).paddingMode(PaddingMode.VALID).build();
        SDVariable y = bias == null ? sd.cnn().conv1d(phases, kernel, cfg)
                : sd.cnn().conv1d(phases, kernel, bias, cfg);                              // [B d, O, M-k+1]
        y = sd.reshape(y, sd.concat(0, b1, longs(sd, d, out, -1)));                        // [B, d, O, M-k+1]
        y = sd.permute(y, 0, 2, 3, 1);                                                      // [B, O, M-k+1, d]
        y = sd.reshape(y, sd.concat(0, b1, longs(sd, out, -1)));                           // [B, O, (M-k+1) d]
        SDVariable tOut = sd.reshape(len.sub(longs(sd, (long) d * (k - 1))), 1);           // T + 2p - d(k-1)
        return sd.slice(y, longs(sd, 0, 0, 0), sd.concat(0, b1, longs(sd, out), tOut));   // [B, O, T']
    }

    /** An INT64 constant: a scalar for one value, else a vector. */
    private static SDVariable longs(SameDiff sd, long... v) {
        return sd.constant(v.length == 1 ? Nd4j.scalar(v[0]) : Nd4j.createFromArray(v));
    }
}
