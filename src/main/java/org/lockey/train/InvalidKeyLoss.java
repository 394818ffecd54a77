package org.lockey.train;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Paper Eq. 3, the loss for invalid keys: {@code max(-MSE(G(x, k), y_t), -tau)}. Minimising it
 * pushes the output away from the teacher until its MSE reaches the curriculum bound tau; past it
 * the term is constant and gives no gradient, which keeps training stable (docs/lockey.md; the bound
 * follows {@link Curriculum}).
 */
public final class InvalidKeyLoss {
    private InvalidKeyLoss() {
    }

    /**
     * Per-example term {@code [B]}.
     *
     * @param mse per-example MSE to the teacher {@code [B]} ({@link PerceptualLoss#perExample})
     * @param tau the bound, a scalar or {@code [1]}
     */
    public static SDVariable perExample(SameDiff sd, SDVariable mse, SDVariable tau) {
        return sd.math().max(mse.neg(), tau.neg().reshape(1).castTo(mse.dataType()));
    }

    /**
     * The relative form ({@link InvalidBound.Relative}), per example {@code [B]}.
     *
     * @param audio     generated audio {@code [B, 1, N]}
     * @param power     the teacher's {@link PerceptualLoss#power} {@code [B]}
     * @param mse       per-example MSE of the two {@code [B]}
     * @param mseLogmag per-example log-magnitude MSE of the two {@code [B]}
     */
    public static SDVariable relative(SameDiff sd, InvalidBound.Relative bound, SDVariable audio, SDVariable power,
            SDVariable mse, SDVariable mseLogmag) {
        SDVariable ratio = mse.div(power);                                                          // r  [B]
        SDVariable wave = sd.math().max(ratio.neg(), sd.constant(-bound.mseRatioBound()).castTo(mse.dataType()));
        SDVariable spectral = sd.math().max(mseLogmag.neg(),
                sd.constant(-bound.logmagBound()).castTo(mse.dataType()));
        SDVariable outPower = PerceptualLoss.power(audio);
        SDVariable logRatio = sd.math().log(outPower.div(power)).mul(0.5);                          // q  [B]
        SDVariable excess = sd.nn().relu(sd.math().abs(logRatio).sub(Math.log(InvalidBound.Relative.LEVEL_FACTOR)), 0);
        SDVariable mean = audio.mean(1, 2);                                                         // [B]
        SDVariable guard = excess.mul(excess).add(mean.mul(mean).div(power));
        return wave.add(spectral).add(guard);
    }
}
