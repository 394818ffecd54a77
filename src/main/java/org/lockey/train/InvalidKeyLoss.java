package org.lockey.train;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Paper Eq. 3, the loss for invalid keys: {@code max(-MSE(G(x, k), y_t), -tau)}. Minimising it
 * pushes the output away from the teacher until its MSE reaches the curriculum bound tau; past it
 * the term is constant and gives no gradient, which keeps training stable (decisions.md; the bound
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
}
