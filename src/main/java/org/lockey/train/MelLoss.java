package org.lockey.train;

import org.lockey.audio.MelConfig;
import org.lockey.nn.MelGraph;
import org.lockey.nn.Reduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * HiFi-GAN's mel-spectrogram loss, Kong, Kim &amp; Bae, "HiFi-GAN" (NeurIPS 2020), Eq. 2 with the
 * weight lambda_mel = 45 of Eq. 5; upstream {@code train.py}: {@code F.l1_loss(y_mel, y_g_hat_mel) * 45}
 * where both are {@code meldataset.mel_spectrogram} log-mels with {@code fmax_for_loss} (Nyquist when
 * the config says null): {@link org.lockey.model.hifigan.HifiGanConfig#lossMelConfig()}.
 *
 * <p>The target mel comes in as data (upstream's data loader computes it from the audio crop); the
 * generated audio's log-mel is the differentiable {@link MelGraph}. The mean runs over all
 * {@code [B, num_mels, frames]} elements, accumulated in double.
 *
 * @param config the loss mel front-end
 */
public record MelLoss(MelConfig config) {
    /** lambda_mel (Eq. 5). */
    public static final double WEIGHT = 45.0;

    /**
     * The unweighted {@code mean |target - logmel(audio)|}.
     *
     * @param prefix unique name prefix of the mel graph's constants
     * @param target {@code [B, num_mels, frames]} log-mel of the real audio
     * @param audio  {@code [B, 1, length]} generated audio
     * @param length samples (static)
     */
    public SDVariable l1(SameDiff sd, String prefix, SDVariable target, SDVariable audio, int length) {
        SDVariable mel = new MelGraph(config).logMel(sd, prefix, sd.reshape(audio, -1, length), length); // [B, M, F]
        return Reduce.mean(sd.math().abs(target.sub(mel)), false);
    }
}
