package org.lockey.model.encodec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Activations against their torch.nn definitions. */
class ActivationTest {
    static final double[] XS = {-3, -1.5, -0.2, 0, 0.3, 2.5};

    static void check(Activation a, DoubleUnaryOperator f) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, XS.length);
        INDArray y = a.apply(x).eval(Map.of("x", Nd4j.createFromArray(XS)));
        for (int i = 0; i < XS.length; i++) {
            assertEquals(f.applyAsDouble(XS[i]), y.getDouble(i), 1e-12, a + " at " + XS[i]);
        }
    }

    @Test
    void definitions() {
        check(Activation.elu(), v -> v > 0 ? v : Math.exp(v) - 1);
        check(new Activation(Activation.Kind.ELU, 0.5), v -> v > 0 ? v : 0.5 * (Math.exp(v) - 1));
        check(new Activation(Activation.Kind.LEAKY_RELU, 0.2), v -> v > 0 ? v : 0.2 * v);
        check(new Activation(Activation.Kind.RELU, 0), v -> Math.max(v, 0));
        check(new Activation(Activation.Kind.TANH, 0), Math::tanh);
        check(new Activation(Activation.Kind.SIGMOID, 0), v -> 1 / (1 + Math.exp(-v)));
        check(Activation.identity(), v -> v);
        assertEquals(new Activation(Activation.Kind.LEAKY_RELU, 0.01), Activation.fromUpstream("LeakyReLU", null));
    }

    @Test
    void scaledEluGradient() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.createFromArray(new double[] {-2, -0.7, -0.1, 0.4, 1.3}));
        new Activation(Activation.Kind.ELU, 0.7).apply(x).mul(x).sum().rename("loss");
        GradCheck.check(sd, "loss", Map.of(), List.of("x"), 5, 1e-6, 1e-7, 2);
    }
}
