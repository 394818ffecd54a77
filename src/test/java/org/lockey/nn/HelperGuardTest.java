package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;

/** Which ops the guard lets ND4J's platform helpers run: it records the switch as each op starts. */
class HelperGuardTest {
    /** Records (op name, helpers allowed, operation) as each op starts; added after the guard. */
    private static final class Recorder extends BaseListener {
        final List<String> seen = new ArrayList<>();

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext ctx) {
            seen.add(op.getOp().opName() + ":" + Nd4j.getEnvironment().helpersAllowed() + ":" + at.operation());
        }
    }

    @Test
    void inferenceRunsHelpersExceptOnDilatedConvAndTrainingNever() {
        String old = System.getProperty(Conv1d.DILATION_PROPERTY);
        String oldTraining = System.getProperty(HelperGuard.TRAINING_PROPERTY);
        System.setProperty(Conv1d.DILATION_PROPERTY, "direct");
        System.setProperty(HelperGuard.TRAINING_PROPERTY, "none");
        try {
            directDilatedConv();
        } finally {
            restore(old);
            if (oldTraining == null) {
                System.clearProperty(HelperGuard.TRAINING_PROPERTY);
            } else {
                System.setProperty(HelperGuard.TRAINING_PROPERTY, oldTraining);
            }
        }
    }

    @Test
    void polyphaseDilatedConvRunsOnTheHelpersInInference() {
        String old = System.getProperty(Conv1d.DILATION_PROPERTY);
        System.setProperty(Conv1d.DILATION_PROPERTY, "polyphase");
        try {
            SameDiff sd = SameDiff.create();
            Scope root = Scope.fresh(sd, 1);
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, 1, 4, 20);
            SDVariable z = new Conv1d(4, 4, 3, 1, 2, 2, Bias.ON, WeightParam.PLAIN).build(root.child("dilated"), x);
            Recorder rec = new Recorder();
            sd.addListeners(rec);
            sd.output(Map.of("x", Nd4j.rand(DataType.FLOAT, 1, 4, 20)), z.name());
            assertEquals(List.of("conv1d:true:INFERENCE"), rec.seen.stream().filter(s -> s.startsWith("conv1d:")).toList());
        } finally {
            restore(old);
        }
    }

    @Test
    void trainingModeChosenAtBuildTimeLetsTheHelpersRunGradientOps() {
        String oldTraining = System.getProperty(HelperGuard.TRAINING_PROPERTY);
        try {
            for (String mode : new String[] {"none", "backward", "all", "default"}) {
                if (mode.equals("default")) {
                    System.clearProperty(HelperGuard.TRAINING_PROPERTY);
                } else {
                    System.setProperty(HelperGuard.TRAINING_PROPERTY, mode);
                }
                SameDiff sd = SameDiff.create();
                Scope root = Scope.fresh(sd, 1);
                SDVariable x = sd.placeHolder("x", DataType.FLOAT, 1, 4, 20);
                SDVariable y = new Conv1d(4, 4, 3, 1, 1, 1, Bias.ON, WeightParam.PLAIN).build(root.child("c"), x);
                sd.setLossVariables(y.mul(y).sum());
                System.clearProperty(HelperGuard.TRAINING_PROPERTY);              // read at build time only
                Recorder rec = new Recorder();
                sd.addListeners(rec);
                sd.calculateGradients(Map.of("x", Nd4j.rand(DataType.FLOAT, 1, 4, 20)), "c.weight");
                List<String> conv = rec.seen.stream().filter(s -> s.startsWith("conv1d")).toList();
                List<String> want = switch (mode) {
                    case "none" -> List.of("conv1d:false:TRAINING", "conv1d_bp:false:TRAINING");
                    case "backward" -> List.of("conv1d:false:TRAINING", "conv1d_bp:true:TRAINING");
                    default -> List.of("conv1d:true:TRAINING", "conv1d_bp:true:TRAINING");
                };
                assertEquals(want, conv, mode);
                assertTrue(rec.seen.stream().filter(s -> !s.startsWith("conv1d")).allMatch(
                        s -> s.contains(mode.equals("all") || mode.equals("default") ? ":true:" : ":false:")),
                        mode + " " + rec.seen);
            }
            System.setProperty(HelperGuard.TRAINING_PROPERTY, "sometimes");
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Scope.fresh(SameDiff.create(), 1));
        } finally {
            if (oldTraining == null) {
                System.clearProperty(HelperGuard.TRAINING_PROPERTY);
            } else {
                System.setProperty(HelperGuard.TRAINING_PROPERTY, oldTraining);
            }
        }
    }

    private static void restore(String old) {
        if (old == null) {
            System.clearProperty(Conv1d.DILATION_PROPERTY);
        } else {
            System.setProperty(Conv1d.DILATION_PROPERTY, old);
        }
    }

    private static void directDilatedConv() {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.fresh(sd, 1);                                      // attaches the guard
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 1, 4, 20);
        SDVariable y = new Conv1d(4, 4, 3, 1, 1, 1, Bias.ON, WeightParam.PLAIN).build(root.child("plain"), x);
        SDVariable z = new Conv1d(4, 4, 3, 1, 2, 2, Bias.ON, WeightParam.PLAIN).build(root.child("dilated"), y);
        SDVariable loss = z.mul(z).sum();
        sd.setLossVariables(loss);
        Recorder rec = new Recorder();
        sd.addListeners(rec);
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> feed = Map.of("x", Nd4j.rand(DataType.FLOAT, 1, 4, 20));

        sd.output(feed, loss.name());
        List<String> conv = rec.seen.stream().filter(s -> s.startsWith("conv1d:")).toList();
        assertEquals(List.of("conv1d:true:INFERENCE", "conv1d:false:INFERENCE"), conv);
        assertTrue(rec.seen.stream().filter(s -> !s.startsWith("conv1d:")).allMatch(s -> s.contains(":true:")), rec.seen.toString());

        rec.seen.clear();
        sd.calculateGradients(feed, "plain.weight");
        assertTrue(rec.seen.size() > 4, rec.seen.toString());
        assertTrue(rec.seen.stream().allMatch(s -> s.contains(":false:")), rec.seen.toString());
        assertTrue(Nd4j.getEnvironment().helpersAllowed(), "helpers stay on after a graph ran");
    }
}
