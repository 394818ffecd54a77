package org.lockey.train;

import java.util.List;

import org.lockey.nn.Reduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * HiFi-GAN's feature-matching loss, Kong, Kim &amp; Bae, "HiFi-GAN" (NeurIPS 2020), Eq. 3 with the
 * weight lambda_fm = 2 of Eq. 5; upstream {@code models.feature_loss} (jik876/hifi-gan), which folds the
 * 2 into the function:
 * <pre>
 *   2 * sum_k sum_i  mean(|D_k^i(x) - D_k^i(G(s))|)
 * </pre>
 * over every sub-discriminator k and every feature map i (the activations after each layer and the
 * final output); {@code mean} over all elements of the map (the paper's 1/N_i L1 norm), accumulated in
 * double ({@link Reduce}). The real maps are targets: upstream does not detach them, but no generator
 * parameter reaches them, so only the generated side carries gradient to G.
 */
public final class FeatureMatchingLoss {
    /** lambda_fm (Eq. 5), upstream's {@code loss*2}. */
    public static final double WEIGHT = 2.0;

    private FeatureMatchingLoss() {
    }

    /** The weighted loss (a scalar). */
    public static SDVariable of(SameDiff sd, List<List<SDVariable>> realMaps, List<List<SDVariable>> generatedMaps) {
        if (realMaps.size() != generatedMaps.size() || realMaps.isEmpty()) {
            throw new IllegalArgumentException("need real and generated feature maps for every sub-discriminator");
        }
        SDVariable loss = null;
        for (int k = 0; k < realMaps.size(); k++) {
            List<SDVariable> r = realMaps.get(k);
            List<SDVariable> g = generatedMaps.get(k);
            if (r.size() != g.size()) {
                throw new IllegalArgumentException("sub-discriminator " + k + ": " + r.size() + " real and " + g.size()
                        + " generated feature maps");
            }
            for (int i = 0; i < r.size(); i++) {
                SDVariable l = Reduce.mean(sd.math().abs(r.get(i).sub(g.get(i))), false);
                loss = loss == null ? l : loss.add(l);
            }
        }
        return loss.mul(WEIGHT);
    }
}
