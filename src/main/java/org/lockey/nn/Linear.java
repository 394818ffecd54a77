package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * {@code torch.nn.Linear}: {@code y = x W^T + b} on the last axis of a 2-D input.
 *
 * <p>Keys: {@code weight} [out, in] (PyTorch layout), {@code bias} [out]. Input {@code [B, in]},
 * output {@code [B, out]}.
 *
 * @param inFeatures  input features
 * @param outFeatures output features
 * @param bias        whether there is a bias
 */
public record Linear(int inFeatures, int outFeatures, boolean bias) {
    public Linear {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("invalid Linear " + inFeatures + "->" + outFeatures);
        }
    }

    /** With a bias. */
    public static Linear of(int in, int out) {
        return new Linear(in, out, true);
    }

    /** Adds the parameters under {@code scope} and returns {@code x W^T + b}: [B, in] -> [B, out]. */
    public SDVariable build(Scope scope, SDVariable x) {
        Init init = Init.torchDefault(inFeatures);
        SDVariable w = scope.param("weight", init, outFeatures, inFeatures);
        SDVariable y = x.mmul(Layouts.linear(w));                    // [B, out]
        return bias ? y.add(scope.param("bias", init, outFeatures)) : y;
    }
}
