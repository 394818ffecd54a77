package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * {@code torch.nn.Conv1d} with symmetric zero padding, optionally weight-normed.
 *
 * <p>Keys: {@code weight} [out, in, k] (or {@code weight_g} [out, 1, 1] and {@code weight_v}
 * [out, in, k]) and {@code bias} [out]. Input {@code [B, in, T]}, output
 * {@code [B, out, (T + 2p - d(k-1) - 1)/s + 1]}.
 *
 * @param inChannels  input channels
 * @param outChannels output channels
 * @param kernelSize  kernel width k
 * @param stride      stride s
 * @param padding     zeros added on each side, p
 * @param dilation    dilation d
 * <p>Dilation above 1 (stride 1) runs by default as the polyphase rewrite
 * {@link Functional#polyphaseConv1d}: one undilated conv over the d phases of the input, which ND4J's
 * oneDNN helpers can run (they fail on a dilated conv1d, so {@link HelperGuard} keeps them off it). The
 * system property {@value #DILATION_PROPERTY} chooses: {@code polyphase} (default) or {@code direct}
 * (SameDiff's dilated conv1d, on ND4J's own im2col path). A dilated conv with stride above 1 always runs
 * directly (no model here has one; the rewrite would need a second phase split of the output).
 * The choice is read when the graph is built. docs/benchmarks.md has the before/after.
 *
 * @param bias        whether there is a bias
 * @param weightParam how the weight is stored: {@code weight}, or {@code weight_g} / {@code weight_v}
 */
public record Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation,
        Bias bias, WeightParam weightParam) {

    /** The system property choosing how dilated convs run: {@code polyphase} (default) or {@code direct}. */
    public static final String DILATION_PROPERTY = "lockey.conv1d.dilation";

    public Conv1d {
        if (inChannels < 1 || outChannels < 1 || kernelSize < 1 || stride < 1 || dilation < 1 || padding < 0) {
            throw new IllegalArgumentException("invalid Conv1d " + inChannels + "->" + outChannels + " k" + kernelSize
                    + " s" + stride + " p" + padding + " d" + dilation);
        }
        if (bias == null || weightParam == null) {
            throw new IllegalArgumentException("Conv1d: bias and weightParam must be given");
        }
    }

    /** Stride 1, no padding, dilation 1, with bias, no weight norm. */
    public static Conv1d of(int in, int out, int kernelSize) {
        return new Conv1d(in, out, kernelSize, 1, 0, 1, Bias.ON, WeightParam.PLAIN);
    }

    public Conv1d withPadding(int p) {
        return new Conv1d(inChannels, outChannels, kernelSize, stride, p, dilation, bias, weightParam);
    }

    public Conv1d withStride(int s) {
        return new Conv1d(inChannels, outChannels, kernelSize, s, padding, dilation, bias, weightParam);
    }

    public Conv1d withDilation(int d) {
        return new Conv1d(inChannels, outChannels, kernelSize, stride, padding, d, bias, weightParam);
    }

    public Conv1d withWeightNorm() {
        return new Conv1d(inChannels, outChannels, kernelSize, stride, padding, dilation, bias,
                WeightParam.WEIGHT_NORM);
    }

    public Conv1d withoutBias() {
        return new Conv1d(inChannels, outChannels, kernelSize, stride, padding, dilation, Bias.OFF, weightParam);
    }

    /** Output length for an input of length {@code t}. */
    public long outputLength(long t) {
        return (t + 2L * padding - (long) dilation * (kernelSize - 1) - 1) / stride + 1;
    }

    /** Adds the parameters under {@code scope} and returns {@code conv(x)}: [B, in, T] -> [B, out, T']. */
    public SDVariable build(Scope scope, SDVariable x) {
        long fanIn = (long) inChannels * kernelSize;
        Init init = Init.torchDefault(fanIn);
        long[] shape = {outChannels, inChannels, kernelSize};
        SDVariable w = weightParam.weightNormed() ? WeightNorm.weight(scope, init, shape)
                : scope.param("weight", init, shape);
        SDVariable b = bias.on() ? scope.param("bias", init, outChannels) : null;
        Conv1DConfig cfg = Conv1DConfig.builder()
                .k(kernelSize).s(stride).p(padding).d(dilation)
                .dataFormat(Conv1DConfig.NCW).paddingMode(PaddingMode.VALID)
                .build();
        SDVariable kernel = scope.foldIfFrozen("weight.folded", Layouts.conv1d(w));   // [k, in, out]
        if (dilation > 1 && stride == 1 && polyphaseDilation()) {
            return scope.layerOutput(Functional.polyphaseConv1d(scope.sd(), x, kernel, b, inChannels, outChannels,
                    kernelSize, padding, dilation));                // the tap sees every conv, however it is built
        }
        if (dilation > 1) {
            HelperGuard.attach(scope.sd());
        }
        SDVariable y = b == null ? scope.sd().cnn().conv1d(x, kernel, cfg) : scope.sd().cnn().conv1d(x, kernel, b, cfg);
        return scope.layerOutput(y);                                 // [B, out, T'] (through the build's tap, if any)
    }

    /**
     * Whether dilated stride-1 convs are built as the polyphase rewrite ({@value #DILATION_PROPERTY}:
     * {@code polyphase}, the default, or {@code direct}).
     */
    public static boolean polyphaseDilation() {
        String v = System.getProperty(DILATION_PROPERTY, "polyphase");
        return switch (v) {
            case "polyphase" -> true;
            case "direct" -> false;
            default -> throw new IllegalArgumentException("-D" + DILATION_PROPERTY + "=" + v
                    + ": expected polyphase or direct");
        };
    }
}
