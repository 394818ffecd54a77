package org.lockey.train;

import org.lockey.nn.Functional;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Paper §III-C, the key verification loss: cross-entropy of the verification head's logits
 * {@code [B, 2]} against class 0 for a valid key and class 1 for an invalid one. It trains the
 * verifier and, through it, the key encoder and embedding (docs/lockey.md, Decisions: no detach).
 */
public final class VerificationLoss {
    private VerificationLoss() {
    }

    /**
     * Per-example cross-entropy {@code [B]}.
     *
     * @param logits {@code [B, 2]}
     * @param valid  {@code [B]} 1 for a valid key, 0 for an invalid one (any numeric type)
     */
    public static SDVariable perExample(SameDiff sd, SDVariable logits, SDVariable valid) {
        SDVariable logp = Functional.logSoftmax(sd, logits, 1);                                   // [B, 2]
        SDVariable v = valid.castTo(logits.dataType());
        SDVariable logpValid = sd.slice(logp, new int[] {0, 0}, -1, 1).reshape(-1);        // log p(class 0)
        SDVariable logpInvalid = sd.slice(logp, new int[] {0, 1}, -1, 1).reshape(-1);      // log p(class 1)
        return v.mul(logpValid).add(v.rsub(1.0).mul(logpInvalid)).neg();                  // [B]
    }
}
