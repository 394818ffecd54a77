package org.lockey.golden;

import java.util.Map;

import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyEmbedding;
import org.lockey.model.lockey.KeyEncoder;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Golden component {@code lockey.key_encoder}: {@code key_bits} [B, K] -> {@code embedded} [B, d, K],
 * {@code key_vector} [B, C].
 */
final class LockeyKeyEncoderComponent implements Component {
    @Override
    public String id() {
        return "lockey.key_encoder";
    }

    @Override
    public Map<String, INDArray> run(GoldenCase c) {
        KeyConfig cfg = KeyConfig.fromJson(c.config());
        SameDiff sd = SameDiff.create();
        Scope root = Scope.loaded(sd, c.weightTensors(), c.weights().path().toString());
        SDVariable bits = sd.placeHolder("key_bits", DataType.INT64, -1, cfg.keyBits());
        SDVariable embedded = new KeyEmbedding(cfg).build(root.child("key_embedding"), bits);
        SDVariable vector = new KeyEncoder(cfg).build(root.child("key_encoder"), embedded);
        root.build().checkLoaded("key_embedding.", "key_encoder.");
        Map<String, INDArray> out = sd.output(Map.of("key_bits", c.tensor("key_bits").toNd(DataType.INT64)),
                embedded.name(), vector.name());
        return Map.of("embedded", out.get(embedded.name()), "key_vector", out.get(vector.name()));
    }
}
