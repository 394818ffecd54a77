package org.lockey.model.encodec;

import org.lockey.LockeyException;

/**
 * The convolution normalisations of EnCodec's {@code norm} argument that this port implements
 * ({@code encodec/modules/conv.py: CONV_NORMALIZATIONS}). The 24 kHz and 32 kHz models use weight
 * norm; {@code time_group_norm} (the 48 kHz model), {@code layer_norm} and {@code spectral_norm} are
 * refused with a clear error rather than approximated.
 */
public enum Norm {
    /** {@code "weight_norm"}: keys {@code weight_g}, {@code weight_v}, {@code bias}. */
    WEIGHT_NORM,
    /** {@code "none"}: keys {@code weight}, {@code bias}. */
    NONE;

    /** The value for an upstream {@code norm} / HF {@code norm_type} string. */
    public static Norm fromUpstream(String name) {
        return switch (name) {
            case "weight_norm" -> WEIGHT_NORM;
            case "none" -> NONE;
            default -> throw new LockeyException("norm '" + name + "' is not supported (weight_norm or none)");
        };
    }

    /** The upstream spelling. */
    public String upstreamName() {
        return this == WEIGHT_NORM ? "weight_norm" : "none";
    }
}
