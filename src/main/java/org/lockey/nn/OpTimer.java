package org.lockey.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times every op of the graphs built while it records ({@code ./lockey bench --profile}): a SameDiff
 * listener that takes {@link System#nanoTime()} just before and just after each op executes (SameDiff runs
 * the ops of a graph one after another; each op uses the OpenMP threads inside), and sums the time per
 * (op name, forward or backward, engine).
 *
 * <ul>
 * <li><b>backward</b>: the op writes a gradient ({@code -grad} in an output name), i.e. it belongs to the
 *     backward part of a {@code calculateGradients} pass; the forward ops of that pass count as forward.</li>
 * <li><b>engine</b> {@code onednn}: ND4J's platform helpers were allowed for the op ({@link HelperGuard}) and
 *     the oneDNN build has a helper for it ({@link #ONEDNN_OPS}, read from the {@code PLATFORM_*} symbols of
 *     {@code libnd4jcpu.so}; {@code conv1d} runs as {@code conv2d}). The helper may still decline an array
 *     it does not support, so this is "eligible"; {@code built-in} is certain.</li>
 * </ul>
 *
 * <p>Attached by {@link Scope#root} to the graphs built between {@link #start} and {@link #stop}, after the
 * {@link HelperGuard} (so it sees the helper switch the guard set for the op). Not attached otherwise: no cost.
 */
public final class OpTimer extends BaseListener {
    /** Ops with a oneDNN helper in ND4J 1.0.0-M2.1's oneDNN build (conv1d and its gradient run as conv2d). */
    public static final Set<String> ONEDNN_OPS = Set.of("conv1d", "conv1d_bp", "conv2d", "conv2d_bp", "deconv2d",
            "deconv2d_bp", "deconv2d_tf", "matmul", "tanh", "tanh_bp", "softmax", "softmax_bp", "concat", "batchnorm",
            "batchnorm_bp", "lstmLayer", "maxpool2d", "maxpool2d_bp", "avgpool2d", "avgpool2d_bp", "lrn", "xw_plus_b",
            "xw_plus_b_bp", "depthwise_conv2d", "depthwise_conv2d_bp");

    private static volatile OpTimer recording;

    /**
     * Time summed over the calls of one op kind.
     *
     * @param op       the op name (libnd4j's, e.g. {@code conv1d}, {@code leakyrelu_bp})
     * @param backward whether it computes gradients
     * @param onednn   whether it was eligible for a oneDNN helper
     * @param count    executions
     * @param nanos    summed time
     */
    public record Entry(String op, boolean backward, boolean onednn, long count, long nanos) {
    }

    private record Key(String op, boolean backward, boolean onednn) {
    }

    private final Map<Key, long[]> totals = new LinkedHashMap<>();
    private long startedAt;
    private boolean startedOnednn;

    private OpTimer() {
    }

    /** Starts recording: graphs built from now on are timed (until {@link #stop}). */
    public static synchronized OpTimer start() {
        recording = new OpTimer();
        return recording;
    }

    /** Stops attaching the timer to new graphs (graphs already built keep timing into it). */
    public static synchronized void stop() {
        recording = null;
    }

    /** Attaches the recording timer, if any, to {@code sd} (once). */
    static void attachIfRecording(SameDiff sd) {
        OpTimer t = recording;
        if (t != null && (sd.getListeners() == null || !sd.getListeners().contains(t))) {
            sd.addListeners(t);
        }
    }

    /** Forgets everything timed so far (after warm-up calls). */
    public synchronized void reset() {
        totals.clear();
    }

    /** What was timed, in first-seen order. */
    public synchronized List<Entry> entries() {
        List<Entry> r = new ArrayList<>();
        totals.forEach((k, v) -> r.add(new Entry(k.op(), k.backward(), k.onednn(), v[0], v[1])));
        return r;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        startedOnednn = Nd4j.getEnvironment().helpersAllowed() && ONEDNN_OPS.contains(op.getOp().opName());
        startedAt = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
            INDArray[] outputs) {
        long dt = System.nanoTime() - startedAt;
        boolean backward = op.getOutputsOfOp() != null && op.getOutputsOfOp().stream().anyMatch(n -> n.contains("-grad"));
        synchronized (this) {
            long[] v = totals.computeIfAbsent(new Key(op.getOp().opName(), backward, startedOnednn), k -> new long[2]);
            v[0]++;
            v[1] += dt;
        }
    }
}
