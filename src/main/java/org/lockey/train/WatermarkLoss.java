package org.lockey.train;

import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.nn.Functional;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Paper Eq. 1, the watermark loss for valid keys: the cross-entropy between the frozen message
 * decoder's per-frame logits D_m(G(x, k)) and the key's tiled symbol sequence, averaged over the
 * frames of each example (docs/lockey.md, "Decisions and why").
 *
 * <p>Written as {@code -sum(logSoftmax(logits) * oneHot(symbols))}: SameDiff's
 * sparseSoftmaxCrossEntropy ignores its incoming gradient in M2.1 (docs/architecture.md, "SameDiff traps avoided").
 */
public final class WatermarkLoss {
    private WatermarkLoss() {
    }

    /**
     * D_m's logits {@code [B, C, T]} on audio {@code [B, 1, length]} in graph {@code g}: the watermark model's weights
     * frozen (graph constants), applied to each example separately so that batch-statistics BatchNorm sees one
     * utterance at a time, as upstream's decoder does.
     */
    static SDVariable decoderLogits(SameDiff g, SilentCipher watermark, SDVariable audio, int batch, int length) {
        Scope decoder = Scope.root(g, watermark.weights(), "watermark model", DataType.FLOAT, true, 0);
        decoder.build().reuseVariables();
        int classes = watermark.config().messageDim();
        int frames = watermark.config().frames(length);
        SDVariable audio2d = audio.reshape(batch, length);                                        // [B, L]
        SDVariable[] perExample = new SDVariable[batch];
        for (int i = 0; i < batch; i++) {
            SDVariable one = g.slice(audio2d, new int[] {i, 0}, 1, length);                       // [1, L]
            perExample[i] = watermark.buildDecoderOnAudio(decoder, one, length, SilentCipher.MAGNITUDE_EPS)
                    .reshape(1, classes, frames);                                                 // [1, C, T]
        }
        return batch == 1 ? perExample[0] : g.concat(0, perExample);                              // [B, C, T]
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
