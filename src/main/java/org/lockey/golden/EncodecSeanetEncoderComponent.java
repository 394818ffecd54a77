package org.lockey.golden;

import static org.lockey.golden.EncodecCases.requireChannels;
import static org.lockey.golden.EncodecCases.weightsName;

import java.util.Map;

import org.lockey.model.encodec.SEANetEncoder;
import org.lockey.model.encodec.SeanetConfig;
import org.lockey.model.encodec.StackGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Golden component {@code encodec.seanet_encoder}: {@code audio} [B, channels, N] -> {@code latent}
 * [B, D, ceil(N / hop)].
 */
final class EncodecSeanetEncoderComponent implements Component {
    @Override
    public String id() {
        return "encodec.seanet_encoder";
    }

    @Override
    public Map<String, INDArray> run(GoldenCase c) {
        SeanetConfig cfg = SeanetConfig.fromJson(c.config());
        INDArray audio = c.tensor("audio").toNd(DataType.FLOAT);
        requireChannels(c, "audio", audio, cfg.channels());
        StackGraph g = new StackGraph(new SEANetEncoder(cfg).stack(), c.weightTensors(), weightsName(c),
                audio.shape());
        return Map.of("latent", g.run(audio));
    }
}
