package org.lockey.model.hifigan;

import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * One branch of HiFi-GAN's multi-receptive-field fusion: {@link ResBlock1} or {@link ResBlock2}
 * (upstream chooses with {@code h.resblock}). Both keep shape {@code [B, C, T]}.
 */
public sealed interface ResBlock permits ResBlock1, ResBlock2 {
    /** Adds the block's variables under {@code scope}; [B, C, T] -> [B, C, T]. */
    SDVariable build(Scope scope, SDVariable x);

    /** Samples of context the block reads on each side of an output sample. */
    int halfWidth();
}
