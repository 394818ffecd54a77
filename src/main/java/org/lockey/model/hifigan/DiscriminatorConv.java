package org.lockey.model.hifigan;

import org.lockey.nn.Functional;
import org.lockey.nn.Init;
import org.lockey.nn.NormedWeight;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * One convolution of a HiFi-GAN discriminator: upstream's {@code norm_f(Conv1d(...))} or
 * {@code norm_f(Conv2d(..., (k, 1), (s, 1), padding=(p, 0)))} with {@code norm_f} either
 * {@code weight_norm} or {@code spectral_norm} ({@code models.py}, {@code DiscriminatorP},
 * {@code DiscriminatorS}). Its parameters are created once and it can be applied to several inputs
 * (upstream calls each sub-discriminator on the real and on the generated audio); with spectral norm
 * every application is one training forward with its own power-iteration state. The
 * reparametrisation runs outside the graph ({@link NormedWeight}): the graph convolves with the
 * effective weight.
 *
 * <p>Keys under its scope: {@code weight_g} {@code [out, 1, 1(, 1)]}, {@code weight_v} and
 * {@code bias} (weight norm) or {@code weight_orig}, {@code weight_u}, {@code weight_v} and
 * {@code bias} (spectral norm). Weights keep the PyTorch layout: Conv1d {@code [out, in/groups, k]},
 * Conv2d {@code [out, in, k, 1]}. Without a checkpoint, weight and bias follow PyTorch's default
 * initialisation (U(+-1/sqrt(fan_in)), fan_in = in/groups * k): upstream applies no
 * {@code init_weights} to the discriminators.
 */
final class DiscriminatorConv {
    /** Which reparametrisation wraps the conv ({@code use_spectral_norm} upstream). */
    enum Norm {
        /** {@code torch.nn.utils.weight_norm} (dim 0). */
        WEIGHT,
        /** {@code torch.nn.utils.spectral_norm} (one power iteration per training forward). */
        SPECTRAL
    }

    private final Scope scope;
    private final boolean twoD;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int groups;
    private final int in;
    private final int out;
    private final NormedWeight weight;
    private final SDVariable bias;

    private DiscriminatorConv(Scope scope, Norm norm, boolean twoD, int in, int out, int kernel, int stride, int padding,
            int groups) {
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("groups " + groups + " must divide " + in + " and " + out);
        }
        this.scope = scope;
        this.twoD = twoD;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.groups = groups;
        this.in = in;
        this.out = out;
        long[] shape = twoD ? new long[] {out, in, kernel, 1} : new long[] {out, in / groups, kernel};
        Init init = Init.torchDefault((long) (in / groups) * kernel);
        // Graph layout: what the conv op takes directly (the grouped conv reshapes PyTorch's layout itself).
        NormedWeight.Layout layout = twoD ? NormedWeight.Layout.CONV2D : groups == 1 ? NormedWeight.Layout.CONV1D
                : NormedWeight.Layout.TORCH;
        this.weight = norm == Norm.WEIGHT ? NormedWeight.weightNorm(scope, init, layout, shape)
                : NormedWeight.spectralNorm(scope, init, layout, shape);
        this.bias = scope.param("bias", init, out);
    }

    /** {@code norm_f(Conv1d(in, out, kernel, stride, groups=groups, padding=padding))}. */
    static DiscriminatorConv conv1d(Scope scope, Norm norm, int in, int out, int kernel, int stride, int groups,
            int padding) {
        return new DiscriminatorConv(scope, norm, false, in, out, kernel, stride, padding, groups);
    }

    /** {@code norm_f(Conv2d(in, out, (kernel, 1), (stride, 1), padding=(padding, 0)))}. */
    static DiscriminatorConv conv2d(Scope scope, Norm norm, int in, int out, int kernel, int stride, int padding) {
        return new DiscriminatorConv(scope, norm, true, in, out, kernel, stride, padding, 1);
    }

    /** Output length (T' or H') for input length {@code length}. */
    int outputLength(int length) {
        return (length + 2 * padding - kernel) / stride + 1;
    }

    /** The reparametrised weight (its masters, passes and chain rule). */
    NormedWeight weight() {
        return weight;
    }

    /**
     * One forward of the conv: {@code [B, in, T] -> [B, out, T']} (Conv1d) or
     * {@code [B, in, H, P] -> [B, out, H', P]} (Conv2d, kernel and stride act on H only).
     *
     * @param length T or H (static)
     */
    SDVariable apply(SDVariable x, int length) {
        SDVariable w = weight.forPass();
        var sd = scope.sd();
        if (twoD) {
            Conv2DConfig cfg = Conv2DConfig.builder()
                    .kH(kernel).kW(1).sH(stride).sW(1).pH(padding).pW(0).dH(1).dW(1)
                    .paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW).weightsFormat(WeightsFormat.YXIO)
                    .build();
            return sd.cnn().conv2d(x, w, bias, cfg);                                         // w [kH, 1, in, out]
        }
        if (groups > 1) {
            return Functional.groupedConv1d(sd, x, length, w, bias, in, out, kernel, groups, stride, padding);
        }
        Conv1DConfig cfg = Conv1DConfig.builder().k(kernel).s(stride).p(padding).d(1)
                .dataFormat(Conv1DConfig.NCW).paddingMode(PaddingMode.VALID).build();
        return sd.cnn().conv1d(x, w, bias, cfg);                                             // w [k, in, out]
    }
}
