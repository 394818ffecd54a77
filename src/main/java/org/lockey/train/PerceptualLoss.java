package org.lockey.train;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Paper Eq. 2 (first term), the perceptual loss for valid keys: the MSE between the generated
 * audio G(x, k) and the frozen teacher's watermarked output y_t, the mean over each example's
 * samples (docs/lockey.md, "Decisions and why"). The same per-example MSE feeds {@link InvalidKeyLoss}.
 */
public final class PerceptualLoss {
    private PerceptualLoss() {
    }

    /** Per-example mean square plus {@link InvalidBound.Relative#POWER_EPS} {@code [B]} of {@code y [B, 1, N]}. */
    public static SDVariable power(SDVariable y) {
        return y.mul(y).mean(1, 2).add(InvalidBound.Relative.POWER_EPS);
    }

    /** Per-example MSE {@code [B]} of audio and teacher {@code [B, 1, N]} (or {@code [B, N]}). */
    public static SDVariable perExample(SDVariable audio, SDVariable teacher) {
        SDVariable d = audio.sub(teacher);
        SDVariable sq = d.mul(d);
        int rank = audio.getShape() == null ? 3 : audio.getShape().length;
        return rank == 3 ? sq.mean(1, 2) : sq.mean(1);
    }
}
