package org.lockey.model.silentcipher;

import java.util.LinkedHashMap;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.golden.Component;
import org.lockey.golden.GoldenCase;
import org.lockey.io.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The golden components {@code silentcipher.embed} and {@code silentcipher.decode} (golden README):
 * the model is configured from the case's {@code config} (upstream hparams) and the message
 * decoder's size from the weights' shapes (when the weights hold a message decoder), then run on the
 * case's inputs.
 */
public final class SilentCipherComponents {
    private SilentCipherComponents() {
    }

    /** {@code silentcipher.embed}: {@code audio} [1, L], {@code message_symbols} [message_len - 1] -> every step. */
    public static final class Embed implements Component {
        @Override
        public String id() {
            return "silentcipher.embed";
        }

        @Override
        public Map<String, INDArray> run(GoldenCase c) {
            SilentCipher model = model(c);
            float[] audio = c.tensor("audio").toFloatArray();
            long[] raw = c.tensor("message_symbols").toLongArray();
            int[] symbols = new int[raw.length];
            for (int i = 0; i < raw.length; i++) {
                symbols[i] = Math.toIntExact(raw[i]);
            }
            SilentCipher.Embedding e = model.embed(audio, symbols);
            SilentCipher.Steps s = e.steps().orElseThrow(() -> new LockeyException(
                    c.name() + ": silent input, upstream returns it unchanged and has no intermediates"));
            int length = audio.length;
            INDArray watermarked = Nd4j.createFromArray(e.watermarked()).reshape(1, length);
            INDArray input = Nd4j.createFromArray(audio).reshape(1, length);
            Map<String, INDArray> out = new LinkedHashMap<>();
            out.put("audio_normalized", s.audioNormalized());
            out.put("carrier", s.carrier());
            out.put("message_onehot", s.messageOnehot());
            out.put("msg_enc", s.msgEnc());
            out.put("dec_c_out", s.decCOut());
            out.put("carrier_reconst", s.carrierReconst());
            out.put("audio_watermarked", watermarked);
            out.put("watermark_delta", watermarked.castTo(DataType.DOUBLE).sub(input.castTo(DataType.DOUBLE)));
            return out;
        }
    }

    /** {@code silentcipher.decode}: {@code audio_watermarked} [1, L] -> {@code decoder_out} [1, 1, message_dim, T]. */
    public static final class Decode implements Component {
        @Override
        public String id() {
            return "silentcipher.decode";
        }

        @Override
        public Map<String, INDArray> run(GoldenCase c) {
            SilentCipher.Decoding d = model(c).decode(c.tensor("audio_watermarked").toFloatArray());
            Map<String, INDArray> out = new LinkedHashMap<>();
            out.put("decoder_out", d.logits());
            out.put("decoder_carrier", d.carrier());
            return out;
        }
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
