package org.lockey.train;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Paper Eq. 4, the total LOCKEY loss (decisions.md "Total"): per example
 * <pre>
 *   L_b = 1[valid] (l_wm CE_wm + l_p MSE + l_s MSE_logmag) + 1[invalid] max(-MSE, -tau) + l_v CE_verify
 * </pre>
 * and the batch loss is the mean of L_b over the B examples (divided by B, not by the number of
 * valid or invalid examples). Every term is computed for every example; the indicator selects.
 */
public final class LockeyLoss {
    /**
     * The loss weights of Eq. 4 (lost in our copy of the paper; default all 1, decisions.md).
     *
     * @param wm watermark CE weight l_wm
     * @param p  waveform MSE weight l_p
     * @param s  log-magnitude MSE weight l_s
     * @param v  verification CE weight l_v
     */
    public record Lambdas(double wm, double p, double s, double v) {
        /** All weights 1. */
        public static Lambdas ones() {
            return new Lambdas(1, 1, 1, 1);
        }
    }

    /** How the waveform MSE of Eq. 2 is scaled for valid keys. */
    public enum WaveformMse {
        /** As printed: the mean squared sample difference (about 1e-3 x the other terms for speech at -25 dBFS). */
        ABSOLUTE,
        /**
         * Divided by the teacher's mean square (plus {@link InvalidBound.Relative#POWER_EPS}): {@code 10^(-SDR/10)},
         * the same for a quiet clip as for a loud one and of the order of the other terms.
         */
        RELATIVE
    }

    /**
     * The graph nodes of every term, each {@code [B]}, and the batch total {@code [1]}.
     */
    public record Terms(SDVariable ceWm, SDVariable mse, SDVariable mseLogmag, SDVariable invalid,
            SDVariable ceVerify, SDVariable total) {
    }

    private LockeyLoss() {
    }

    /**
     * Builds every term.
     *
     * @param audio          generated audio {@code [B, 1, N]}
     * @param teacher        teacher output {@code [B, 1, N]} (watermarked for valid keys, plain for invalid)
     * @param decoderLogits  message decoder logits on the generated audio {@code [B, C, T]}
     * @param symbols        target symbols {@code [B, T]}
     * @param classes        C (5 for the payload codec)
     * @param valid          {@code [B]} 1 valid, 0 invalid
     * @param verifierLogits {@code [B, 2]}
     * @param tau            the curriculum bound (scalar or [1])
     * @param length         N
     * @param spectral       the log-magnitude loss's STFT ({@link SpectralLoss#paper()})
     * @param lambdas        the weights of Eq. 4
     */
    public static Terms build(SameDiff sd, String prefix, SDVariable audio, SDVariable teacher,
            SDVariable decoderLogits, SDVariable symbols, int classes, SDVariable valid, SDVariable verifierLogits,
            SDVariable tau, int length, SpectralLoss spectral, Lambdas lambdas) {
        return build(sd, prefix, audio, teacher, decoderLogits, symbols, classes, valid, verifierLogits, tau, length,
                spectral, lambdas, new InvalidBound.Absolute(), WaveformMse.ABSOLUTE);
    }

    /**
     * Builds every term with the invalid-key term of {@code bound} ({@link InvalidBound.Absolute}: Eq. 3 with
     * {@code tau}, as {@link #build(SameDiff, String, SDVariable, SDVariable, SDVariable, SDVariable, int,
     * SDVariable, SDVariable, SDVariable, int, SpectralLoss, Lambdas)}; {@link InvalidBound.Relative}: the
     * relative bound, which does not read {@code tau}).
     */
    public static Terms build(SameDiff sd, String prefix, SDVariable audio, SDVariable teacher,
            SDVariable decoderLogits, SDVariable symbols, int classes, SDVariable valid, SDVariable verifierLogits,
            SDVariable tau, int length, SpectralLoss spectral, Lambdas lambdas, InvalidBound bound,
            WaveformMse waveformMse) {
        SDVariable ceWm = WatermarkLoss.perExample(sd, decoderLogits, symbols, classes);
        SDVariable mse = PerceptualLoss.perExample(audio, teacher);
        SDVariable mseLogmag = spectral.perExample(sd, prefix + ".logmag", audio, teacher, length);
        SDVariable power = PerceptualLoss.power(teacher);                                   // [B], used by both
        SDVariable invalid = bound instanceof InvalidBound.Relative r
                ? InvalidKeyLoss.relative(sd, r, audio, power, mse, mseLogmag)
                : InvalidKeyLoss.perExample(sd, mse, tau);
        SDVariable ceVerify = VerificationLoss.perExample(sd, verifierLogits, valid);
        SDVariable v = valid.castTo(audio.dataType());
        SDVariable fidelity = waveformMse == WaveformMse.RELATIVE
                ? mse.div(power)
                : mse;
        SDVariable validTerms = ceWm.mul(lambdas.wm()).add(fidelity.mul(lambdas.p())).add(mseLogmag.mul(lambdas.s()));
        SDVariable perExample = v.mul(validTerms).add(v.rsub(1.0).mul(invalid)).add(ceVerify.mul(lambdas.v()));
        SDVariable total = perExample.mean().reshape(1);
        return new Terms(sd.identity(prefix + ".ce_wm", ceWm), sd.identity(prefix + ".mse", mse),
                sd.identity(prefix + ".mse_logmag", mseLogmag), sd.identity(prefix + ".invalid", invalid),
                sd.identity(prefix + ".ce_verify", ceVerify), sd.identity(prefix + ".total", total));
    }
}
