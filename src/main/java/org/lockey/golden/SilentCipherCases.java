package org.lockey.golden;

import java.util.Map;

import org.lockey.io.Tensor;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;

/**
 * What the golden components {@code silentcipher.embed} ({@link SilentCipherEmbedComponent}) and
 * {@code silentcipher.decode} ({@link SilentCipherDecodeComponent}) share (golden README): the model is
 * configured from the case's {@code config} (upstream hparams) and the message decoder's size from the
 * weights' shapes (when the weights hold a message decoder), then run on the case's inputs.
 */
final class SilentCipherCases {
    private SilentCipherCases() {
    }

    /**
     * The case's model: the config from its hparams; the message decoder, sized from the weights, only
     * when the weights hold one ({@link SilentCipher.Networks#in}), so an embed case whose weights
     * file has only {@code enc_c.*} and {@code dec_c.*} runs as upstream {@code encode_wav} does.
     */
    static SilentCipher model(GoldenCase c) {
        Map<String, Tensor> weights = c.weightTensors();
        SilentCipherConfig config = SilentCipherConfig.fromJson(c.config());
        if (SilentCipher.Networks.in(weights) == SilentCipher.Networks.EMBEDDING_AND_MESSAGE_DECODER) {
            config = config.withMsgDecoderFrom(weights);
        }
        String weightsFile = c.meta("weights", "");
        return SilentCipher.load(config, weights, weightsFile.isEmpty() ? c.name()
                : c.path().resolveSibling(weightsFile).toString());
    }
}
