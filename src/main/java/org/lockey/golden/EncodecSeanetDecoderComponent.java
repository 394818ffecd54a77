package org.lockey.golden;

import static org.lockey.golden.EncodecCases.requireChannels;
import static org.lockey.golden.EncodecCases.weightsName;

import java.util.Map;

import org.lockey.model.encodec.SEANetDecoder;
import org.lockey.model.encodec.SeanetConfig;
import org.lockey.model.encodec.StackGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Golden component {@code encodec.seanet_decoder}: {@code latent} [B, D, T] -> {@code audio}
 * [B, channels, T hop].
 */
final class EncodecSeanetDecoderComponent implements Component {
    @Override
    public String id() {
        return "encodec.seanet_decoder";
    }

    @Override
    public Map<String, INDArray> run(GoldenCase c) {
        SeanetConfig cfg = SeanetConfig.fromJson(c.config());
        INDArray latent = c.tensor("latent").toNd(DataType.FLOAT);
        requireChannels(c, "latent", latent, cfg.dimension());
        StackGraph g = new StackGraph(new SEANetDecoder(cfg).stack(), c.weightTensors(), weightsName(c),
                latent.shape());
        return Map.of("audio", g.run(latent));
    }
}
