package org.lockey.golden;

import java.util.LinkedHashMap;
import java.util.Map;

import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyedGenerator;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Golden component {@code lockey.keyed_hifigan}: {@code mel}, {@code key_bits} -> {@code audio},
 * {@code key_vector}, {@code verifier_logits}, and the gradients {@code grad.<param>} of
 * {@code sum(audio^2)} for every gradient output the case lists.
 */
final class LockeyKeyedHifiGanComponent implements Component {
    @Override
    public String id() {
        return "lockey.keyed_hifigan";
    }

    @Override
    public Map<String, INDArray> run(GoldenCase c) {
        HifiGanConfig gen = HifiGanConfig.fromJson(c.config(), c.path() + " (metadata config)");
        KeyConfig key = KeyConfig.fromJson(c.config());
        int stage = c.config().path("injection_index").asInt(0);
        SameDiff sd = SameDiff.create();
        Scope root = Scope.loaded(sd, c.weightTensors(), c.weights().path().toString());
        SDVariable mel = sd.placeHolder("mel", DataType.FLOAT, -1, gen.numMels(), -1);
        SDVariable bits = sd.placeHolder("key_bits", DataType.INT64, -1, key.keyBits());
        KeyedGenerator.Outputs out = KeyedGenerator.hifiGan(gen, key, stage).build(root, mel, bits);
        root.build().checkLoaded();
        SDVariable energy = sd.math().square(out.audio()).sum();
        Map<String, INDArray> feed = Map.of("mel", c.tensor("mel").toNd(DataType.FLOAT), "key_bits",
                c.tensor("key_bits").toNd(DataType.INT64));
        Map<String, INDArray> r = sd.output(feed, out.audio().name(), out.keyVector().name(),
                out.verifierLogits().name());
        Map<String, INDArray> result = new LinkedHashMap<>();
        result.put("audio", r.get(out.audio().name()));
        result.put("key_vector", r.get(out.keyVector().name()));
        result.put("verifier_logits", r.get(out.verifierLogits().name()));
        java.util.List<String> params = c.outputs().stream().filter(o -> o.startsWith("grad."))
                .map(o -> o.substring("grad.".length())).toList();
        if (!params.isEmpty()) {
            sd.setLossVariables(energy);
            Map<String, INDArray> g = sd.calculateGradients(feed, params);
            params.forEach(p -> result.put("grad." + p, g.get(p)));
        }
        return result;
    }
}
