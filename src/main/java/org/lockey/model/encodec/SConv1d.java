package org.lockey.model.encodec;

import org.lockey.nn.Bias;
import org.lockey.nn.Conv1d;
import org.lockey.nn.Pad;
import org.lockey.nn.Scope;
import org.lockey.nn.WeightParam;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * EnCodec's streamable convolution {@code SConv1d} ({@code encodec/modules/conv.py}; audiocraft
 * {@code StreamableConv1d}): pads the input itself, asymmetrically, so that the output has
 * {@code ceil(T / stride)} samples and (for stride 1) keeps the length, then runs a plain
 * {@code Conv1d} without padding. Keys under {@code conv.conv}: {@code weight_g} [out, 1, 1],
 * {@code weight_v} [out, in, k], {@code bias} [out] (or {@code weight} without weight norm).
 *
 * <p>Padding arithmetic (k kernel, s stride, d dilation, T input length):
 * <pre>
 *   total = (k - 1) d - (s - 1)                      // what a "same" conv would need
 *   extra = ideal - T, ideal = (ceil((T - k + total) / s) - 1) s + (k - total)
 *                                                    // right zeros so the last window is full
 *   non-causal: right = total / 2 (floor), left = total - right, then right += extra
 *   causal:     left = total, right = extra
 *
 *   k = 8, s = 4 (total 4: left 2, right 2), T = 10 -> extra 2:
 *     p p x x x x x x x x x x p p e e
 *     [ window 0    ]
 *             [ window 1    ]
 *                     [ window 2    ]       3 = ceil(10 / 4) outputs; without e the last
 *                                           window would be cut and a sample lost
 * </pre>
 * {@code extra} uses the undilated {@code k}, as facebookresearch/encodec does; audiocraft and HF use
 * the dilated kernel there. Both agree whenever {@code s == 1} or {@code d == 1}, which holds for every
 * SEANet layer (only the stride-1 residual convolutions are dilated).
 *
 * @param inChannels  input channels
 * @param outChannels output channels
 * @param kernelSize  k
 * @param stride      s
 * @param dilation    d
 * @param causal      all fixed padding on the left
 * @param norm        weight norm or none
 * @param padMode     zeros or reflection for the fixed and extra padding
 */
public record SConv1d(int inChannels, int outChannels, int kernelSize, int stride, int dilation, boolean causal,
        Norm norm, Pad.Mode padMode) implements SeanetLayer {

    public SConv1d {
        // Validated by nn.Conv1d's constructor as well; here for a message naming this layer.
        if (inChannels < 1 || outChannels < 1 || kernelSize < 1 || stride < 1 || dilation < 1) {
            throw new IllegalArgumentException("invalid SConv1d " + inChannels + "->" + outChannels + " k" + kernelSize
                    + " s" + stride + " d" + dilation);
        }
    }

    /** Fixed padding: (k - 1) d - (s - 1). */
    public int paddingTotal() {
        return (kernelSize - 1) * dilation - (stride - 1);
    }

    /** Right zeros that make the last window complete ({@code get_extra_padding_for_conv1d}). */
    public long extraPadding(long length) {
        long total = paddingTotal();
        // n_frames = (T - k + total) / s + 1, rounded up; ceil of an exact fraction in integers.
        long nFrames = -Math.floorDiv(-(length - kernelSize + total), (long) stride) + 1;
        long ideal = (nFrames - 1) * stride + (kernelSize - total);
        return ideal - length;
    }

    /** {left, right} padding for an input of length T (right includes the extra padding). */
    public long[] padding(long length) {
        long total = paddingTotal();
        long extra = extraPadding(length);
        if (causal) {
            return new long[] {total, extra};
        }
        long right = total / 2;
        return new long[] {total - right, right + extra};
    }

    @Override
    public long outputLength(long length) {
        long[] p = padding(length);
        long padded = p[0] + length + p[1];
        return (padded - ((long) (kernelSize - 1) * dilation + 1)) / stride + 1;
    }

    /** The underlying unpadded convolution. */
    public Conv1d conv() {
        Conv1d c = new Conv1d(inChannels, outChannels, kernelSize, stride, 0, dilation, Bias.ON, WeightParam.PLAIN);
        return norm == Norm.WEIGHT_NORM ? c.withWeightNorm() : c;
    }

    /** x [B, in, T] -> [B, out, ceil(T / s)] (T for s = 1). */
    @Override
    public SDVariable build(Scope scope, SDVariable x, long length) {
        long[] p = padding(length);
        SDVariable padded = Pad.pad1d(x, length, Math.toIntExact(p[0]), Math.toIntExact(p[1]), padMode); // [B, in, T + pads]
        return conv().build(scope.child("conv").child("conv"), padded);                              // [B, out, T']
    }

    @Override
    public double reach() {
        return (double) (kernelSize - 1) * dilation + stride;
    }

    @Override
    public double rate() {
        return 1.0 / stride;
    }
}
