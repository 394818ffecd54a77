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
 * oneDNN 2.5 helpers get wrong in M2.1, and lets them run every other op of inference:
 * <ul>
 * <li>every op of a gradient computation ({@code calculateGradients}, {@code Operation.TRAINING}): with
 *     oneDNN running the forward {@code conv1d} and {@code deconv2d} of a training pass, the gradients of
 *     the golden case {@code lockey_keyed_hifigan} are off by up to 8e-5 relative (0.79 of the golden
 *     bound) where OpenBLAS gives 3e-7 (docs/benchmarks.md); training therefore runs on the plain path;</li>
 * <li>{@code conv1d} / {@code conv1d_bp} with dilation above 1 fail with "could not create a descriptor
 *     for a dilated convolution forward propagation primitive";</li>
 * <li>{@code lstmLayer} / {@code lstmLayer_bp} fail with "object is not initialized".</li>
 * </ul>
 * Before each op of a graph it is attached to, the guard switches the helpers off for those ops and on
 * for all others ({@code Environment#allowHelpers}, read by libnd4j at every op dispatch). On the
 * OpenBLAS build ({@code -Popenblas}) there are no helpers and the switch changes nothing. Attached by
 * {@link Scope#root} and {@link Scope#fresh} (every model graph) and by {@link Conv1d} (dilated) and
 * {@link Lstm}.
 */
public final class HelperGuard extends BaseListener {
    private static final HelperGuard INSTANCE = new HelperGuard();

    private HelperGuard() {
    }

    /** Attaches the guard to {@code sd} once. */
    public static void attach(SameDiff sd) {
        if (sd.getListeners() == null || sd.getListeners().stream().noneMatch(l -> l instanceof HelperGuard)) {
            sd.addListeners(INSTANCE);
        }
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
        boolean allow = at.operation() == Operation.INFERENCE && !unsupported(op.getOp());
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
