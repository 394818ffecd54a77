package org.lockey.model.silentcipher;

import org.lockey.nn.BatchNorm2d;
import org.lockey.nn.GatedConv2d;
import org.lockey.nn.Init;
import org.lockey.nn.Layouts;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The carrier encoder {@code enc_c} (upstream {@code silentcipher.model.Encoder}, checkpoint
 * {@code enc_c.ckpt}): the feature extractor E of the SilentCipher paper (Sec. 3.1, Fig. 1) and the
 * message embedding layer used before the carrier decoder.
 *
 * <ul>
 * <li>{@link #encode}: {@code main.0} gated block 1 -> w (3x3, pad 1), {@code main.1 .. main.(n-1)}
 * w -> w: carrier magnitude [B, 1, F, T] -> E(C) [B, w, F, T], w the config's carrier width
 * (upstream {@value SilentCipherConfig#UPSTREAM_CARRIER_WIDTH}: server.py's {@code encoder_out_dim}
 * and model.py's hidden width).</li>
 * <li>{@link #transformMessage}: {@code linear} (message_dim -> message_band_size) applied to every
 * frame's one-hot, then zeros up to F bins: M [B, 1, message_dim, T] -> Me [B, 1, F, T].</li>
 * </ul>
 * Keys under {@code enc_c.}: {@code main.i.{conv,gate,bn}.*}, {@code linear.weight}
 * [band, message_dim], {@code linear.bias} [band].
 */
public final class CarrierEncoder {
    /** Scope name and checkpoint prefix. */
    public static final String PREFIX = "enc_c";

    private final SilentCipherConfig config;
    private final BatchNorm2d.Mode bnMode;

    public CarrierEncoder(SilentCipherConfig config, BatchNorm2d.Mode bnMode) {
        this.config = config;
        this.bnMode = bnMode;
    }

    /** E(C): carrier [B, 1, F, T] -> [B, w, F, T] (w = the config's carrier width, upstream 32). {@code scope} is the {@code enc_c} scope. */
    public SDVariable encode(Scope scope, SDVariable carrier) {
        Scope main = scope.child("main");
        int n = config.encNLayers();
        int w = config.carrierWidth(); // hidden = output channels; upstream 32
        SDVariable h = GatedConv2d.of(1, w, 3, 1, bnMode).build(main.child(0), carrier);
        for (int i = 1; i < n - 1; i++) {
            h = GatedConv2d.of(w, w, 3, 1, bnMode).build(main.child(i), h); // [B, w, F, T]
        }
        return GatedConv2d.of(w, w, 3, 1, bnMode).build(main.child(n - 1), h); // [B, w, F, T]
    }

    /**
     * Me = pad_F(linear(M)): one-hot message [B, 1, message_dim, T] -> [B, 1, F, T], bins at and
     * above message_band_size zero. {@code scope} is the {@code enc_c} scope.
     */
    public SDVariable transformMessage(Scope scope, SDVariable message) {
        int dim = config.messageDim();
        int band = config.messageBandSize();
        int bins = config.bins();
        Init init = Init.torchDefault(dim);
        SDVariable w = scope.param("linear.weight", init, band, dim); // [band, dim]
        SDVariable b = scope.param("linear.bias", init, band); // [band]
        // Padding the weight and bias with zero rows instead of the output gives the same Me
        // (the padded bins are exactly 0) and keeps every shape static except B and T.
        if (band < bins) {
            w = scope.sd().concat(0, w, scope.constant("linear_weight_pad", Nd4j.zeros(bins - band, dim)));
            b = scope.sd().concat(0, b, scope.constant("linear_bias_pad", Nd4j.zeros(bins - band)));
        }
        // The linear map over the class axis is a 1x1 convolution with the classes as channels.
        SDVariable classesAsChannels = message.permute(0, 2, 1, 3); // [B, dim, 1, T]
        SDVariable kernel = Layouts.conv2d(w.reshape(bins, dim, 1, 1)); // [1, 1, dim, F]
        SDVariable me = scope.sd().cnn().conv2d(classesAsChannels, kernel, b, oneByOne()); // [B, F, 1, T]
        return me.permute(0, 2, 1, 3); // [B, 1, F, T]
    }

    static Conv2DConfig oneByOne() {
        return Conv2DConfig.builder().kH(1).kW(1).sH(1).sW(1).pH(0).pW(0).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW).weightsFormat(WeightsFormat.YXIO)
                .build();
    }
}
