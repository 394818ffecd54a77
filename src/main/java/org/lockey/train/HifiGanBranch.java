package org.lockey.train;

import java.util.List;
import java.util.Map;

import org.lockey.audio.MelSpectrogram;
import org.lockey.io.Tensor;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyedGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The HiFi-GAN branch: input = HiFi-GAN's log-mel of the crop ({@code meldataset.mel_spectrogram}),
 * teacher = the frozen base vocoder, key added after {@code ups.<stage>}.
 *
 * @param base       the pretrained vocoder G0
 * @param cropFrames mel frames per crop
 * @param stage      the injection stage
 */
public record HifiGanBranch(HifiGan base, int cropFrames, int stage) implements FinetuneBranch {
    /** The kind of a keyed HiFi-GAN. */
    public static final String KIND = "lockey-hifigan";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int sampleRate() {
        return base.config().mel().samplingRate();
    }

    @Override
    public int cropSamples() {
        return cropFrames * base.config().samplesPerFrame();
    }

    @Override
    public long[] inputShape(int batch) {
        return new long[] {batch, base.config().numMels(), cropFrames};
    }

    @Override
    public INDArray inputs(List<float[]> crops) {
        MelSpectrogram front = new MelSpectrogram(base.config().melConfig());
        INDArray mel = Nd4j.create(DataType.FLOAT, inputShape(crops.size()));
        for (int i = 0; i < crops.size(); i++) {
            float[][] m = front.apply(crops.get(i));
            for (int c = 0; c < m.length; c++) {
                for (int t = 0; t < cropFrames; t++) {
                    mel.putScalar(new long[] {i, c, t}, m[c][t]);
                }
            }
        }
        return mel;
    }

    @Override
    public INDArray teacher(INDArray inputs) {
        return base.vocode(inputs);
    }

    @Override
    public int injectionChannels() {
        return base.config().channelsAfterStage(stage);
    }

    @Override
    public KeyedGenerator keyed(KeyConfig key) {
        return KeyedGenerator.hifiGan(base.config(), key, stage);
    }

    @Override
    public Map<String, Tensor> baseWeights() {
        return base.stateDict();
    }
}
