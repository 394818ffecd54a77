package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Graph functions built from primitives whose gradients are known to be right in SameDiff
 * 1.0.0-M2.1, where the built-in op is not.
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
}
