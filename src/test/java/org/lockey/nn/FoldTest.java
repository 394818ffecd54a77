package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;

/** Folding the kernels of frozen convolutions ({@link Scope#foldIfFrozen}): same numbers, fewer ops per call. */
class FoldTest {
    private static final class Ops extends BaseListener {
        final List<String> seen = new ArrayList<>();

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext ctx) {
            seen.add(op.getOp().opName());
        }
    }

    private record Run(INDArray out, List<String> ops) {
    }

    private static Run run(boolean frozen, String fold) {
        String old = System.getProperty(Scope.FOLD_PROPERTY);
        try {
            System.setProperty(Scope.FOLD_PROPERTY, fold);
            SameDiff sd = SameDiff.create();
            Scope root = Scope.root(sd, null, "test", DataType.FLOAT, frozen, 9);
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4, -1);
            SDVariable h = new Conv1d(4, 6, 3, 1, 2, 2, Bias.ON, WeightParam.WEIGHT_NORM).build(root.child("a"), x);          // dilated
            h = new ConvTranspose1d(6, 3, 4, 2, 1, Bias.ON, WeightParam.WEIGHT_NORM).build(root.child("up"), h);
            h = new Conv1d(3, 2, 5, 1, 2, 1, Bias.ON, WeightParam.PLAIN).build(root.child("b"), h);
            Ops ops = new Ops();
            sd.addListeners(ops);
            Nd4j.getRandom().setSeed(4);
            INDArray out = sd.output(Map.of("x", Nd4j.rand(DataType.FLOAT, 2, 4, 21)), h.name()).get(h.name());
            return new Run(out, ops.seen);
        } finally {
            if (old == null) {
                System.clearProperty(Scope.FOLD_PROPERTY);
            } else {
                System.setProperty(Scope.FOLD_PROPERTY, old);
            }
        }
    }

    @Test
    void frozenKernelsAreFoldedToTheSameNumbers() {
        Run plain = run(true, "false");
        Run folded = run(true, "true");
        assertEquals(plain.out(), folded.out(), "folding must not change a single value");
        assertTrue(plain.ops().contains("reduce_sum") && plain.ops().contains("permute"), plain.ops().toString());
        assertFalse(folded.ops().contains("reduce_sum") || folded.ops().contains("sqrt"), folded.ops().toString());
        assertTrue(folded.ops().size() < plain.ops().size() - 10, folded.ops() + " vs " + plain.ops());
    }

    @Test
    void trainableKernelsStayInTheGraph() {
        Run trainable = run(false, "true");
        assertEquals(run(true, "false").out(), trainable.out(), "same seeded weights, same numbers");
        assertTrue(trainable.ops().contains("reduce_sum"), "weight norm of a trainable weight runs every call");
    }
}
