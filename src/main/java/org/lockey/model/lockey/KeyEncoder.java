package org.lockey.model.lockey;

import org.lockey.nn.Conv1d;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The key encoder E_k (paper §III, §IV: "five alternating convolution and ReLU layers"):
 * Conv1d(d, h, 3, pad 1) - ReLU - Conv1d(h, h, 3, pad 1) - ReLU - Conv1d(h, C, 3, pad 1) over the
 * bit axis, then the mean over the bit axis, giving one vector per key that the keyed generator
 * broadcasts over time and adds at the injection point (decisions.md).
 *
 * <p>Keys {@code key_encoder.layers.0/2/4.{weight,bias}} (a {@code Sequential} with the ReLUs at
 * indices 1 and 3). Input [B, d, K], output {@code [B, C]}.
 */
public record KeyEncoder(KeyConfig config) {

    /** Adds the three convs under {@code scope} (usually {@code key_encoder}) and returns [B, C]. */
    public SDVariable build(Scope scope, SDVariable embedded) {
        return features(scope, embedded).mean(2);                                                         // [B, C]
    }

    /** The three convs before the pooling: [B, d, K] -> [B, C, K] (one feature vector per bit position). */
    public SDVariable features(Scope scope, SDVariable embedded) {
        Scope layers = scope.child("layers");
        int h = config.keyHidden();
        SDVariable x = Conv1d.of(config.keyDim(), h, 3).withPadding(1).build(layers.child(0), embedded); // [B, h, K]
        x = scope.sd().nn().relu(x, 0);
        x = Conv1d.of(h, h, 3).withPadding(1).build(layers.child(2), x);                               // [B, h, K]
        x = scope.sd().nn().relu(x, 0);
        return Conv1d.of(h, config.channels(), 3).withPadding(1).build(layers.child(4), x);             // [B, C, K]
    }
}
