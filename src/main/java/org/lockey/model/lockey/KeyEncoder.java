package org.lockey.model.lockey;

import org.lockey.nn.Conv1d;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The key encoder E_k (paper §III, §IV: "five alternating convolution and ReLU layers"):
 * Conv1d(d, h, 3, pad 1) - ReLU - Conv1d - ReLU - Conv1d to C channels over the bit axis, giving one vector
 * per key that the keyed generator broadcasts over time and adds at the injection point (docs/lockey.md, "Decisions and why"). The
 * last two convs take one of two forms ({@link KeyConfig.Pooling}):
 * <ul>
 * <li>{@code MEAN}: Conv1d(h, h, 3, pad 1) and Conv1d(h, C, 3, pad 1) at every bit position, then the mean
 * over the bit axis (the form of the golden case);</li>
 * <li>{@code FLAT}: the second conv spans all K bit positions (Conv1d(h, h, K), no padding: a flattening of
 * the [h, K] features into h units that each see the whole key), and the last is Conv1d(h, C, 1). Each of the h
 * units can single out a key, so the valid set is learned by memorising it, which a sum of local features
 * (MEAN) cannot do for a random set.</li>
 * </ul>
 *
 * <p>Keys {@code key_encoder.layers.0/2/4.{weight,bias}} (a {@code Sequential} with the ReLUs at
 * indices 1 and 3). Input [B, d, K], output {@code [B, C]}.
 */
public record KeyEncoder(KeyConfig config) {

    /**
     * E_k's outputs.
     *
     * @param vector   the key vector {@code [B, C]}
     * @param features the per-bit features before the mean {@code [B, C, K]} ({@code MEAN}), or null
     *                 ({@code FLAT}: there are none)
     */
    public record Output(SDVariable vector, SDVariable features) {
    }

    /** Adds the three convs under {@code scope} (usually {@code key_encoder}) and returns [B, C]. */
    public SDVariable build(Scope scope, SDVariable embedded) {
        return encode(scope, embedded).vector();
    }

    /** Adds the three convs under {@code scope} and returns the vector and, for mean pooling, the features. */
    public Output encode(Scope scope, SDVariable embedded) {
        Scope layers = scope.child("layers");
        int h = config.keyHidden();
        int k = config.keyBits();
        int c = config.channels();
        SDVariable x = Conv1d.of(config.keyDim(), h, 3).withPadding(1).build(layers.child(0), embedded); // [B, h, K]
        x = scope.sd().nn().relu(x, 0);
        return switch (config.pooling()) {
            case MEAN -> {
                x = Conv1d.of(h, h, 3).withPadding(1).build(layers.child(2), x);                       // [B, h, K]
                x = scope.sd().nn().relu(x, 0);
                SDVariable f = Conv1d.of(h, c, 3).withPadding(1).build(layers.child(4), x);            // [B, C, K]
                yield new Output(f.mean(2), f);                                                        // [B, C]
            }
            case FLAT -> {
                x = Conv1d.of(h, h, k).build(layers.child(2), x);                                      // [B, h, 1]
                x = scope.sd().nn().relu(x, 0);
                SDVariable v = Conv1d.of(h, c, 1).build(layers.child(4), x);                           // [B, C, 1]
                yield new Output(v.reshape(-1, c), null);                                              // [B, C]
            }
        };
    }
}
