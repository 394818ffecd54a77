package org.lockey.model.hifigan;

import java.util.List;
import java.util.function.UnaryOperator;

import org.lockey.LockeyException;
import org.lockey.nn.Bias;
import org.lockey.nn.Conv1d;
import org.lockey.nn.ConvTranspose1d;
import org.lockey.nn.Scope;
import org.lockey.nn.WeightParam;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The HiFi-GAN generator G (upstream {@code models.Generator}, jik876/hifi-gan {@code models.py}):
 * a mel spectrogram {@code [B, 80, T]} to a waveform {@code [B, 1, T * prod(upsample_rates)]} in (-1, 1).
 *
 * <p>Kong, Kim &amp; Bae, "HiFi-GAN" (NeurIPS 2020), §2.1 and Fig. 1: {@code conv_pre}, then per
 * upsample stage i a leaky ReLU, the transposed conv {@code ups.i} (stride u_i) and the
 * multi-receptive-field fusion (MRF): the <em>average</em> of the {@code num_kernels} residual blocks
 * {@code resblocks[i * num_kernels + j]} applied to the same input; finally leaky ReLU,
 * {@code conv_post} and tanh. All convolutions are weight-normed ({@code weight_g} / {@code weight_v}).
 *
 * <p>Upstream quirks reproduced on purpose (see the constants): the final leaky ReLU uses PyTorch's
 * default slope 0.01, not 0.1; {@code conv_pre} always takes 80 channels whatever {@code num_mels}
 * says; the MRF divides the sum of its branches by their number.
 *
 * <p>Immutable; holds only the config. {@link #build} adds the variables, named by the upstream
 * {@code state_dict} keys, under the given {@link Scope}.
 *
 * @param config the hyper-parameters ({@code num_mels} must be {@link #CONV_PRE_IN_CHANNELS})
 */
public record Generator(HifiGanConfig config) {

    /** Slope of every leaky ReLU inside the generator and its residual blocks (upstream {@code LRELU_SLOPE}). */
    public static final double LRELU_SLOPE = 0.1;

    /**
     * Slope of the leaky ReLU before {@code conv_post}: upstream calls {@code F.leaky_relu(x)} without
     * a slope there, so PyTorch's default 0.01 applies (the paper does not mention it; checkpoints
     * were trained with it).
     */
    public static final double FINAL_LRELU_SLOPE = 0.01;

    /**
     * Input channels of {@code conv_pre}: upstream writes {@code Conv1d(80, ...)} literally instead of
     * {@code h.num_mels}, so every upstream checkpoint has {@code conv_pre.weight_v [C0, 80, 7]} and a
     * config with another {@code num_mels} cannot run upstream; it is rejected here for the same reason.
     */
    public static final int CONV_PRE_IN_CHANNELS = 80;

    /** Kernel of {@code conv_pre} and {@code conv_post} (both padding 3: the length is kept). */
    public static final int PRE_POST_KERNEL = 7;

    public Generator {
        if (config.numMels() != CONV_PRE_IN_CHANNELS) {
            throw new LockeyException("'num_mels' is " + config.numMels() + " but the upstream generator's conv_pre"
                    + " always takes " + CONV_PRE_IN_CHANNELS + " channels (models.py hardcodes Conv1d(80, ...))");
        }
    }

    /** Builds G: mel [B, 80, T] -> audio [B, 1, T * prod(upsample_rates)]. */
    public SDVariable build(Scope scope, SDVariable mel) {
        return build(scope, mel, 0, UnaryOperator.identity());
    }

    /**
     * Builds G with a hook on the output of one upsample layer: {@code afterUpsample} receives the
     * output of {@code ups.injectionStage} ({@code [B, C, T_s]}, C = {@link #channelsAfterUpsample})
     * and its result feeds that stage's residual blocks. LOCKEY's keyed generator uses it to add the
     * key vector broadcast over time after {@code ups.0} ({@code x + key_vector[:, :, None]}).
     *
     * @param scope          the model root (keys {@code conv_pre.*}, {@code ups.*}, {@code resblocks.*}, {@code conv_post.*})
     * @param mel            [B, 80, T]
     * @param injectionStage the upsample stage whose output the hook sees, 0 .. numUpsamples-1
     * @param afterUpsample  maps [B, C, T_s] to [B, C, T_s]
     * @return audio [B, 1, T * prod(upsample_rates)]
     */
    public SDVariable build(Scope scope, SDVariable mel, int injectionStage, UnaryOperator<SDVariable> afterUpsample) {
        if (injectionStage < 0 || injectionStage >= config.numUpsamples()) {
            throw new IllegalArgumentException("injection stage " + injectionStage + " outside 0.."
                    + (config.numUpsamples() - 1));
        }
        var sd = scope.sd();
        int c0 = config.upsampleInitialChannel();
        int nk = config.numKernels();
        SDVariable x = conv(CONV_PRE_IN_CHANNELS, c0).build(scope.child("conv_pre"), mel);   // [B, C0, T]
        for (int i = 0; i < config.numUpsamples(); i++) {
            int u = config.upsampleRates().get(i);
            int k = config.upsampleKernelSizes().get(i);
            int cin = c0 >> i;
            int cout = c0 >> (i + 1);
            x = sd.nn().leakyRelu(x, LRELU_SLOPE);
            // padding (k-u)/2 trims the transposed conv's (T-1)u + k samples to exactly T*u.
            x = new ConvTranspose1d(cin, cout, k, u, (k - u) / 2, Bias.ON, WeightParam.WEIGHT_NORM)
                    .build(scope.child("ups").child(i), x);                                   // [B, C0/2^(i+1), T*u_0..u_i]
            if (i == injectionStage) {
                x = afterUpsample.apply(x);
            }
            SDVariable xs = null;
            for (int j = 0; j < nk; j++) {
                SDVariable r = resBlock(cout, j).build(scope.child("resblocks").child(i * nk + j), x);
                xs = xs == null ? r : xs.add(r);
            }
            // MRF: the average of the branches (upstream xs / num_kernels), not their sum.
            x = xs.div((double) nk);                                                           // [B, C_i, T_i]
        }
        x = sd.nn().leakyRelu(x, FINAL_LRELU_SLOPE);
        x = conv(config.channelsAfterStage(config.numUpsamples() - 1), 1).build(scope.child("conv_post"), x); // [B, 1, T*H]
        return sd.math().tanh(x);
    }

    /** Channels of the output of {@code ups.stage}: {@code upsample_initial_channel / 2^(stage+1)}. */
    public int channelsAfterUpsample(int stage) {
        return config.channelsAfterStage(stage);
    }

    /** Output samples for {@code frames} mel frames. */
    public long outputLength(long frames) {
        return frames * config.samplesPerFrame();
    }

    /**
     * The MRF branch j of a stage with {@code channels} channels; only the dilations upstream uses
     * (the first 3 for ResBlock1, 2 for ResBlock2).
     */
    ResBlock resBlock(int channels, int j) {
        int k = config.resblockKernelSizes().get(j);
        List<Integer> d = config.resblockDilationSizes().get(j).subList(0, config.resblock().dilationsUsed());
        return switch (config.resblock()) {
            case ONE -> new ResBlock1(channels, k, d);
            case TWO -> new ResBlock2(channels, k, d);
        };
    }

    private static Conv1d conv(int in, int out) {
        return new Conv1d(in, out, PRE_POST_KERNEL, 1, (PRE_POST_KERNEL - 1) / 2, 1, Bias.ON, WeightParam.WEIGHT_NORM);
    }

    /**
     * How many mel frames on each side of frame f can influence an output sample of frame f (the
     * samples f*H .. f*H + H - 1): the exact dependency interval, propagated back through
     * {@code conv_post}, each stage's MRF (the widest branch), each transposed conv and
     * {@code conv_pre}. Chunked vocoding needs at least this much context to be exact.
     */
    public ReceptiveField receptiveField() {
        int h = config.samplesPerFrame();
        int left = 0;
        int right = 0;
        int half = (PRE_POST_KERNEL - 1) / 2;
        for (int n = 0; n < h; n++) {
            long a = n - half;                                   // conv_post, at the output rate
            long b = n + half;
            for (int i = config.numUpsamples() - 1; i >= 0; i--) {
                int mrf = 0;
                for (int j = 0; j < config.numKernels(); j++) {
                    mrf = Math.max(mrf, resBlock(1, j).halfWidth());
                }
                a -= mrf;
                b += mrf;
                int u = config.upsampleRates().get(i);
                int k = config.upsampleKernelSizes().get(i);
                int p = (k - u) / 2;
                // ups.i: out[n] = sum over (m, j) with m*u + j - p = n, 0 <= j < k.
                a = -Math.floorDiv(-(a + p - (k - 1)), u);       // ceil
                b = Math.floorDiv(b + p, u);
            }
            a -= half;                                           // conv_pre, at the frame rate
            b += half;
            left = (int) Math.max(left, -a);
            right = (int) Math.max(right, b);
        }
        return new ReceptiveField(left, right);
    }

    /**
     * Mel frames before and after a frame that its output samples depend on.
     *
     * @param left  frames before
     * @param right frames after
     */
    public record ReceptiveField(int left, int right) {
        /** The larger side: the context chunked vocoding needs on both sides. */
        public int max() {
            return Math.max(left, right);
        }
    }
}
