package org.lockey.nn;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keeps ND4J's platform helpers (oneDNN, the default {@code onednn} Maven profile) away from what its
 * oneDNN 2.5 helpers cannot run in M2.1, and lets them run every other op:
 * <ul>
 * <li>{@code conv1d} / {@code conv1d_bp} with dilation above 1 fail with "could not create a descriptor
 *     for a dilated convolution forward propagation primitive" (by default {@link Conv1d} builds dilated
 *     convs as undilated ones, {@link Functional#polyphaseConv1d}, so this only concerns
 *     {@code -Dlockey.conv1d.dilation=direct} and strided dilated convs);</li>
 * <li>{@code lstmLayer} / {@code lstmLayer_bp} fail with "object is not initialized".</li>
 * </ul>
 * In a gradient computation ({@code calculateGradients}, {@code Operation.TRAINING}) the helpers run
 * what {@value #TRAINING_PROPERTY} allows, read when the graph is built: {@code all} (default), {@code
 * backward} or {@code none}. An earlier build kept them off every op of a gradient pass because the
 * golden case {@code lockey_keyed_hifigan} then had a gradient 1.07e-3 off (bound 1.36e-3); that no longer
 * reproduces (5.2e-6 with {@code all}, 4.8e-6 with {@code none}; docs/benchmarks.md), and the plain path
 * made a training step about 10x slower.
 *
 * <p>Before each op of a graph it is attached to, the guard switches the helpers off for those ops and on
 * for all others ({@code Environment#allowHelpers}, read by libnd4j at every op dispatch). On the
 * OpenBLAS build ({@code -Popenblas}) there are no helpers and the switch changes nothing. Attached by
 * {@link Scope#root} and {@link Scope#fresh} (every model graph) and by {@link Conv1d} (dilated) and
 * {@link Lstm}.
 */
public final class HelperGuard extends BaseListener {
    /**
     * The system property choosing what the helpers may run in a gradient pass, read when a graph is built:
     * {@code all} (default: every op the helpers support, as in inference), {@code none} (the plain path for
     * every op of a gradient pass) or {@code backward} (the gradient
     * ops of the convolutions, {@link #BACKWARD_CONVS}, run on the helpers; every forward op stays on the plain
     * path). docs/benchmarks.md has the timings
     * and the gradient precision of each.
     */
    public static final String TRAINING_PROPERTY = "lockey.helpers.training";

    /** The gradient ops that {@code backward} lets the helpers run. */
    static final java.util.Set<String> BACKWARD_CONVS = java.util.Set.of("conv1d_bp", "conv2d_bp", "deconv2d_bp");

    private enum Training { NONE, BACKWARD, ALL }

    private static final java.util.Map<Training, HelperGuard> INSTANCES = java.util.Map.of(
            Training.NONE, new HelperGuard(Training.NONE), Training.BACKWARD, new HelperGuard(Training.BACKWARD),
            Training.ALL, new HelperGuard(Training.ALL));

    private final Training training;

    private HelperGuard(Training training) {
        this.training = training;
    }

    /** Attaches the guard to {@code sd} once, with the training mode of {@link #TRAINING_PROPERTY} now. */
    public static void attach(SameDiff sd) {
        if (sd.getListeners() == null || sd.getListeners().stream().noneMatch(l -> l instanceof HelperGuard)) {
            sd.addListeners(INSTANCES.get(trainingMode()));
        }
    }

    private static Training trainingMode() {
        String v = System.getProperty(TRAINING_PROPERTY, "all");
        return switch (v) {
            case "none" -> Training.NONE;
            case "backward" -> Training.BACKWARD;
            case "all" -> Training.ALL;
            default -> throw new IllegalArgumentException("-D" + TRAINING_PROPERTY + "=" + v
                    + ": expected none, backward or all");
        };
    }

    /** Whether libnd4j's helpers must not run {@code op}. */
    static boolean unsupported(DifferentialFunction op) {
        String name = op.opName();
        if (name.equals("lstmLayer") || name.equals("lstmLayer_bp")) {
            return true;
        }
        if ((name.equals("conv1d") || name.equals("conv1d_bp")) && op instanceof DynamicCustomOp c) {
            long[] args = c.iArgs();
            return args.length > 3 && args[3] > 1;     // iArgs: k, s, p, d, padding mode, data format
        }
        return false;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        boolean allow = !unsupported(op.getOp()) && (at.operation() == Operation.INFERENCE
                || training == Training.ALL
                || training == Training.BACKWARD && BACKWARD_CONVS.contains(op.getOp().opName()));
        if (Nd4j.getEnvironment().helpersAllowed() != allow) {
            Nd4j.getEnvironment().allowHelpers(allow);
        }
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
            INDArray[] outputs) {
        if (!Nd4j.getEnvironment().helpersAllowed()) {
            Nd4j.getEnvironment().allowHelpers(true);
        }
    }
}
