package org.lockey.golden;

import java.util.Map;

import org.lockey.audio.MelConfig;
import org.lockey.audio.MelSpectrogram;
import org.lockey.io.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Golden component {@code hifigan.mel}: HiFi-GAN's {@code meldataset.mel_spectrogram} computed by
 * {@link MelSpectrogram} (the plain-array reference; the graph version {@code nn.MelGraph} is held
 * to the same case by its own test). Input {@code audio} [B, L] -> {@code mel} [B, num_mels,
 * frames] and {@code mel_basis} [num_mels, n_fft/2+1].
 */
final class HifiGanMelComponent implements Component {
    @Override
    public String id() {
        return "hifigan.mel";
    }

    @Override
    public Map<String, INDArray> run(GoldenCase c) {
        MelSpectrogram mel = new MelSpectrogram(MelConfig.fromJson(c.config()));
        Tensor audio = c.tensor("audio");
        int[] shape = audio.intShape();
        int batch = shape.length == 1 ? 1 : shape[0];
        int length = shape[shape.length - 1];
        float[] all = audio.toFloatArray();
        float[][][] out = new float[batch][][];
        for (int b = 0; b < batch; b++) {
            float[] clip = new float[length];
            System.arraycopy(all, b * length, clip, 0, length);
            out[b] = mel.apply(clip);
        }
        return Map.of("mel", Nd4j.create(out), "mel_basis", Nd4j.create(mel.melBasis()));
    }
}
