package org.lockey.model.encodec;

import java.util.Arrays;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.golden.Component;
import org.lockey.golden.GoldenCase;
import org.lockey.io.Tensor;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The EnCodec golden components ({@code golden/README.md}, sections {@code encodec.*}). Each reads
 * the case's upstream {@code config}, builds the model from it and the weights file (keys without the
 * {@code encoder.}/{@code decoder.}/{@code quantizer.} prefix), and runs the case's inputs.
 */
public final class EncodecGolden {
    private EncodecGolden() {
    }

    /** {@code encodec.seanet_decoder}: {@code latent} [B, D, T] -> {@code audio} [B, channels, T hop]. */
    public static final class SeanetDecoderCase implements Component {
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

    /** {@code encodec.seanet_encoder}: {@code audio} [B, channels, N] -> {@code latent} [B, D, ceil(N / hop)]. */
    public static final class SeanetEncoderCase implements Component {
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

    /** {@code encodec.rvq_decode}: {@code codes} [n_q, B, T] int64 -> {@code latent} [B, D, T], in the graph. */
    public static final class RvqDecodeCase implements Component {
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

    /** {@code encodec.rvq_encode}: {@code latent} [B, D, T] -> {@code codes} [n_q, B, T] int64. */
    public static final class RvqEncodeCase implements Component {
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

    static long[][][] to3(long[] flat, long[] shape) {
        long[][][] out = new long[(int) shape[0]][(int) shape[1]][(int) shape[2]];
        int i = 0;
        for (long[][] a : out) {
            for (long[] b : a) {
                for (int f = 0; f < b.length; f++) {
                    b[f] = flat[i++];
                }
            }
        }
        return out;
    }

    private static String weightsName(GoldenCase c) {
        return c.meta("weights", c.name());
    }

    private static void requireChannels(GoldenCase c, String name, INDArray x, long channels) {
        if (x.rank() != 3 || x.size(1) != channels) {
            throw new LockeyException(c.name() + ": " + name + " " + Arrays.toString(x.shape()) + " does not have "
                    + channels + " channels in axis 1 ([B, C, T])");
        }
    }
}
