package org.lockey.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lockey.io.Tensor;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyedGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Encodec branch: input = the quantised latent of the crop (frozen Encodec encoder, greedy RVQ,
 * sum of the codebook rows — "we process the waveform and extract the latent codes using Encodec's
 * encoder", paper §IV-A), teacher = the frozen base decoder on that latent, key added after
 * {@code decoder.model.<layer>}. Only the decoder is fine-tuned.
 *
 * @param codec      the pretrained codec (encoder, quantiser and decoder)
 * @param cropFrames latent frames per crop
 * @param layer      the injection layer of the decoder's {@code model} Sequential
 */
public record EncodecBranch(Encodec codec, int cropFrames, int layer) implements FinetuneBranch {
    /** The kind of a keyed Encodec decoder. */
    public static final String KIND = "lockey-encodec";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int sampleRate() {
        return codec.config().sampleRate();
    }

    @Override
    public int cropSamples() {
        return cropFrames * codec.config().seanet().hopLength();
    }

    @Override
    public long[] inputShape(int batch) {
        return new long[] {batch, codec.config().seanet().dimension(), cropFrames};
    }

    @Override
    public INDArray inputs(List<float[]> crops) {
        INDArray latent = Nd4j.create(DataType.FLOAT, inputShape(crops.size()));
        for (int i = 0; i < crops.size(); i++) {
            float[][] z = codec.latentOf(codec.encode(crops.get(i)));            // [D][T_f]
            for (int d = 0; d < z.length; d++) {
                for (int t = 0; t < cropFrames; t++) {
                    latent.putScalar(new long[] {i, d, t}, z[d][t]);
                }
            }
        }
        return latent;
    }

    @Override
    public INDArray teacher(INDArray inputs) {
        int b = (int) inputs.size(0);
        INDArray out = Nd4j.create(DataType.FLOAT, b, 1, cropSamples());
        for (int i = 0; i < b; i++) {
            float[][] z = new float[(int) inputs.size(1)][cropFrames];
            for (int d = 0; d < z.length; d++) {
                for (int t = 0; t < cropFrames; t++) {
                    z[d][t] = inputs.getFloat(i, d, t);
                }
            }
            float[] y = codec.decodeLatent(z);
            for (int s = 0; s < y.length; s++) {
                out.putScalar(new long[] {i, 0, s}, y[s]);
            }
        }
        return out;
    }

    @Override
    public int injectionChannels() {
        return (1 << codec.config().seanet().ratios().size()) * codec.config().seanet().nFilters();
    }

    @Override
    public KeyedGenerator keyed(KeyConfig key) {
        return KeyedGenerator.encodecDecoder(codec.config().seanet(), key, layer, cropFrames);
    }

    @Override
    public Map<String, Tensor> baseWeights() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        codec.weights().forEach((k, t) -> {
            if (k.startsWith("decoder.")) {
                out.put(k, t);
            }
        });
        return out;
    }
}
