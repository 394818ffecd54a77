package org.lockey.train;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Ours (docs/lockey.md, "Shaping the key vector"): a term on E_k's output {@code v [B, C]} that makes its size
 * say whether the key is valid, per example
 * <pre>
 *   valid:   mean_c(v^2)                      (the vector vanishes: a valid key leaves the generator alone)
 *   invalid: relu(1 - mean_c(v^2))            (the vector is at least of unit RMS: it has something to perturb with)
 * </pre>
 * Why: the keyed generator adds {@code gate * v} to its activations. With the verification CE alone, v differs
 * between valid and invalid keys only along the verifier's direction, and every other component of v perturbs
 * valid-key audio as much as invalid-key audio, so the generator's losses pull the gate towards 0 for the
 * valid keys while they push it open for the invalid ones. With this term the gate can open without touching
 * valid-key audio, and the invalid-key push acts on a vector that only invalid keys carry.
 */
public final class KeyShapeLoss {
    /** The mean square an invalid key's vector is pushed up to. */
    public static final double INVALID_MEAN_SQUARE = 1.0;

    private KeyShapeLoss() {
    }

    /**
     * Per-example term {@code [B]}.
     *
     * @param vector E_k's output {@code [B, C]}
     * @param valid  {@code [B]} 1 valid, 0 invalid (INT64)
     */
    public static SDVariable perExample(SameDiff sd, SDVariable vector, SDVariable valid) {
        SDVariable meanSquare = vector.mul(vector).mean(1);                                       // [B]
        SDVariable v = valid.castTo(vector.dataType());
        SDVariable shortfall = sd.nn().relu(meanSquare.rsub(INVALID_MEAN_SQUARE), 0);
        return v.mul(meanSquare).add(v.rsub(1.0).mul(shortfall));
    }
}
