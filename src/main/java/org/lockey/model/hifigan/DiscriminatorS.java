package org.lockey.model.hifigan;

import java.util.ArrayList;
import java.util.List;

import org.lockey.nn.Scope;
import org.lockey.nn.NormedWeight;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A sub-discriminator of the multi-scale discriminator (upstream {@code models.DiscriminatorS},
 * jik876/hifi-gan {@code models.py}; MelGAN's discriminator block). Kong, Kim &amp; Bae, "HiFi-GAN"
 * (NeurIPS 2020), §2.3 and Fig. 2 (a).
 *
 * <p>Audio {@code [B, 1, T]} -> seven Conv1d, each followed by leaky ReLU 0.1 ({@code convs.0-6},
 * table {@link #LAYERS}: strides 1, 2, 2, 4, 4, 1, 1 give {@code T/64} steps at the end, roughly) ->
 * {@code conv_post} Conv1d 1024 -> 1, k 3, padding 1, no activation -> flattened score
 * {@code [B, T_post]}. Five of the convs are grouped (4 or 16 groups), computed with
 * {@link org.lockey.nn.Functional#groupedConv1d}. Feature maps: the seven activations and conv_post's
 * output.
 *
 * @param spectralNorm   spectral instead of weight normalisation (upstream {@code use_spectral_norm};
 *                       MSD sets it for its first, raw-audio sub-discriminator only)
 * @param channelDivisor 1 for upstream; d divides every hidden width (128/d ... 1024/d, groups kept;
 *                       not upstream, for tests and small runs)
 */
public record DiscriminatorS(boolean spectralNorm, int channelDivisor) {

    /**
     * One Conv1d of {@code convs}.
     *
     * @param in      input channels
     * @param out     output channels
     * @param kernel  kernel size
     * @param stride  stride
     * @param groups  groups
     * @param padding zeros on each side
     */
    record Layer(int in, int out, int kernel, int stride, int groups, int padding) {
    }

    /** {@code convs.0-6} as upstream {@code models.py} lists them. */
    static final List<Layer> LAYERS = List.of(
            new Layer(1, 128, 15, 1, 1, 7),
            new Layer(128, 128, 41, 2, 4, 20),
            new Layer(128, 256, 41, 2, 16, 20),
            new Layer(256, 512, 41, 4, 16, 20),
            new Layer(512, 1024, 41, 4, 16, 20),
            new Layer(1024, 1024, 41, 1, 16, 20),
            new Layer(1024, 1024, 5, 1, 1, 2));

    /** {@code conv_post}: Conv1d 1024 -> 1, k 3, padding 1. */
    static final Layer POST = new Layer(1024, 1, 3, 1, 1, 1);

    public DiscriminatorS {
        if (channelDivisor < 1) {
            throw new IllegalArgumentException("channel divisor must be positive, got " + channelDivisor);
        }
        for (Layer l : LAYERS) {
            if (l.in() > 1 && (l.in() % channelDivisor != 0 || (l.in() / channelDivisor) % l.groups() != 0)) {
                throw new IllegalArgumentException("channel divisor " + channelDivisor + " leaves " + l.in()
                        + " channels not divisible into " + l.groups() + " groups");
            }
        }
    }

    /** An upstream-sized sub-discriminator. */
    public static DiscriminatorS of(boolean spectralNorm) {
        return new DiscriminatorS(spectralNorm, 1);
    }

    /** A layer with its hidden widths divided by the channel divisor (the audio input and score keep 1). */
    private Layer scaled(Layer l) {
        int in = l.in() == 1 ? 1 : l.in() / channelDivisor;
        int out = l.out() == 1 ? 1 : l.out() / channelDivisor;
        return new Layer(in, out, l.kernel(), l.stride(), l.groups(), l.padding());
    }

    /**
     * Adds the parameters under {@code scope} once and runs every input through them (in order; with
     * spectral norm each input is one training forward).
     *
     * @param inputs audio batches {@code [B, 1, length]}
     * @param length T (static)
     */
    public Forwards build(Scope scope, List<SDVariable> inputs, int length) {
        DiscriminatorConv.Norm norm = spectralNorm ? DiscriminatorConv.Norm.SPECTRAL : DiscriminatorConv.Norm.WEIGHT;
        List<DiscriminatorConv> convs = new ArrayList<>();
        for (int i = 0; i < LAYERS.size(); i++) {
            Layer l = scaled(LAYERS.get(i));
            convs.add(DiscriminatorConv.conv1d(scope.child("convs").child(i), norm, l.in(), l.out(), l.kernel(),
                    l.stride(), l.groups(), l.padding()));
        }
        Layer lp = scaled(POST);
        DiscriminatorConv post = DiscriminatorConv.conv1d(scope.child("conv_post"), norm, lp.in(), lp.out(),
                lp.kernel(), lp.stride(), lp.groups(), lp.padding());
        var sd = scope.sd();
        List<DiscriminatorOutput> outs = new ArrayList<>();
        for (SDVariable y : inputs) {
            SDVariable x = y;                                                                // [B, 1, T]
            List<SDVariable> fmap = new ArrayList<>();
            int t = length;
            for (DiscriminatorConv c : convs) {
                x = sd.nn().leakyRelu(c.apply(x, t), Generator.LRELU_SLOPE);                 // [B, C_i, T_i]
                t = c.outputLength(t);
                fmap.add(x);
            }
            x = post.apply(x, t);                                                            // [B, 1, T_post]
            fmap.add(x);
            outs.add(new DiscriminatorOutput(sd.reshape(x, -1, post.outputLength(t)), fmap)); // [B, T_post]
        }
        List<NormedWeight> weights = new ArrayList<>();
        convs.forEach(c -> weights.add(c.weight()));
        weights.add(post.weight());
        return new Forwards(outs, weights);
    }
}
