package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

class AdamTest {
    @TempDir
    Path dir;

    /** Algorithm 1 of Kingma & Ba, written out for one scalar; AdamW decays the weight first. */
    private static double[] reference(double p, double[] grads, double lr, double b1, double b2, double eps, double wd) {
        double m = 0;
        double v = 0;
        double[] out = new double[grads.length];
        for (int t = 1; t <= grads.length; t++) {
            double g = grads[t - 1];
            p *= 1 - lr * wd;
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            double mh = m / (1 - Math.pow(b1, t));
            double vh = v / (1 - Math.pow(b2, t));
            p -= lr * mh / (Math.sqrt(vh) + eps);
            out[t - 1] = p;
        }
        return out;
    }

    @Test
    void matchesAlgorithmOneForAdamAndAdamW() {
        double[] grads = {0.5, -1.0, 0.25, 2.0, 0.0};
        for (Adam.Config c : new Adam.Config[] {Adam.Config.adam(1e-2), Adam.Config.adamW(2e-4, 0.8, 0.99)}) {
            Adam adam = new Adam(c);
            INDArray p = Nd4j.createFromArray(1.5);
            double[] want = reference(1.5, grads, c.lr(), c.beta1(), c.beta2(), c.eps(), c.weightDecay());
            for (int t = 0; t < grads.length; t++) {
                adam.step(Map.of("w", p), Map.of("w", Nd4j.createFromArray(grads[t])));
                assertEquals(want[t], p.getDouble(0), 1e-12, "step " + t);
            }
        }
    }

    @Test
    void aParameterGroupsScaleMultipliesOnlyItsOwnLearningRate() {
        double[] grads = {0.5, -1.0, 0.25};
        Adam adam = new Adam(Adam.Config.adam(1e-2));
        INDArray fast = Nd4j.createFromArray(1.5);
        INDArray slow = Nd4j.createFromArray(1.5);
        double[] wantFast = reference(1.5, grads, 1e-1, 0.9, 0.999, 1e-8, 0);
        double[] wantSlow = reference(1.5, grads, 1e-2, 0.9, 0.999, 1e-8, 0);
        for (int t = 0; t < grads.length; t++) {
            Map<String, INDArray> g = Map.of("fast", Nd4j.createFromArray(grads[t]), "slow", Nd4j.createFromArray(grads[t]));
            adam.step(Map.of("fast", fast, "slow", slow), g, name -> name.equals("fast") ? 10.0 : 1.0);
            assertEquals(wantFast[t], fast.getDouble(0), 1e-12, "scaled, step " + t);
            assertEquals(wantSlow[t], slow.getDouble(0), 1e-12, "unscaled, step " + t);
        }
    }

    @Test
    void afterAResetTheTrajectoryIsAFreshAdamsFromTheCurrentWeight() {
        double[] first = {5.0, -3.0, 4.0};
        double[] second = {0.1, -0.2, 0.05};
        Adam adam = new Adam(Adam.Config.adam(1e-2));
        INDArray p = Nd4j.createFromArray(new double[] {1.0});
        for (double g : first) {
            adam.step(Map.of("w", p), Map.of("w", Nd4j.createFromArray(new double[] {g})));
        }
        adam.reset();
        assertEquals(0, adam.steps());
        double start = p.getDouble(0);
        double[] want = reference(start, second, 1e-2, 0.9, 0.999, 1e-8, 0);
        for (int i = 0; i < second.length; i++) {
            adam.step(Map.of("w", p), Map.of("w", Nd4j.createFromArray(new double[] {second[i]})));
            assertEquals(want[i], p.getDouble(0), 1e-12, "step " + i);
        }
    }

    @Test
    void checkpointRestoresTheSameTrajectory() {
        double[] grads = {0.3, -0.7, 1.1, 0.2};
        Adam a = new Adam(Adam.Config.adam(0.05));
        INDArray p = Nd4j.createFromArray(new double[] {1.0, -2.0});
        for (int t = 0; t < 2; t++) {
            a.step(Map.of("w", p), Map.of("w", Nd4j.createFromArray(new double[] {grads[t], -grads[t]})));
        }
        Checkpoint.save(dir, "test", 2, Map.of("w", Tensor.of("w", p)), a, Map.of("config", "{}"));
        Checkpoint ck = Checkpoint.load(dir, "test").orElseThrow();
        assertEquals(2, ck.step());
        Adam b = new Adam(Adam.Config.adam(0.05));
        b.restore(ck.optimiser(), ck.adamSteps(), DataType.DOUBLE);
        INDArray q = ck.params().get("w").toNd(DataType.DOUBLE);
        for (int t = 2; t < 4; t++) {
            a.step(Map.of("w", p), Map.of("w", Nd4j.createFromArray(new double[] {grads[t], -grads[t]})));
            b.step(Map.of("w", q), Map.of("w", Nd4j.createFromArray(new double[] {grads[t], -grads[t]})));
        }
        // The checkpoint stores float32, so the resumed trajectory agrees to float32 rounding.
        assertEquals(p.getDouble(0), q.getDouble(0), 1e-6);
        assertEquals(p.getDouble(1), q.getDouble(1), 1e-6);
        assertThrows(LockeyException.class, () -> Checkpoint.load(dir, "vocoder"));
    }

    /**
     * The eager version this class had before issue 20 (about twelve ND4J ops per parameter), kept here as the
     * reference for the one-pass update: the float32 trajectory must not change by a bit
     * ({@code assertArrayEquals} on doubles compares exactly).
     */
    private static void eagerStep(Adam.Config c, long t, INDArray p, INDArray m, INDArray v, INDArray g, double scale) {
        double c1 = 1 - Math.pow(c.beta1(), t);
        double c2 = 1 - Math.pow(c.beta2(), t);
        INDArray tmp = g.mul(1 - c.beta1());
        m.muli(c.beta1()).addi(tmp);
        tmp.assign(g).muli(g).muli(1 - c.beta2());
        v.muli(c.beta2()).addi(tmp);
        if (c.weightDecay() > 0) {
            p.muli(1 - c.lr() * c.weightDecay());
        }
        Transforms.sqrt(tmp.assign(v).divi(c2), false).addi(c.eps());
        p.subi(m.div(c1).divi(tmp).muli(c.lr() * scale));
    }

    @Test
    void theOnePassUpdateEqualsTheEagerNd4jOpsBitForBit() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (Adam.Config c : new Adam.Config[] {Adam.Config.adam(1e-3), Adam.Config.adamW(5e-4, 0.8, 0.99)}) {
                Nd4j.getRandom().setSeed(7);
                INDArray p = Nd4j.randn(type, 37, 11, 5);
                INDArray q = p.dup();
                INDArray m = Nd4j.zeros(type, 37, 11, 5);
                INDArray v = Nd4j.zeros(type, 37, 11, 5);
                Adam adam = new Adam(c);
                for (int t = 1; t <= 4; t++) {
                    INDArray g = Nd4j.randn(type, 37, 11, 5).muli(Math.pow(10, -t));
                    adam.step(Map.of("w", p), Map.of("w", g), name -> 3.0);
                    eagerStep(c, t, q, m, v, g, 3.0);
                    assertArrayEquals(q.data().asDouble(), p.data().asDouble(), type + " " + c + " step " + t);
                }
                // a strided view as gradient takes the same path through a dense copy
                INDArray wide = Nd4j.randn(type, 37, 11, 10);
                INDArray g = wide.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 10));
                adam.step(Map.of("w", p), Map.of("w", g), name -> 3.0);
                eagerStep(c, 5, q, m, v, g, 3.0);
                assertArrayEquals(q.data().asDouble(), p.data().asDouble(), type + " " + c + " strided gradient");
            }
        }
    }
}
