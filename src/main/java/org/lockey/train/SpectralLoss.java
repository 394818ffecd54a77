package org.lockey.train;

import org.lockey.audio.StftConfig;
import org.lockey.nn.StftGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Paper Eq. 2 (second term), the spectral loss for valid keys: the MSE between the log-normalised
 * magnitude spectrograms of G(x, k) and y_t (docs/lockey.md, "Decisions and why"): {@code logmag(y) = log(max(|STFT(y)| /
 * sqrt(n_fft), floor))} with win = n_fft, periodic Hann, center=True with reflect padding —
 * {@code torch.stft(..., normalized=True)} — and the mean over all bins and frames of each example.
 *
 * @param nFft  n_fft = win (docs/lockey.md, Decisions: 1024; golden config {@code logmag_n_fft})
 * @param hop   hop (256; {@code logmag_hop})
 * @param floor floor of the normalised magnitude before the log (1e-5; {@code logmag_floor})
 */
public record SpectralLoss(int nFft, int hop, double floor) {
    /**
     * Inside the square root, so the gradient stays finite at an exactly zero bin; its effect on the
     * magnitude (at most 1e-9) is far below any floor used here.
     */
    static final double POWER_EPS = 1e-18;

    public SpectralLoss {
        if (nFft < 2 || hop < 1 || hop > nFft || !(floor > 0)) {
            throw new IllegalArgumentException("spectral loss needs n_fft >= 2, 1 <= hop <= n_fft, floor > 0");
        }
    }

    /** docs/lockey.md, Decisions: n_fft = win = 1024, hop 256, floor 1e-5. */
    public static SpectralLoss paper() {
        return new SpectralLoss(1024, 256, 1e-5);
    }

    /** The STFT this loss uses. */
    public StftConfig stft() {
        return new StftConfig(nFft, hop, nFft, true, true);
    }

    /** {@code log(max(|STFT(y)|/sqrt(n_fft), floor))}, {@code [B, n_fft/2+1, frames]}, of {@code y [B, length]}. */
    public SDVariable logMagnitude(SameDiff sd, String prefix, SDVariable y, int length) {
        StftGraph g = new StftGraph(stft());
        SDVariable mag = g.magnitude(sd, prefix, g.stft(sd, prefix, y, length), POWER_EPS);
        return sd.math().log(sd.math().max(mag, sd.constant(prefix + ".floor", mag.dataType(), floor)));
    }

    /**
     * Per-example log-magnitude MSE {@code [B]}.
     *
     * @param audio   {@code [B, 1, N]} generated audio
     * @param teacher {@code [B, 1, N]} teacher output
     * @param length  N (static)
     */
    public SDVariable perExample(SameDiff sd, String prefix, SDVariable audio, SDVariable teacher, int length) {
        SDVariable a = logMagnitude(sd, prefix + ".audio", audio.reshape(-1, length), length);
        SDVariable t = logMagnitude(sd, prefix + ".teacher", teacher.reshape(-1, length), length);
        SDVariable d = a.sub(t);
        return d.mul(d).mean(1, 2);                                                         // [B]
    }
}
