package org.lockey.model.hifigan;

import java.util.List;

import org.lockey.nn.NormedWeight;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * What {@link MultiPeriodDiscriminator} and {@link MultiScaleDiscriminator} return for a real batch y
 * and a generated batch y_hat: upstream's {@code (y_d_rs, y_d_gs, fmap_rs, fmap_gs)}, one entry per
 * sub-discriminator, plus the reparametrised conv weights, whose effective values the caller refreshes
 * before a run and whose gradients it maps back to the state-dict parameters ({@link NormedWeight}).
 *
 * @param realScores           D_k(y) {@code [B, N_k]}
 * @param generatedScores      D_k(y_hat)
 * @param realFeatureMaps      D_k^i(y), per sub-discriminator, per layer
 * @param generatedFeatureMaps D_k^i(y_hat)
 * @param weights              every conv weight, sub-discriminator by sub-discriminator, layer order
 */
public record DiscriminatorOutputs(List<SDVariable> realScores, List<SDVariable> generatedScores,
        List<List<SDVariable>> realFeatureMaps, List<List<SDVariable>> generatedFeatureMaps,
        List<NormedWeight> weights) {
    public DiscriminatorOutputs {
        realScores = List.copyOf(realScores);
        generatedScores = List.copyOf(generatedScores);
        realFeatureMaps = List.copyOf(realFeatureMaps);
        generatedFeatureMaps = List.copyOf(generatedFeatureMaps);
        weights = List.copyOf(weights);
    }
}
