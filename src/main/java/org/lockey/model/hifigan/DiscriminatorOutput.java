package org.lockey.model.hifigan;

import java.util.List;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * One forward of a sub-discriminator ({@link DiscriminatorP} or {@link DiscriminatorS}) on one input,
 * upstream's {@code (x, fmap)} return value ({@code models.py}).
 *
 * @param score       the flattened output of {@code conv_post}, {@code [B, N]}: D_k(x) in the paper's
 *                    Eq. 1 (LSGAN target 1 for real audio, 0 for generated)
 * @param featureMaps the activations after every layer (each after its leaky ReLU; the last is
 *                    {@code conv_post}'s output before flattening): D_k^i(x) in Eq. 3
 */
public record DiscriminatorOutput(SDVariable score, List<SDVariable> featureMaps) {
    public DiscriminatorOutput {
        featureMaps = List.copyOf(featureMaps);
    }
}
