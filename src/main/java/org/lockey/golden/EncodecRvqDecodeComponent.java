package org.lockey.golden;

import static org.lockey.golden.EncodecCases.to3;
import static org.lockey.golden.EncodecCases.weightsName;

import java.util.Arrays;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.Codebooks;
import org.lockey.model.encodec.ResidualVectorQuantizer;
import org.lockey.model.encodec.RvqConfig;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Golden component {@code encodec.rvq_decode}: {@code codes} [n_q, B, T] int64 -> {@code latent}
 * [B, D, T], in the graph.
 */
final class EncodecRvqDecodeComponent implements Component {
    @Override
    public String id() {
        return "encodec.rvq_decode";
    }

    @Override
    public Map<String, INDArray> run(GoldenCase c) {
        RvqConfig cfg = RvqConfig.fromJson(c.config());
        Tensor codesT = c.tensor("codes");
        long[] shape = codesT.shape();
        if (shape.length != 3) {
            throw new LockeyException(c.name() + ": codes must be [n_q, B, T], got " + Arrays.toString(shape));
        }
        long[][][] codes = to3(codesT.toLongArray(), shape);
        // The graph's one-hot would turn an invalid code into zeros, so check first.
        Codebooks.from(c.weightTensors(), "", cfg, weightsName(c)).checkCodes(codes);
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, c.weightTensors(), weightsName(c), DataType.FLOAT, true, 0);
        SDVariable in = sd.placeHolder("codes", DataType.INT64, shape);
        SDVariable latent = new ResidualVectorQuantizer(cfg).decode(root, in, (int) shape[0], shape[1], shape[2]);
        root.build().checkLoaded("vq.");
        INDArray out = sd.output(Map.of("codes", codesT.toNd(DataType.INT64)), latent.name()).get(latent.name());
        return Map.of("latent", out);
    }
}
