package org.lockey.nn;

/**
 * How a convolution's weight is stored in the state dict: as one tensor under {@code weight}, or
 * reparametrised by {@code torch.nn.utils.weight_norm} (dim 0) as {@code weight_g} and
 * {@code weight_v}, combined in the graph by {@link WeightNorm#weight}.
 */
public enum WeightParam {
    /** One tensor, key {@code weight}. */
    PLAIN,
    /** Weight normalisation: keys {@code weight_g} (the norms) and {@code weight_v} (the direction). */
    WEIGHT_NORM;

    /** Whether the weight is weight-normed. */
    public boolean weightNormed() {
        return this == WEIGHT_NORM;
    }
}
