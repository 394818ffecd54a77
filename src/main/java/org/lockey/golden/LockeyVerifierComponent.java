package org.lockey.golden;

import java.util.Map;

import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyVerifier;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Golden component {@code lockey.verifier}: {@code key_vector} [B, C] -> {@code logits} [B, 2]. */
final class LockeyVerifierComponent implements Component {
    @Override
    public String id() {
        return "lockey.verifier";
    }

    @Override
    public Map<String, INDArray> run(GoldenCase c) {
        KeyConfig cfg = KeyConfig.fromJson(c.config());
        SameDiff sd = SameDiff.create();
        Scope root = Scope.loaded(sd, c.weightTensors(), c.weights().path().toString());
        SDVariable v = sd.placeHolder("key_vector", DataType.FLOAT, -1, cfg.channels());
        SDVariable logits = new KeyVerifier(cfg).build(root.child("verifier"), v);
        root.build().checkLoaded("verifier.");
        INDArray out = logits.eval(Map.of("key_vector", c.tensor("key_vector").toNd(DataType.FLOAT)));
        return Map.of("logits", out);
    }
}
