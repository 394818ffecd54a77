package org.lockey.model.hifigan;

import java.util.List;

import org.lockey.nn.Bias;
import org.lockey.nn.Conv1d;
import org.lockey.nn.Scope;
import org.lockey.nn.WeightParam;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * HiFi-GAN's residual block of type "1" (upstream {@code models.ResBlock1}, jik876/hifi-gan
 * {@code models.py}): one branch of the multi-receptive-field fusion (paper §2.1, Fig. 1 right, the
 * "MRF" block of V1 and V2).
 *
 * <p>For each dilation d_m (m = 0, 1, 2):
 * {@code x = convs2[m](lrelu(convs1[m](lrelu(x)))) + x}, where {@code convs1[m]} is a weight-normed
 * Conv1d(C, C, k, dilation d_m, padding d_m(k-1)/2) and {@code convs2[m]} the same with dilation 1.
 * Every conv keeps the length, so the block maps {@code [B, C, T]} to {@code [B, C, T]}. Keys:
 * {@code convs1.m.{weight_g [C,1,1], weight_v [C,C,k], bias [C]}} and {@code convs2.m.*}.
 *
 * @param channels   C
 * @param kernelSize k (odd)
 * @param dilations  d_0, d_1, d_2: exactly {@link #DILATIONS_USED} values
 */
public record ResBlock1(int channels, int kernelSize, List<Integer> dilations) implements ResBlock {

    /**
     * Upstream builds exactly three conv pairs from {@code dilation[0]}, {@code [1]}, {@code [2]};
     * a longer dilation list is silently cut there, so the generator passes only the first three.
     */
    public static final int DILATIONS_USED = 3;

    public ResBlock1 {
        dilations = List.copyOf(dilations);
        if (dilations.size() != DILATIONS_USED) {
            throw new IllegalArgumentException("ResBlock1 takes " + DILATIONS_USED + " dilations, got " + dilations);
        }
    }

    /** Adds {@code convs1.*} and {@code convs2.*} under {@code scope}; [B, C, T] -> [B, C, T]. */
    @Override
    public SDVariable build(Scope scope, SDVariable x) {
        var sd = scope.sd();
        for (int m = 0; m < dilations.size(); m++) {
            int d = dilations.get(m);
            // upstream get_padding(k, d) = (k*d - d)/2: "same" length for odd k.
            Conv1d c1 = new Conv1d(channels, channels, kernelSize, 1, d * (kernelSize - 1) / 2, d,
                    Bias.ON, WeightParam.WEIGHT_NORM);
            Conv1d c2 = new Conv1d(channels, channels, kernelSize, 1, (kernelSize - 1) / 2, 1,
                    Bias.ON, WeightParam.WEIGHT_NORM);
            SDVariable xt = sd.nn().leakyRelu(x, Generator.LRELU_SLOPE);          // [B, C, T]
            xt = c1.build(scope.child("convs1").child(m), xt);                    // [B, C, T]
            xt = sd.nn().leakyRelu(xt, Generator.LRELU_SLOPE);
            xt = c2.build(scope.child("convs2").child(m), xt);                    // [B, C, T]
            x = xt.add(x);                                                        // residual
        }
        return x;
    }

    /** Samples of context this block reads on each side of an output sample: sum over m of (d_m + 1)(k-1)/2. */
    @Override
    public int halfWidth() {
        int h = 0;
        for (int d : dilations) {
            h += (d + 1) * (kernelSize - 1) / 2;
        }
        return h;
    }
}
