package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The one place where PyTorch weight layouts become SameDiff's. Every conversion is a graph op on
 * the upstream-shaped variable, so the stored variable keeps the upstream key and shape and the
 * gradient flows back to it.
 */
public final class Layouts {
    private Layouts() {
    }

    /** Conv1d: PyTorch {@code [out, in, k]} to SameDiff conv1d {@code [k, in, out]}. */
    public static SDVariable conv1d(SDVariable torchWeight) {
        return torchWeight.permute(2, 1, 0);
    }

    /**
     * ConvTranspose1d, run as deconv2d on {@code [B, C, 1, L]}: PyTorch {@code [in, out, k]} to
     * SameDiff deconv2d {@code [1, k, out, in]} (kH = 1).
     */
    public static SDVariable convTranspose1d(SDVariable torchWeight) {
        SDVariable kOutIn = torchWeight.permute(2, 1, 0);
        return kOutIn.getSameDiff().expandDims(kOutIn, 0);
    }

    /** Conv2d: PyTorch {@code [out, in, kH, kW]} to SameDiff conv2d (NCHW data) {@code [kH, kW, in, out]}. */
    public static SDVariable conv2d(SDVariable torchWeight) {
        return torchWeight.permute(2, 3, 1, 0);
    }

    /** Linear: PyTorch {@code [out, in]} to the right operand of {@code x [.., in] @ W^T}: {@code [in, out]}. */
    public static SDVariable linear(SDVariable torchWeight) {
        return torchWeight.permute(1, 0);
    }
}
