package org.lockey.model.hifigan;

import java.util.ArrayList;
import java.util.List;

import org.lockey.nn.Functional;
import org.lockey.nn.Scope;
import org.lockey.nn.NormedWeight;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The multi-scale discriminator MSD (upstream {@code models.MultiScaleDiscriminator}, jik876/hifi-gan
 * {@code models.py}; from MelGAN): three {@link DiscriminatorS} on the raw audio, on audio average-pooled
 * once and on audio pooled twice ({@code meanpools}: AvgPool1d(4, 2, padding=2), which counts the
 * zero padding). The first sub-discriminator is spectral-normed, the other two weight-normed. Kong,
 * Kim &amp; Bae, "HiFi-GAN" (NeurIPS 2020), §2.3.
 *
 * <p>Lengths: T, {@code T/2 + 1}, {@code (T/2 + 1)/2 + 1} (integer division).
 *
 * <p>Keys under the scope (upstream {@code do_XXXXXXXX}'s {@code 'msd'} dict):
 * {@code discriminators.0.convs.{0-6}.{weight_orig, weight_u, weight_v, bias}},
 * {@code discriminators.0.conv_post.{...}}, and {@code discriminators.{1,2}.convs.{0-6}.{weight_g,
 * weight_v, bias}}, {@code discriminators.{1,2}.conv_post.{...}}; the pools have none. 29,637,357 values
 * in all (buffers included).
 */
public final class MultiScaleDiscriminator {
    /** Sub-discriminators. */
    public static final int SCALES = 3;
    /** AvgPool1d kernel between scales. */
    public static final int POOL_KERNEL = 4;
    /** AvgPool1d stride between scales. */
    public static final int POOL_STRIDE = 2;
    /** AvgPool1d padding between scales. */
    public static final int POOL_PADDING = 2;

    private final int channelDivisor;

    /** Upstream's MSD. */
    public MultiScaleDiscriminator() {
        this(1);
    }

    /**
     * MSD with every hidden width divided by {@code channelDivisor} (1 = upstream; 2, 4 or 8 keep the
     * groups whole; not upstream, for tests and small runs).
     */
    public MultiScaleDiscriminator(int channelDivisor) {
        new DiscriminatorS(false, channelDivisor); // validates the divisor
        this.channelDivisor = channelDivisor;
    }

    /** Audio length seen by scale {@code s} for input length {@code t}. */
    public static int scaleLength(int t, int s) {
        int n = t;
        for (int i = 0; i < s; i++) {
            n = (n + 2 * POOL_PADDING - POOL_KERNEL) / POOL_STRIDE + 1;
        }
        return n;
    }

    /**
     * Builds MSD on a real batch y and a generated batch y_hat (both {@code [B, 1, length]}),
     * upstream {@code forward(y, y_hat)}: every sub-discriminator judges y first, then y_hat.
     */
    public DiscriminatorOutputs build(Scope scope, SDVariable y, SDVariable yHat, int length) {
        List<SDVariable> rs = new ArrayList<>();
        List<SDVariable> gs = new ArrayList<>();
        List<List<SDVariable>> frs = new ArrayList<>();
        List<List<SDVariable>> fgs = new ArrayList<>();
        List<NormedWeight> weights = new ArrayList<>();
        var sd = scope.sd();
        SDVariable real = y;
        SDVariable gen = yHat;
        for (int i = 0; i < SCALES; i++) {
            if (i > 0) {
                // meanpools.(i-1): the same pooling for both, before sub-discriminator i.
                real = Functional.avgPool1d(sd, scope.uniqueName("meanpools." + (i - 1) + ".real"), real,
                        POOL_KERNEL, POOL_STRIDE, POOL_PADDING);
                gen = Functional.avgPool1d(sd, scope.uniqueName("meanpools." + (i - 1) + ".generated"), gen,
                        POOL_KERNEL, POOL_STRIDE, POOL_PADDING);
            }
            Forwards f = new DiscriminatorS(i == 0, channelDivisor).build(scope.child("discriminators").child(i),
                    List.of(real, gen), scaleLength(length, i));
            rs.add(f.outputs().get(0).score());
            gs.add(f.outputs().get(1).score());
            frs.add(f.outputs().get(0).featureMaps());
            fgs.add(f.outputs().get(1).featureMaps());
            weights.addAll(f.weights());
        }
        return new DiscriminatorOutputs(rs, gs, frs, fgs, weights);
    }
}
