package org.lockey.model.lockey;

import org.lockey.nn.Linear;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The key verification head (paper §III-C: "a two-layer fully connected neural network with ReLU
 * activation ... trained with cross-entropy loss to output zero if k is valid and one if not"):
 * Linear(C, C) - ReLU - Linear(C, 2) on E_k's pooled output.
 *
 * <p>Keys {@code verifier.layers.0/2.{weight,bias}} (weights [out, in]). Input [B, C], output logits
 * {@code [B, 2]}, class 0 = valid key.
 */
public record KeyVerifier(KeyConfig config) {

    /** Adds the two linears under {@code scope} (usually {@code verifier}) and returns logits [B, 2]. */
    public SDVariable build(Scope scope, SDVariable keyVector) {
        Scope layers = scope.child("layers");
        int c = config.channels();
        SDVariable h = Linear.of(c, c).build(layers.child(0), keyVector);   // [B, C]
        h = scope.sd().nn().relu(h, 0);
        return Linear.of(c, 2).build(layers.child(2), h);                   // [B, 2]
    }
}
