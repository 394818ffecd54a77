package org.lockey.model.encodec;

import java.util.List;

import org.lockey.nn.Pad;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * SEANet's residual block ({@code encodec/modules/seanet.py: SEANetResnetBlock}):
 * {@code shortcut(x) + conv_1(act(conv_0(act(x))))} with {@code dim -> dim / compress -> dim} channels.
 * SEANet uses kernel sizes {@code [residual_kernel_size, 1]} and dilations {@code [dilation_base^j, 1]}
 * for the j-th block of a stage. Both convolutions are stride-1 {@link SConv1d}s, so the length is kept.
 *
 * <p>Keys: the block is an {@code nn.Sequential} of (activation, conv) pairs, so conv i sits at
 * {@code block.(2i+1)} ({@code block.1.conv.conv.*}, {@code block.3.conv.conv.*}); the shortcut is the
 * identity when {@code trueSkip}, else a 1x1 {@link SConv1d} at {@code shortcut.conv.conv.*}.
 *
 * @param dim         input and output channels
 * @param kernelSizes kernel of each convolution
 * @param dilations   dilation of each convolution
 * @param activation  applied before each convolution
 * @param norm        convolution normalisation
 * @param causal      causal padding
 * @param padMode     padding mode of the convolutions
 * @param compress    hidden channels are {@code dim / compress} (integer division, as upstream)
 * @param trueSkip    identity shortcut instead of a 1x1 convolution
 */
public record SEANetResnetBlock(int dim, List<Integer> kernelSizes, List<Integer> dilations, Activation activation,
        Norm norm, boolean causal, Pad.Mode padMode, int compress, boolean trueSkip) implements SeanetLayer {

    public SEANetResnetBlock {
        kernelSizes = List.copyOf(kernelSizes);
        dilations = List.copyOf(dilations);
        if (kernelSizes.size() != dilations.size() || kernelSizes.isEmpty()) {
            throw new IllegalArgumentException("number of kernel sizes should match number of dilations");
        }
        if (dim / compress < 1) {
            throw new IllegalArgumentException("dim " + dim + " / compress " + compress + " leaves no hidden channel");
        }
    }

    /** The i-th convolution of the residual branch. */
    public SConv1d conv(int i) {
        int hidden = dim / compress;
        int in = i == 0 ? dim : hidden;
        int out = i == kernelSizes.size() - 1 ? dim : hidden;
        return new SConv1d(in, out, kernelSizes.get(i), 1, dilations.get(i), causal, norm, padMode);
    }

    /** The 1x1 shortcut convolution (only when {@code !trueSkip}). */
    public SConv1d shortcut() {
        return new SConv1d(dim, dim, 1, 1, 1, causal, norm, padMode);
    }

    /** x [B, dim, T] -> [B, dim, T]. */
    @Override
    public SDVariable build(Scope scope, SDVariable x, long length) {
        SDVariable y = x;
        for (int i = 0; i < kernelSizes.size(); i++) {
            y = activation.apply(y);                                              // [B, C_i, T]
            y = conv(i).build(scope.child("block").child(2 * i + 1), y, length);  // [B, C_i+1, T]
        }
        SDVariable skip = trueSkip ? x : shortcut().build(scope.child("shortcut"), x, length);
        return skip.add(y);
    }

    @Override
    public long outputLength(long length) {
        return length;
    }

    @Override
    public double reach() {
        double r = 0;
        for (int i = 0; i < kernelSizes.size(); i++) {
            r += conv(i).reach();
        }
        return r;
    }

    @Override
    public double rate() {
        return 1;
    }
}
