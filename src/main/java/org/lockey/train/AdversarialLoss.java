package org.lockey.train;

import java.util.List;

import org.lockey.nn.Reduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * HiFi-GAN's least-squares GAN losses (Mao et al. 2017), Kong, Kim &amp; Bae, "HiFi-GAN" (NeurIPS
 * 2020), Eq. 1, summed over the sub-discriminators k as in Eq. 5 and 6; upstream
 * {@code models.discriminator_loss} and {@code models.generator_loss} (jik876/hifi-gan):
 * <pre>
 *   L_Adv(D; G) = sum_k  mean((1 - D_k(x))^2) + mean(D_k(G(s))^2)
 *   L_Adv(G; D) = sum_k  mean((1 - D_k(G(s)))^2)
 * </pre>
 * The means run over every element of a sub-discriminator's score {@code [B, N_k]} (batch and
 * positions), accumulated in double ({@link Reduce}).
 */
public final class AdversarialLoss {
    private AdversarialLoss() {
    }

    /** {@code L_Adv(D; G)}: real scores pushed to 1, generated ones to 0. */
    public static SDVariable discriminator(SameDiff sd, List<SDVariable> realScores, List<SDVariable> generatedScores) {
        if (realScores.size() != generatedScores.size() || realScores.isEmpty()) {
            throw new IllegalArgumentException("need one real and one generated score per sub-discriminator");
        }
        SDVariable loss = null;
        for (int k = 0; k < realScores.size(); k++) {
            SDVariable r = Reduce.meanSquare(realScores.get(k).rsub(1.0), false);
            SDVariable g = Reduce.meanSquare(generatedScores.get(k), false);
            loss = loss == null ? r.add(g) : loss.add(r).add(g);
        }
        return loss;
    }

    /** {@code L_Adv(G; D)}: generated scores pushed to 1. */
    public static SDVariable generator(SameDiff sd, List<SDVariable> generatedScores) {
        if (generatedScores.isEmpty()) {
            throw new IllegalArgumentException("need at least one generated score");
        }
        SDVariable loss = null;
        for (SDVariable g : generatedScores) {
            SDVariable l = Reduce.meanSquare(g.rsub(1.0), false);
            loss = loss == null ? l : loss.add(l);
        }
        return loss;
    }
}
