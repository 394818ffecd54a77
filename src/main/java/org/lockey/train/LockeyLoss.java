package org.lockey.train;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Paper Eq. 4, the total LOCKEY loss (docs/lockey.md, "Decisions and why"): per example
 * <pre>
 *   L_b = 1[valid] (l_wm CE_wm + l_p MSE + l_s MSE_logmag) + 1[invalid] max(-MSE, -tau) + l_v CE_verify
 * </pre>
 * and the batch loss is the mean of L_b over the B examples (divided by B, not by the number of
 * valid or invalid examples). Every term is computed for every example; the indicator selects.
 */
public final class LockeyLoss {
    /**
     * The loss weights of Eq. 4 (lost in our copy of the paper; default all 1, docs/lockey.md).
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

    /**
     * The terms of Eq. 4 on the generated audio, each on its own copy of it, for {@link LossBalancer}: the gradient
     * of {@code total} with respect to {@code audioWm} is the watermark term's own gradient, and so on. Each term is
     * the batch mean of its masked per-example values (as Eq. 4 divides by B).
     *
     * @param audioWm     the audio the watermark CE reads {@code [B, 1, N]} (a variable whose value is the output)
     * @param audioP      the same for the waveform MSE
     * @param audioS      the same for the log-magnitude MSE
     * @param audioInv    the same for the invalid-key term
     * @param wm          watermark CE term {@code [1]}
     * @param p           waveform MSE term {@code [1]}
     * @param s           log-magnitude term {@code [1]}
     * @param inv         invalid-key term {@code [1]}
     * @param ceWm        per-example watermark CE {@code [B]} (for the log)
     * @param mse         per-example absolute MSE {@code [B]} (for the log)
     * @param total       the sum of the four
     */
    public record Separate(SDVariable audioWm, SDVariable audioP, SDVariable audioS, SDVariable audioInv,
            SDVariable wm, SDVariable p, SDVariable s, SDVariable inv, SDVariable ceWm, SDVariable mse, SDVariable total) {
        /** The balancer's names of the four terms, in the order of {@link #audios()}. */
        public static final java.util.List<String> NAMES = java.util.List.of("wm", "p", "s", "inv");

        /** The four audio copies, in the order of {@link #NAMES}. */
        public java.util.List<SDVariable> audios() {
            return java.util.List.of(audioWm, audioP, audioS, audioInv);
        }
    }

    /**
     * Builds {@link Separate}: four variables of shape {@code [B, 1, N]} (their arrays are set to the generator's
     * output before each use) and the four terms of Eq. 4 on them.
     *
     * @param decoder the frozen message decoder's logits {@code [B, C, T]} on audio {@code [B, 1, N]}
     */
    public static Separate buildSeparate(SameDiff sd, String prefix, int batch, SDVariable teacher,
            java.util.function.UnaryOperator<SDVariable> decoder, SDVariable symbols, int classes, SDVariable valid,
            SDVariable tau, int length, SpectralLoss spectral, InvalidBound bound, WaveformMse waveformMse) {
        SDVariable[] audio = new SDVariable[4];
        for (int i = 0; i < 4; i++) {
            audio[i] = sd.var(prefix + ".audio_" + Separate.NAMES.get(i),
                    org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, batch, 1, length));
        }
        SDVariable v = valid.castTo(teacher.dataType());
        SDVariable invalidMask = v.rsub(1.0);
        SDVariable power = PerceptualLoss.power(teacher);
        SDVariable ceWm = WatermarkLoss.perExample(sd, decoder.apply(audio[0]), symbols, classes);
        SDVariable mse = PerceptualLoss.perExample(audio[1], teacher);
        SDVariable fidelity = waveformMse == WaveformMse.RELATIVE ? mse.div(power) : mse;
        SDVariable logmag = spectral.perExample(sd, prefix + ".logmag", audio[2], teacher, length);
        SDVariable mseInv = PerceptualLoss.perExample(audio[3], teacher);
        SDVariable invalid = bound instanceof InvalidBound.Relative r
                ? InvalidKeyLoss.relative(sd, r, audio[3], power, mseInv,
                        spectral.perExample(sd, prefix + ".logmag_inv", audio[3], teacher, length))
                : InvalidKeyLoss.perExample(sd, mseInv, tau);
        SDVariable wm = v.mul(ceWm).mean().reshape(1);
        SDVariable p = v.mul(fidelity).mean().reshape(1);
        SDVariable s = v.mul(logmag).mean().reshape(1);
        SDVariable inv = invalidMask.mul(invalid).mean().reshape(1);
        SDVariable total = wm.add(p).add(s).add(inv);
        return new Separate(audio[0], audio[1], audio[2], audio[3], sd.identity(prefix + ".wm", wm),
                sd.identity(prefix + ".p", p), sd.identity(prefix + ".s", s), sd.identity(prefix + ".inv", inv),
                sd.identity(prefix + ".ce_wm", ceWm), sd.identity(prefix + ".mse", mse), sd.identity(prefix + ".total", total));
    }
}
