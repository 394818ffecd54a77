package org.lockey.golden;

import java.util.Map;

import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Golden component {@code hifigan.generator}: input {@code mel} [1, num_mels, T], output
 * {@code audio} [1, 1, T * prod(upsample_rates)], the generator built from the case's
 * {@code config} (missing fields V1) with the case's weights file, run on the whole input.
 */
final class HifiGanGeneratorComponent implements Component {
    @Override
    public String id() {
        return "hifigan.generator";
    }

    @Override
    public Map<String, INDArray> run(GoldenCase c) {
        HifiGanConfig config = HifiGanConfig.fromJson(c.config(), c.path() + " (metadata config)");
        String source = c.weights() == null ? c.path() + " (no weights file)" : c.weights().path().toString();
        HifiGan model = HifiGan.fromWeights(config, c.weightTensors(), source);
        INDArray mel = c.tensor("mel").toNd(DataType.FLOAT);
        return Map.of("audio", model.vocode(mel));
    }
}
