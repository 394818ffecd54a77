package org.lockey.model.hifigan;

import java.util.ArrayList;
import java.util.List;

import org.lockey.nn.Scope;
import org.lockey.nn.NormedWeight;
import org.lockey.nn.StftGraph;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A sub-discriminator of the multi-period discriminator (upstream {@code models.DiscriminatorP},
 * jik876/hifi-gan {@code models.py}): it looks at every p-th sample only. Kong, Kim &amp; Bae,
 * "HiFi-GAN" (NeurIPS 2020), §2.2 and Fig. 2 (b).
 *
 * <p>Shapes for audio {@code [B, 1, T]}: reflect-pad at the end to a multiple of p (only when
 * {@code T % p != 0}: {@code p - T % p} samples) -> view {@code [B, 1, T'/p, p]} (sample n lands in
 * row n / p, column n % p) -> four Conv2d with kernel (5, 1), stride (3, 1), padding (2, 0), channels
 * 1 -> 32 -> 128 -> 512 -> 1024 ({@code convs.0-3}) -> Conv2d 1024 -> 1024, kernel (5, 1), stride 1,
 * padding (2, 0) ({@code convs.4}), each followed by leaky ReLU 0.1 -> {@code conv_post} Conv2d
 * 1024 -> 1, kernel (3, 1), padding (1, 0), no activation -> flattened score {@code [B, H * p]}. The
 * kernel never mixes columns, so each column (one phase of the period) is judged separately with
 * shared weights. Feature maps: the six activations (five after leaky ReLU, then conv_post's output).
 *
 * <p>Upstream writes the padding of the first four convs as {@code get_padding(5, 1)} = 2 whatever
 * {@code kernel_size} is; with the default kernel 5 (the only one MPD uses) it is the "same" padding.
 * All convs are weight-normed unless {@code spectralNorm} (upstream's {@code use_spectral_norm},
 * which MPD never sets).
 *
 * @param period         p
 * @param spectralNorm   spectral instead of weight normalisation
 * @param channelDivisor 1 for upstream; d divides every hidden width (32/d ... 1024/d; not upstream,
 *                       for tests and small runs)
 */
public record DiscriminatorP(int period, boolean spectralNorm, int channelDivisor) {
    /** Kernel height of {@code convs.0-4} (upstream default {@code kernel_size=5}). */
    public static final int KERNEL_SIZE = 5;
    /** Stride of {@code convs.0-3} along H (upstream default {@code stride=3}). */
    public static final int STRIDE = 3;
    /** Padding along H of {@code convs.0-4}: upstream {@code get_padding(5, 1)} and the literal 2. */
    public static final int PADDING = 2;
    /** Channels: input 1, then the outputs of {@code convs.0-4}. */
    static final int[] CHANNELS = {1, 32, 128, 512, 1024, 1024};
    /** Kernel height of {@code conv_post} (padding 1 keeps the height). */
    public static final int POST_KERNEL = 3;

    public DiscriminatorP {
        if (period < 1) {
            throw new IllegalArgumentException("period must be positive, got " + period);
        }
        if (channelDivisor < 1 || CHANNELS[1] % channelDivisor != 0) {
            throw new IllegalArgumentException("channel divisor must divide " + CHANNELS[1] + ", got " + channelDivisor);
        }
    }

    /** A weight-normed upstream-sized sub-discriminator, as MPD builds them. */
    public static DiscriminatorP of(int period) {
        return new DiscriminatorP(period, false, 1);
    }

    /** Channels after {@code convs.i} (i = 0..4), or the input's 1 for i = -1. */
    int channels(int i) {
        return i < 0 ? 1 : CHANNELS[i + 1] / channelDivisor;
    }

    /**
     * Adds the parameters under {@code scope} once and runs every input through them (in order; with
     * spectral norm each input is one training forward).
     *
     * @param inputs audio batches {@code [B, 1, length]}
     * @param length T (static)
     * @return one output per input and the reparametrised weights
     */
    public Forwards build(Scope scope, List<SDVariable> inputs, int length) {
        DiscriminatorConv.Norm norm = spectralNorm ? DiscriminatorConv.Norm.SPECTRAL : DiscriminatorConv.Norm.WEIGHT;
        List<DiscriminatorConv> convs = new ArrayList<>();
        for (int i = 0; i < CHANNELS.length - 1; i++) {
            // convs.0-3 stride 3; convs.4 stride 1.
            int s = i < CHANNELS.length - 2 ? STRIDE : 1;
            convs.add(DiscriminatorConv.conv2d(scope.child("convs").child(i), norm, channels(i - 1), channels(i),
                    KERNEL_SIZE, s, PADDING));
        }
        DiscriminatorConv post = DiscriminatorConv.conv2d(scope.child("conv_post"), norm, channels(CHANNELS.length - 2),
                1, POST_KERNEL, 1, (POST_KERNEL - 1) / 2);
        int pad = length % period == 0 ? 0 : period - length % period;
        int rows = (length + pad) / period;
        var sd = scope.sd();
        List<DiscriminatorOutput> outs = new ArrayList<>();
        for (SDVariable y : inputs) {
            SDVariable x = sd.reshape(y, -1, length);                                        // [B, T]
            if (pad > 0) {
                // Upstream F.pad(x, (0, n_pad), "reflect"); built from slices (SameDiff's REFLECT pad has a wrong gradient).
                x = StftGraph.reflectPad(x, length, 0, pad);                                 // [B, T + pad]
            }
            x = sd.reshape(x, -1, 1, rows, period);                                          // [B, 1, T'/p, p]
            List<SDVariable> fmap = new ArrayList<>();
            int h = rows;
            for (DiscriminatorConv c : convs) {
                x = sd.nn().leakyRelu(c.apply(x, h), Generator.LRELU_SLOPE);                 // [B, C_i, H_i, p]
                h = c.outputLength(h);
                fmap.add(x);
            }
            x = post.apply(x, h);                                                            // [B, 1, H, p]
            fmap.add(x);
            outs.add(new DiscriminatorOutput(sd.reshape(x, -1, (long) post.outputLength(h) * period), fmap)); // [B, H * p]
        }
        List<NormedWeight> weights = new ArrayList<>();
        convs.forEach(c -> weights.add(c.weight()));
        weights.add(post.weight());
        return new Forwards(outs, weights);
    }
}
