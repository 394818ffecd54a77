package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * {@code torch.nn.Conv2d} (groups 1, dilation 1) with symmetric zero padding, on NCHW data.
 *
 * <p>Keys: {@code weight} [out, in, kH, kW] and {@code bias} [out]. Input {@code [B, in, H, W]},
 * output {@code [B, out, (H + 2 pH - kH)/sH + 1, (W + 2 pW - kW)/sW + 1]}. The PyTorch weight is kept
 * under its upstream key and shape; {@link Layouts#conv2d} turns it into SameDiff's layout inside
 * the graph, so gradients reach the stored variable.
 *
 * @param inChannels  input channels
 * @param outChannels output channels
 * @param kernelH     kernel height kH (the frequency axis for SilentCipher's [B, C, F, T] tensors)
 * @param kernelW     kernel width kW (time)
 * @param strideH     stride along H
 * @param strideW     stride along W
 * @param padH        zeros added above and below
 * @param padW        zeros added left and right
 * @param bias        whether there is a bias
 */
public record Conv2d(int inChannels, int outChannels, int kernelH, int kernelW, int strideH, int strideW,
        int padH, int padW, boolean bias) {

    public Conv2d {
        if (inChannels < 1 || outChannels < 1 || kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1
                || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("invalid Conv2d " + inChannels + "->" + outChannels + " k" + kernelH
                    + "x" + kernelW + " s" + strideH + "x" + strideW + " p" + padH + "x" + padW);
        }
    }

    /** Square kernel {@code k}, stride 1, padding {@code p} on every side, with bias. */
    public static Conv2d of(int in, int out, int k, int p) {
        return new Conv2d(in, out, k, k, 1, 1, p, p, true);
    }

    /** Output size along H for an input of size {@code h}. */
    public long outputHeight(long h) {
        return (h + 2L * padH - kernelH) / strideH + 1;
    }

    /** Output size along W for an input of size {@code w}. */
    public long outputWidth(long w) {
        return (w + 2L * padW - kernelW) / strideW + 1;
    }

    /** Adds the parameters under {@code scope} and returns {@code conv(x)}: [B, in, H, W] -> [B, out, H', W']. */
    public SDVariable build(Scope scope, SDVariable x) {
        // PyTorch's default init: kaiming-uniform(a = sqrt 5) = U(+-1/sqrt(fan_in)) for weight and bias.
        Init init = Init.torchDefault((long) inChannels * kernelH * kernelW);
        SDVariable w = scope.param("weight", init, outChannels, inChannels, kernelH, kernelW);
        SDVariable b = bias ? scope.param("bias", init, outChannels) : null;
        Conv2DConfig cfg = Conv2DConfig.builder()
                .kH(kernelH).kW(kernelW).sH(strideH).sW(strideW).pH(padH).pW(padW).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW).weightsFormat(WeightsFormat.YXIO)
                .build();
        SDVariable kernel = Layouts.conv2d(w); // [kH, kW, in, out]
        return b == null ? scope.sd().cnn().conv2d(x, kernel, cfg) : scope.sd().cnn().conv2d(x, kernel, b, cfg);
    }
}
