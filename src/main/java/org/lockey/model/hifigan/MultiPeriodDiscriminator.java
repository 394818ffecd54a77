package org.lockey.model.hifigan;

import java.util.ArrayList;
import java.util.List;

import org.lockey.nn.Scope;
import org.lockey.nn.NormedWeight;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The multi-period discriminator MPD (upstream {@code models.MultiPeriodDiscriminator}, jik876/hifi-gan
 * {@code models.py}): five {@link DiscriminatorP} with periods 2, 3, 5, 7, 11 (primes, so that the
 * sub-discriminators overlap as little as possible), all weight-normed. Kong, Kim &amp; Bae,
 * "HiFi-GAN" (NeurIPS 2020), §2.2.
 *
 * <p>Keys under the scope (upstream checkpoints {@code do_XXXXXXXX} hold them in their {@code 'mpd'}
 * dict): {@code discriminators.{0-4}.convs.{0-4}.{weight_g, weight_v, bias}} and
 * {@code discriminators.{0-4}.conv_post.{weight_g, weight_v, bias}}; 41,105,770 values in all.
 */
public final class MultiPeriodDiscriminator {
    /** The periods of {@code discriminators.0-4}. */
    public static final List<Integer> PERIODS = List.of(2, 3, 5, 7, 11);

    private final int channelDivisor;

    /** Upstream's MPD. */
    public MultiPeriodDiscriminator() {
        this(1);
    }

    /**
     * MPD with every hidden width divided by {@code channelDivisor} (1 = upstream; larger values are
     * not upstream, for tests and small runs).
     */
    public MultiPeriodDiscriminator(int channelDivisor) {
        new DiscriminatorP(PERIODS.get(0), false, channelDivisor); // validates the divisor
        this.channelDivisor = channelDivisor;
    }

    /**
     * Builds MPD on a real batch y and a generated batch y_hat (both {@code [B, 1, length]}),
     * upstream {@code forward(y, y_hat)}: every sub-discriminator judges y first, then y_hat.
     */
    public DiscriminatorOutputs build(Scope scope, SDVariable y, SDVariable yHat, int length) {
        List<SDVariable> rs = new ArrayList<>();
        List<SDVariable> gs = new ArrayList<>();
        List<List<SDVariable>> frs = new ArrayList<>();
        List<List<SDVariable>> fgs = new ArrayList<>();
        List<NormedWeight> weights = new ArrayList<>();
        for (int i = 0; i < PERIODS.size(); i++) {
            Forwards f = new DiscriminatorP(PERIODS.get(i), false, channelDivisor).build(scope.child("discriminators").child(i),
                    List.of(y, yHat), length);
            rs.add(f.outputs().get(0).score());
            gs.add(f.outputs().get(1).score());
            frs.add(f.outputs().get(0).featureMaps());
            fgs.add(f.outputs().get(1).featureMaps());
            weights.addAll(f.weights());
        }
        return new DiscriminatorOutputs(rs, gs, frs, fgs, weights);
    }
}
