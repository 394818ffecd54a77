package org.lockey.model.encodec;

import org.lockey.nn.Bias;
import org.lockey.nn.ConvTranspose1d;
import org.lockey.nn.Scope;
import org.lockey.nn.WeightParam;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * EnCodec's streamable transposed convolution {@code SConvTranspose1d}
 * ({@code encodec/modules/conv.py}; audiocraft {@code StreamableConvTranspose1d}): a plain
 * {@code ConvTranspose1d} (no padding) whose {@code (T - 1) s + k} output samples are trimmed by
 * {@code total = k - s}, leaving exactly {@code T s}. Keys under {@code convtr.convtr}:
 * {@code weight_g} [in, 1, 1] (weight norm over dim 0, the <em>input</em> channels of a transposed
 * weight), {@code weight_v} [in, out, k], {@code bias} [out].
 *
 * <p>Trim (k = 10, s = 5: total 5):
 * <pre>
 *   non-causal: right = total / 2 = 2 (floor), left = total - right = 3
 *   causal:     right = ceil(total * trim_right_ratio), left = total - right
 *   full output  L L L y y y ... y y R R      ((T - 1) 5 + 10 samples)
 *   kept               y y y ... y y          (5 T samples)
 * </pre>
 *
 * @param inChannels     input channels
 * @param outChannels    output channels
 * @param kernelSize     k (SEANet uses 2 s)
 * @param stride         s
 * @param causal         trim on the right by {@code trimRightRatio}
 * @param trimRightRatio share of the trim taken on the right when causal (upstream requires 1.0 otherwise)
 * @param norm           weight norm or none
 */
public record SConvTranspose1d(int inChannels, int outChannels, int kernelSize, int stride, boolean causal,
        double trimRightRatio, Norm norm) implements SeanetLayer {

    public SConvTranspose1d {
        if (kernelSize < stride) {
            throw new IllegalArgumentException("SConvTranspose1d kernel " + kernelSize + " < stride " + stride);
        }
        if (!(trimRightRatio >= 0 && trimRightRatio <= 1) || (!causal && trimRightRatio != 1.0)) {
            // Upstream asserts the same: the ratio only makes sense for causal convolutions.
            throw new IllegalArgumentException("trim_right_ratio " + trimRightRatio + " needs causal and [0, 1]");
        }
    }

    /** {left, right} samples trimmed from the full transposed-conv output. */
    public int[] trim() {
        int total = kernelSize - stride;
        int right = causal ? (int) Math.ceil(total * trimRightRatio) : total / 2;
        return new int[] {total - right, right};
    }

    /** The underlying untrimmed transposed convolution. */
    public ConvTranspose1d convTranspose() {
        return new ConvTranspose1d(inChannels, outChannels, kernelSize, stride, 0, Bias.ON,
                norm == Norm.WEIGHT_NORM ? WeightParam.WEIGHT_NORM : WeightParam.PLAIN);
    }

    @Override
    public long outputLength(long length) {
        return length * stride;
    }

    /** x [B, in, T] -> [B, out, T s]. */
    @Override
    public SDVariable build(Scope scope, SDVariable x, long length) {
        SDVariable full = convTranspose().build(scope.child("convtr").child("convtr"), x); // [B, out, (T-1)s + k]
        int[] t = trim();
        long fullLength = convTranspose().outputLength(length);
        return full.get(SDIndex.all(), SDIndex.all(), SDIndex.interval((long) t[0], fullLength - t[1])); // [B, out, T s]
    }

    @Override
    public double reach() {
        // Output q reads the inputs j with 0 <= q + left - j s < k: at most ceil(k / s) + 1 of them.
        return Math.ceil((double) kernelSize / stride) + 1;
    }

    @Override
    public double rate() {
        return stride;
    }
}
