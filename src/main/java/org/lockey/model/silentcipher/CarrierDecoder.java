package org.lockey.model.silentcipher;

import org.lockey.nn.BatchNorm2d;
import org.lockey.nn.GatedConv2d;
import org.lockey.nn.Reduce;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The carrier decoder {@code dec_c} (upstream {@code silentcipher.model.CarrierDecoder}, checkpoint
 * {@code dec_c.ckpt}): maps the merged encodings to the watermark's magnitude pattern, scaled so
 * that the spectral change has the requested SDR (SilentCipher paper Sec. 3.2, Eq. 2-3).
 *
 * <p>Forward (input H = cat(E(C), C x w, Me x w) = [B, 3w, F, T]; upstream w = 32, 3w = 96, which the
 * channel counts below name):
 * <ol>
 * <li>{@code main.0} gated block 96 -> 96 (3x3, pad 1), {@code main.1 .. main.(n-2)} 96 -> 96, and
 * {@code main.(n-1)} 96 -> 1 with a <em>1x1</em> kernel and no padding -> h [B, 1, F, T];</li>
 * <li>{@code h = |h|} when ensure_negative_message (the watermark may then only remove energy);</li>
 * <li>bins at and above message_band_size set to 0;</li>
 * <li>unless no_normalization: {@code h / sqrt(mean_F(h^2)) * 10^(-sdr/20)} per frame, the mean taken
 * over the <em>whole</em> frequency axis (the zeroed bins included).</li>
 * </ol>
 * The scale {@code 10^(-sdr/20)} enters as a graph input so one graph serves every SDR.
 */
public final class CarrierDecoder {
    /** Scope name and checkpoint prefix. */
    public static final String PREFIX = "dec_c";

    private final SilentCipherConfig config;
    private final BatchNorm2d.Mode bnMode;

    public CarrierDecoder(SilentCipherConfig config, BatchNorm2d.Mode bnMode) {
        this.config = config;
        this.bnMode = bnMode;
    }

    /**
     * Upstream's dec_c input: cat(E(C) [B, w, F, T], C [B, 1, F, T] x w, Me [B, 1, F, T] x w)
     * along the channels -> [B, 3w, F, T]; {@code copies} = w, the carrier width (upstream
     * {@value SilentCipherConfig#UPSTREAM_CARRIER_WIDTH}: server.py's {@code repeat(1, 32, 1, 1)}).
     */
    public static SDVariable merge(Scope scope, SDVariable encodedCarrier, SDVariable carrier, SDVariable me,
            int copies) {
        SDVariable carriers = scope.sd().tile(carrier, 1, copies, 1, 1); // [B, w, F, T]
        SDVariable messages = scope.sd().tile(me, 1, copies, 1, 1); // [B, w, F, T]
        return scope.sd().concat(1, encodedCarrier, carriers, messages); // [B, 3w, F, T]
    }

    /**
     * h (steps 1-4 above): merged [B, 96, F, T] -> [B, 1, F, T]. {@code scope} is the {@code dec_c}
     * scope; {@code messageScale} is the scalar {@code 10^(-sdr/20)}.
     */
    public SDVariable decode(Scope scope, SDVariable merged, SDVariable messageScale) {
        Scope main = scope.child("main");
        int n = config.decCNLayers();
        int hidden = 3 * config.carrierWidth(); // input = hidden channels; upstream dec_c_conv_dim = 32*3 = 96
        SDVariable h = merged;
        for (int i = 0; i < n - 1; i++) {
            h = GatedConv2d.of(hidden, hidden, 3, 1, bnMode).build(main.child(i), h); // [B, 3w, F, T]
        }
        h = GatedConv2d.of(hidden, 1, 1, 0, bnMode).build(main.child(n - 1), h); // [B, 1, F, T]
        if (config.ensureNegativeMessage()) {
            h = scope.sd().math().abs(h);
        }
        h = h.mul(scope.constant("band_mask", bandMask(config))); // [B, 1, F, T], zero from the band up
        if (!config.noNormalization()) {
            SDVariable frameRms = scope.sd().math().sqrt(Reduce.meanSquare(h, true, 2)); // [B, 1, 1, T]
            h = h.div(frameRms).mul(messageScale);
        }
        return h;
    }

    /** [1, 1, F, 1]: 1 below message_band_size, 0 from it on. */
    static INDArray bandMask(SilentCipherConfig config) {
        INDArray m = Nd4j.zeros(1, 1, config.bins(), 1);
        for (int f = 0; f < config.messageBandSize(); f++) {
            m.putScalar(new long[] {0, 0, f, 0}, 1.0);
        }
        return m;
    }
}
