package org.lockey.model.encodec;

import java.util.List;

import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A contiguous run of SEANet's {@code model} Sequential: layers {@code first .. first + size - 1},
 * each built under {@code model.<index>}. The whole encoder or decoder is one stack; the chunked
 * runner splits it around the LSTM.
 *
 * @param layers the layers in order
 * @param first  upstream index of the first layer
 */
public record SeanetStack(List<SeanetLayer> layers, int first) {

    public SeanetStack {
        layers = List.copyOf(layers);
    }

    /** Layers {@code [from, to)} of this stack (indices relative to this stack). */
    public SeanetStack sub(int from, int to) {
        return new SeanetStack(layers.subList(from, to), first + from);
    }

    /** Runs the layers: x [B, C, length] -> [B, C', outputLength(length)]; parameters under {@code model.N}. */
    public SDVariable build(Scope model, SDVariable x, long length) {
        SDVariable h = x;
        long t = length;
        for (int i = 0; i < layers.size(); i++) {
            SeanetLayer layer = layers.get(i);
            h = layer.build(model.child(first + i), h, t);
            t = layer.outputLength(t);
        }
        return h;
    }

    /** The output length for an input of {@code length} samples. */
    public long outputLength(long length) {
        long t = length;
        for (SeanetLayer layer : layers) {
            t = layer.outputLength(t);
        }
        return t;
    }

    /** Output samples per input sample of the whole stack. */
    public double rate() {
        double r = 1;
        for (SeanetLayer layer : layers) {
            r *= layer.rate();
        }
        return r;
    }

    /**
     * How many latent frames of context on each side make the stack's output over a window exact:
     * the sum of every layer's reach, converted to frames, plus one frame of slack. {@code inputPerFrame}
     * is the number of input samples per latent frame (the hop for audio, 1 for latents).
     */
    public int marginFrames(double inputPerFrame) {
        double frames = 0;
        double perFrame = inputPerFrame;
        for (SeanetLayer layer : layers) {
            frames += layer.reach() / perFrame;
            perFrame *= layer.rate();
        }
        if (Double.isInfinite(frames)) {
            throw new IllegalStateException("a recurrent layer has no finite context");
        }
        return (int) Math.ceil(frames) + 1;
    }

    /** The index within this stack of the LSTM, or -1. */
    public int lstmIndex() {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof SLSTM) {
                return i;
            }
        }
        return -1;
    }
}
