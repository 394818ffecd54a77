package org.lockey.model.hifigan;

import java.util.List;

import org.lockey.nn.Bias;
import org.lockey.nn.Conv1d;
import org.lockey.nn.Scope;
import org.lockey.nn.WeightParam;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * HiFi-GAN's residual block of type "2" (upstream {@code models.ResBlock2}, jik876/hifi-gan
 * {@code models.py}): the lighter MRF branch of V3 (paper Appendix A).
 *
 * <p>For each dilation d_m (m = 0, 1): {@code x = convs[m](lrelu(x)) + x}, {@code convs[m]} a
 * weight-normed Conv1d(C, C, k, dilation d_m, padding d_m(k-1)/2). {@code [B, C, T]} to
 * {@code [B, C, T]}. Keys: {@code convs.m.{weight_g [C,1,1], weight_v [C,C,k], bias [C]}}.
 *
 * @param channels   C
 * @param kernelSize k (odd)
 * @param dilations  d_0, d_1: exactly {@link #DILATIONS_USED} values
 */
public record ResBlock2(int channels, int kernelSize, List<Integer> dilations) implements ResBlock {

    /**
     * Upstream builds exactly two convs from {@code dilation[0]} and {@code [1]}; a longer dilation
     * list is silently cut there, so the generator passes only the first two.
     */
    public static final int DILATIONS_USED = 2;

    public ResBlock2 {
        dilations = List.copyOf(dilations);
        if (dilations.size() != DILATIONS_USED) {
            throw new IllegalArgumentException("ResBlock2 takes " + DILATIONS_USED + " dilations, got " + dilations);
        }
    }

    /** Adds {@code convs.*} under {@code scope}; [B, C, T] -> [B, C, T]. */
    @Override
    public SDVariable build(Scope scope, SDVariable x) {
        var sd = scope.sd();
        for (int m = 0; m < dilations.size(); m++) {
            int d = dilations.get(m);
            Conv1d c = new Conv1d(channels, channels, kernelSize, 1, d * (kernelSize - 1) / 2, d,
                    Bias.ON, WeightParam.WEIGHT_NORM);
            SDVariable xt = sd.nn().leakyRelu(x, Generator.LRELU_SLOPE);          // [B, C, T]
            xt = c.build(scope.child("convs").child(m), xt);                      // [B, C, T]
            x = xt.add(x);                                                        // residual
        }
        return x;
    }

    /** Samples of context this block reads on each side of an output sample: sum over m of d_m(k-1)/2. */
    @Override
    public int halfWidth() {
        int h = 0;
        for (int d : dilations) {
            h += d * (kernelSize - 1) / 2;
        }
        return h;
    }
}
