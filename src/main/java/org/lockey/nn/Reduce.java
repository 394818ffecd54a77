package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Reductions accumulated in double precision whatever the graph's float type.
 *
 * <p>Why: ND4J M2.1 sums a float32 reduction in float32, so a mean over ~10^5 elements (BatchNorm
 * statistics over B x F x T of a spectrogram) carries a relative error of ~1e-5 and more, while
 * PyTorch's CPU kernels accumulate float32 in double. Measured on the SilentCipher golden decode
 * case: max-abs error 9.5e-5 with float32 statistics, 1.6e-5 with double statistics (the reference's
 * own float32 error is ~1.2e-5). The cast is part of the graph, so gradients flow through it.
 */
public final class Reduce {
    private Reduce() {
    }

    /** {@code mean(x, dims)} accumulated in double, returned in x's type. */
    public static SDVariable mean(SDVariable x, boolean keepDims, int... dims) {
        DataType type = x.dataType();
        if (type == DataType.DOUBLE) {
            return x.mean(keepDims, dims);
        }
        return x.castTo(DataType.DOUBLE).mean(keepDims, dims).castTo(type);
    }

    /** {@code mean(x^2, dims)} accumulated in double (squares formed in double), returned in x's type. */
    public static SDVariable meanSquare(SDVariable x, boolean keepDims, int... dims) {
        DataType type = x.dataType();
        SDVariable xd = type == DataType.DOUBLE ? x : x.castTo(DataType.DOUBLE);
        SDVariable m = x.getSameDiff().math().square(xd).mean(keepDims, dims);
        return type == DataType.DOUBLE ? m : m.castTo(type);
    }
}
