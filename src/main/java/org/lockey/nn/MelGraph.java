package org.lockey.nn;

import org.lockey.audio.MelConfig;
import org.lockey.audio.MelFilterbank;
import org.lockey.audio.MelSpectrogram;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * HiFi-GAN's log-mel spectrogram as a differentiable SameDiff graph piece, equal to
 * {@link MelSpectrogram} and so to {@code meldataset.mel_spectrogram} of jik876/hifi-gan (golden case
 * {@code hifigan_logmel}); used for the mel-reconstruction loss of the training graphs.
 *
 * <p>audio {@code [B, L]} -> reflect pad {@code (n_fft - hop_size) / 2} per side
 * ({@link StftGraph#reflectPad}) -> {@link StftGraph} ({@code center} from the config, periodic Hann of
 * {@code win_size}) -> magnitude {@code sqrt(re^2 + im^2 + 1e-9)} {@code [B, F, T]} -> constant mel
 * basis ({@link MelFilterbank#slaney}, float32 values) applied per frame: {@code [B*T, F] @ [F, M]}
 * -> {@code [B, M, T]} -> {@code log(max(x, 1e-5))}. T = {@code config.frames(L)}.
 *
 * <p>Names: constants under {@code <prefix>.stft.*} and {@code <prefix>.mel_basis_t}; outputs
 * {@code <prefix>.mel} (before the log) and {@code <prefix>.log_mel}.
 */
public final class MelGraph {
    private final MelConfig config;
    private final StftGraph stft;
    private final float[][] basis;

    public MelGraph(MelConfig config) {
        this.config = config;
        this.stft = new StftGraph(config.stft());
        this.basis = MelFilterbank.slaney(config.samplingRate(), config.nFft(), config.numMels(),
                config.fmin(), config.fmax());
    }

    public MelConfig config() {
        return config;
    }

    /** The mel spectrogram before the log, {@code mel_basis @ magnitude}: {@code [B, M, T]}. */
    public SDVariable mel(SameDiff sd, String prefix, SDVariable audio, int length) {
        int pad = config.pad();
        SDVariable x = pad > 0 ? StftGraph.reflectPad(audio, length, pad, pad) : audio;    // [B, L + 2 pad]
        StftGraph.Spec spec = stft.stft(sd, prefix + ".stft", x, length + 2 * pad);
        SDVariable mag = stft.magnitude(sd, prefix + ".stft", spec, MelSpectrogram.MAGNITUDE_EPS); // [B, F, T]
        int bins = config.stft().bins();
        int frames = spec.frames();
        DataType dt = audio.dataType();
        double[][] bt = new double[bins][basis.length];
        for (int m = 0; m < basis.length; m++) {
            for (int k = 0; k < bins; k++) {
                bt[k][m] = basis[m][k];
            }
        }
        SDVariable basisT = sd.constant(prefix + ".mel_basis_t", Nd4j.createFromArray(bt).castTo(dt)); // [F, M]
        SDVariable rows = sd.reshape(sd.permute(mag, 0, 2, 1), -1, bins);                   // [B*T, F]
        SDVariable mel = sd.mmul(rows, basisT);                                             // [B*T, M]
        mel = sd.permute(sd.reshape(mel, -1, frames, basis.length), 0, 2, 1);               // [B, M, T]
        return sd.identity(prefix + ".mel", mel);
    }

    /** The log-mel spectrogram {@code log(max(mel, 1e-5))}: {@code [B, M, T]}. */
    public SDVariable logMel(SameDiff sd, String prefix, SDVariable audio, int length) {
        SDVariable mel = mel(sd, prefix, audio, length);
        return sd.math().log(prefix + ".log_mel", sd.scalarMax(mel, MelSpectrogram.CLAMP_MIN));
    }
}
