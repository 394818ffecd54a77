package org.lockey.golden;

import static org.lockey.golden.SilentCipherCases.model;

import java.util.LinkedHashMap;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.model.silentcipher.SilentCipher;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Golden component {@code silentcipher.embed}: {@code audio} [1, L], {@code message_symbols}
 * [message_len - 1] -> every step, with the case's model ({@link SilentCipherCases#model}).
 */
final class SilentCipherEmbedComponent implements Component {
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
