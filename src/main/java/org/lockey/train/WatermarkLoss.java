package org.lockey.train;

import org.lockey.nn.Functional;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Paper Eq. 1, the watermark loss for valid keys: the cross-entropy between the frozen message
 * decoder's per-frame logits D_m(G(x, k)) and the key's tiled symbol sequence, averaged over the
 * frames of each example (decisions.md: "CE is the mean over STFT frames of the 5-class
 * cross-entropy").
 *
 * <p>Written as {@code -sum(logSoftmax(logits) * oneHot(symbols))}: SameDiff's
 * sparseSoftmaxCrossEntropy ignores its incoming gradient in M2.1 (samediff-notes).
 */
public final class WatermarkLoss {
    private WatermarkLoss() {
    }

    /**
     * Per-example loss {@code [B]}.
     *
     * @param logits  {@code [B, C, T]} message-decoder logits (C classes, T frames)
     * @param symbols {@code [B, T]} integer targets in [0, C)
     * @param classes C
     */
    public static SDVariable perExample(SameDiff sd, SDVariable logits, SDVariable symbols, int classes) {
        SDVariable logp = Functional.logSoftmax(sd, logits, 1);                                   // [B, C, T]
        SDVariable target = sd.oneHot(symbols, classes, -1, 1.0, 0.0, logits.dataType())
                .permute(0, 2, 1);                                                          // [B, C, T]
        SDVariable perFrame = logp.mul(target).sum(1).neg();                               // [B, T]
        return perFrame.mean(1);                                                           // [B]
    }
}
