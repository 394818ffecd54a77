package org.lockey.train;

import java.util.List;
import java.util.Map;

import org.lockey.io.Tensor;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyedGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What LOCKEY fine-tuning needs to know of a generator (paper §IV: "The input condition for
 * HiFi-GAN model is MEL spectrogram, while for Encodec's decoder, it is latent codes"): how a crop
 * of audio becomes the generator's input, what the frozen base generator G0 outputs for it (the
 * teacher), and the keyed version of the generator to train.
 */
public interface FinetuneBranch {
    /** The model kind written into the keyed model ({@code lockey-hifigan}, {@code lockey-encodec}). */
    String kind();

    /** The generator's sampling rate. */
    int sampleRate();

    /** Samples per training crop (a whole number of generator frames). */
    int cropSamples();

    /** Shape of one batch of inputs ({@code [B, 80, T]} mel, {@code [B, D, T_f]} latent). */
    long[] inputShape(int batch);

    /** The generator's input for crops of {@link #cropSamples()} samples: {@code inputShape(crops.size())}. */
    INDArray inputs(List<float[]> crops);

    /** G0's output for a batch of inputs: {@code [B, 1, cropSamples]}. */
    INDArray teacher(INDArray inputs);

    /** Channels at the injection point (the key vector's width). */
    int injectionChannels();

    /** The keyed generator to train. */
    KeyedGenerator keyed(KeyConfig key);

    /** G0's weights under the keyed model's keys: the student's starting point. */
    Map<String, Tensor> baseWeights();
}
