package org.lockey.model.encodec;

import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * One element of SEANet's {@code nn.Sequential model} ({@code encodec/modules/seanet.py}): a
 * streamable convolution, a transposed convolution, a residual block, the LSTM or an activation.
 * The element at index N keeps its parameters under {@code model.N}.
 *
 * <p>Lengths are static: a graph is built for one input length, because the padding of a strided
 * convolution and the reflection rule for short inputs depend on it.
 */
public sealed interface SeanetLayer permits SConv1d, SConvTranspose1d, SEANetResnetBlock, SLSTM, Activation {

    /** Adds the parameters under {@code scope} ({@code model.N}) and returns the output, [B, C', T']. */
    SDVariable build(Scope scope, SDVariable x, long length);

    /** T' for an input of length T. */
    long outputLength(long length);

    /**
     * An upper bound on how far, in input samples on either side, an output sample looks: output
     * sample n (at input position n / rate) depends only on inputs within that distance. Used to
     * size the overlap of chunked processing; 0 for point-wise layers, infinite for the LSTM.
     */
    double reach();

    /** Output samples per input sample (stride s: 1/s; transposed stride s: s). */
    double rate();
}
