package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;

/**
 * {@code torch.nn.ConvTranspose1d} (output_padding 0, dilation 1, groups 1), optionally
 * weight-normed. SameDiff has no deconv1d, so this runs deconv2d on {@code [B, in, 1, T]}.
 *
 * <p>Keys: {@code weight} [in, out, k] — PyTorch's transposed layout — (or {@code weight_g}
 * [in, 1, 1] and {@code weight_v} [in, out, k]) and {@code bias} [out]. Output length
 * {@code (T - 1) s - 2p + k}; HiFi-GAN's padding {@code (k - s)/2} gives exactly {@code T s}.
 *
 * @param inChannels  input channels
 * @param outChannels output channels
 * @param kernelSize  kernel width k
 * @param stride      stride s
 * @param padding     samples removed from each end of the full output, p
 * @param bias        whether there is a bias
 * @param weightParam how the weight is stored: {@code weight}, or {@code weight_g} / {@code weight_v}
 */
public record ConvTranspose1d(int inChannels, int outChannels, int kernelSize, int stride, int padding,
        Bias bias, WeightParam weightParam) {

    public ConvTranspose1d {
        if (inChannels < 1 || outChannels < 1 || kernelSize < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("invalid ConvTranspose1d " + inChannels + "->" + outChannels
                    + " k" + kernelSize + " s" + stride + " p" + padding);
        }
        if (bias == null || weightParam == null) {
            throw new IllegalArgumentException("ConvTranspose1d: bias and weightParam must be given");
        }
    }

    /** Output length for an input of length {@code t}. */
    public long outputLength(long t) {
        return (t - 1) * stride - 2L * padding + kernelSize;
    }

    /** Adds the parameters under {@code scope} and returns the transposed conv: [B, in, T] -> [B, out, T']. */
    public SDVariable build(Scope scope, SDVariable x) {
        // PyTorch computes fan_in of a transposed-conv weight [in, out, k] as out * k.
        long fanIn = (long) outChannels * kernelSize;
        Init init = Init.torchDefault(fanIn);
        long[] shape = {inChannels, outChannels, kernelSize};
        SDVariable w = weightParam.weightNormed() ? WeightNorm.weight(scope, init, shape)
                : scope.param("weight", init, shape);
        SDVariable b = bias.on() ? scope.param("bias", init, outChannels) : null;
        DeConv2DConfig cfg = DeConv2DConfig.builder()
                .kH(1).kW(kernelSize).sH(1).sW(stride).pH(0).pW(padding).dH(1).dW(1)
                .isSameMode(false).dataFormat("NCHW")
                .build();
        var sd = scope.sd();
        SDVariable x4 = sd.expandDims(x, 2);                       // [B, in, 1, T]
        SDVariable kernel = scope.foldIfFrozen("weight.folded", Layouts.convTranspose1d(w));   // [1, k, out, in]
        SDVariable y4 = b == null ? sd.cnn().deconv2d(x4, kernel, cfg) : sd.cnn().deconv2d(x4, kernel, b, cfg);
        return scope.layerOutput(sd.squeeze(y4, 2));                 // [B, out, T'] (through the build's tap, if any)
    }
}
