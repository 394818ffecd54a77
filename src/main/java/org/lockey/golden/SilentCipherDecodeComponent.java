package org.lockey.golden;

import static org.lockey.golden.SilentCipherCases.model;

import java.util.LinkedHashMap;
import java.util.Map;

import org.lockey.model.silentcipher.SilentCipher;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Golden component {@code silentcipher.decode}: {@code audio_watermarked} [1, L] -> {@code decoder_out}
 * [1, 1, message_dim, T], with the case's model ({@link SilentCipherCases#model}).
 */
final class SilentCipherDecodeComponent implements Component {
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
