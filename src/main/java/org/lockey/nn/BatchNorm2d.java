package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code torch.nn.BatchNorm2d} (affine, momentum statistics stored but not updated here) on
 * {@code [B, C, H, W]} data: {@code y = (x - mu) / sqrt(var + eps) * weight + bias} per channel.
 *
 * <p>Keys: {@code weight}, {@code bias} [C] (trainable), buffers {@code running_mean},
 * {@code running_var} [C] and {@code num_batches_tracked} (int64 scalar). Ioffe &amp; Szegedy 2015,
 * Algorithm 1.
 *
 * <p>Two modes for {@code mu} and {@code var}:
 * <ul>
 * <li>{@link Mode#BATCH_STATISTICS}: PyTorch's training-mode forward: the mean and the <em>biased</em>
 * variance over the batch and both spatial axes (B, H, W) of this very input. SilentCipher's
 * upstream inference never calls {@code .eval()}, so its outputs depend on this mode; the running
 * statistics in its checkpoints have no influence. Differentiable (the statistics are part of the
 * graph, as in training).</li>
 * <li>{@link Mode#RUNNING_STATISTICS}: PyTorch's eval-mode forward with the stored
 * {@code running_mean} / {@code running_var}.</li>
 * </ul>
 * Running statistics are not updated by this graph (PyTorch would, as a side effect, in training
 * mode); nothing here reads them back in batch mode. A trainer that keeps them (momentum update, as
 * PyTorch's training mode) reads the batch statistics of each call as the graph outputs
 * {@link #statisticName}{@code (scope, BATCH_MEAN)} and {@code (scope, BATCH_VAR)} (biased variance).
 *
 * @param numFeatures channels C
 * @param eps         added to the variance (PyTorch default 1e-5)
 * @param mode        which statistics normalise the input
 */
public record BatchNorm2d(int numFeatures, double eps, Mode mode) {

    /** PyTorch's default epsilon. */
    public static final double DEFAULT_EPS = 1e-5;

    /** Which mean and variance normalise the input. */
    public enum Mode {
        /** Per-call batch statistics over (B, H, W), biased variance: PyTorch {@code train()}. */
        BATCH_STATISTICS,
        /** The stored running statistics: PyTorch {@code eval()}. */
        RUNNING_STATISTICS
    }

    public BatchNorm2d {
        if (numFeatures < 1 || !(eps > 0) || mode == null) {
            throw new IllegalArgumentException("invalid BatchNorm2d " + numFeatures + " eps " + eps + " " + mode);
        }
    }

    /** Leaf name of the batch mean [1, C, 1, 1] in batch-statistics mode (see {@link #statisticName}). */
    public static final String BATCH_MEAN = "batch_mean";
    /** Leaf name of the biased batch variance [1, C, 1, 1] in batch-statistics mode. */
    public static final String BATCH_VAR = "batch_var";

    /**
     * The graph name of a batch statistic of the BatchNorm built under the scope whose key prefix is
     * {@code bnPrefix} (e.g. {@code dec_m_0.main.1.bn}): {@code <bnPrefix>/<leaf>}, from
     * {@link Scope#uniqueName} (unique because a scope builds its BatchNorm only once).
     */
    public static String statisticName(String bnPrefix, String leaf) {
        return bnPrefix + "/" + leaf;
    }

    /** Default epsilon and the given mode. */
    public static BatchNorm2d of(int numFeatures, Mode mode) {
        return new BatchNorm2d(numFeatures, DEFAULT_EPS, mode);
    }

    /** Adds weight, bias and the three buffers under {@code scope}; returns BN(x): [B, C, H, W] -> same. */
    public SDVariable build(Scope scope, SDVariable x) {
        SDVariable gamma = scope.param("weight", Init.ones(), numFeatures);
        SDVariable beta = scope.param("bias", Init.zeros(), numFeatures);
        SDVariable runningMean = scope.buffer("running_mean", Init.zeros(), numFeatures);
        SDVariable runningVar = scope.buffer("running_var", Init.ones(), numFeatures);
        // Kept so that the state dict round-trips; no forward depends on it.
        scope.buffer("num_batches_tracked", DataType.INT64, Init.zeros());
        SDVariable mean;
        SDVariable var;
        SDVariable centred;
        if (mode == Mode.BATCH_STATISTICS) {
            // Statistics accumulated in double (see Reduce): PyTorch's CPU kernel does the same.
            // Named (identity) so that a trainer can read them to update the running statistics.
            mean = scope.sd().identity(scope.uniqueName(BATCH_MEAN), Reduce.mean(x, true, 0, 2, 3)); // [1, C, 1, 1]
            centred = x.sub(mean); // [B, C, H, W]
            // Biased variance (divide by B*H*W), as PyTorch normalises with in training mode.
            var = scope.sd().identity(scope.uniqueName(BATCH_VAR), Reduce.meanSquare(centred, true, 0, 2, 3)); // [1, C, 1, 1]
        } else {
            mean = runningMean.reshape(1, numFeatures, 1, 1);
            centred = x.sub(mean);
            var = runningVar.reshape(1, numFeatures, 1, 1);
        }
        SDVariable invStd = scope.sd().math().rsqrt(var.add(eps)); // [1, C, 1, 1]
        SDVariable scale = gamma.reshape(1, numFeatures, 1, 1).mul(invStd);
        return centred.mul(scale).add(beta.reshape(1, numFeatures, 1, 1));
    }
}
