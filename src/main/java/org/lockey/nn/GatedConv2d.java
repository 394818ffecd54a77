package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The gated convolution block of SilentCipher (upstream {@code silentcipher.model.Layer}, itself
 * from Hide-and-Speak, Kreuk et al. 2020): {@code BN(conv(x) * sigmoid(gate(x)))}, where
 * {@code conv} and {@code gate} are two Conv2d of the same geometry. SilentCipher has no other
 * non-linearity.
 *
 * <p>Keys: {@code conv.weight} [out, in, k, k], {@code conv.bias}, {@code gate.weight},
 * {@code gate.bias}, {@code bn.*} (see {@link BatchNorm2d}). Input {@code [B, in, F, T]}, output
 * {@code [B, out, F', T']} (same F, T for SilentCipher's k 3 / pad 1 and k 1 / pad 0 blocks).
 *
 * @param conv   the geometry of both convolutions
 * @param bnMode BatchNorm statistics (batch statistics for upstream SilentCipher checkpoints)
 */
public record GatedConv2d(Conv2d conv, BatchNorm2d.Mode bnMode) {

    public GatedConv2d {
        if (conv == null || bnMode == null) {
            throw new IllegalArgumentException("GatedConv2d needs a Conv2d and a BatchNorm mode");
        }
    }

    /** Square kernel {@code k}, stride 1, padding {@code p}: upstream {@code Layer(in, out, k, 1, p)}. */
    public static GatedConv2d of(int in, int out, int k, int p, BatchNorm2d.Mode bnMode) {
        return new GatedConv2d(Conv2d.of(in, out, k, p), bnMode);
    }

    /** Output channels. */
    public int outChannels() {
        return conv.outChannels();
    }

    /** Adds the block's parameters under {@code scope} and returns its output. */
    public SDVariable build(Scope scope, SDVariable x) {
        SDVariable value = conv.build(scope.child("conv"), x); // [B, out, F, T]
        SDVariable gate = scope.sd().nn().sigmoid(conv.build(scope.child("gate"), x)); // [B, out, F, T] in (0, 1)
        return BatchNorm2d.of(conv.outChannels(), bnMode).build(scope.child("bn"), value.mul(gate));
    }
}
