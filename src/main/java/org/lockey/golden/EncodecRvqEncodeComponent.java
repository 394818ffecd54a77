package org.lockey.golden;

import static org.lockey.golden.EncodecCases.weightsName;

import java.util.Arrays;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.Codebooks;
import org.lockey.model.encodec.RvqConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Golden component {@code encodec.rvq_encode}: {@code latent} [B, D, T] -> {@code codes} [n_q, B, T] int64. */
final class EncodecRvqEncodeComponent implements Component {
    @Override
    public String id() {
        return "encodec.rvq_encode";
    }

    @Override
    public Map<String, INDArray> run(GoldenCase c) {
        RvqConfig cfg = RvqConfig.fromJson(c.config());
        Tensor latentT = c.tensor("latent");
        long[] shape = latentT.shape();
        if (shape.length != 3) {
            throw new LockeyException(c.name() + ": latent must be [B, D, T], got " + Arrays.toString(shape));
        }
        float[] flat = latentT.toFloatArray();
        float[][][] latent = new float[(int) shape[0]][(int) shape[1]][(int) shape[2]];
        int i = 0;
        for (float[][] item : latent) {
            for (float[] row : item) {
                for (int f = 0; f < row.length; f++) {
                    row[f] = flat[i++];
                }
            }
        }
        long[][][] codes = Codebooks.from(c.weightTensors(), "", cfg, weightsName(c)).encode(latent);
        return Map.of("codes", Nd4j.createFromArray(codes));
    }
}
