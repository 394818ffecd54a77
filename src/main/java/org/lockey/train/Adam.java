package org.lockey.train;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.shape.Shape;

/**
 * Adam (Kingma &amp; Ba 2015, Algorithm 1) and AdamW (Loshchilov &amp; Hutter 2019: decoupled weight
 * decay), as {@code torch.optim.Adam} / {@code torch.optim.AdamW} compute them:
 * <pre>
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 *   p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)      [AdamW first: p *= 1 - lr wd]
 * </pre>
 * The moments are plain arrays owned here, so a checkpoint can save them and a resumed run
 * continues with exactly the same optimiser state ({@link #state()}, {@link #restore}).
 *
 * <p>Each parameter is updated in one pass over its four arrays, read and written in place through their
 * native buffers: about twelve eager ND4J ops per parameter (the earlier form, a few thousand native calls
 * and two scratch arrays per parameter per step) gave the same float32 values bit for bit and cost 4-6x
 * more (docs/benchmarks.md, "Levers of the training steps").
 */
public final class Adam {
    /**
     * Hyper-parameters.
     *
     * @param lr          learning rate
     * @param beta1       first-moment decay
     * @param beta2       second-moment decay
     * @param eps         denominator epsilon
     * @param weightDecay decoupled weight decay (0 = Adam)
     */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay) {
        public Config {
            if (!(lr > 0) || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || !(eps > 0) || weightDecay < 0) {
                throw new LockeyException("invalid Adam settings lr " + lr + " betas " + beta1 + "," + beta2);
            }
        }

        /** {@code torch.optim.Adam(lr)} defaults: betas (0.9, 0.999), eps 1e-8. */
        public static Config adam(double lr) {
            return new Config(lr, 0.9, 0.999, 1e-8, 0);
        }

        /** {@code torch.optim.AdamW(lr, betas)} with its default weight decay 0.01. */
        public static Config adamW(double lr, double beta1, double beta2) {
            return new Config(lr, beta1, beta2, 1e-8, 0.01);
        }

        /** The same settings with another learning rate (for schedules). */
        public Config withLr(double newLr) {
            return new Config(newLr, beta1, beta2, eps, weightDecay);
        }
    }

    private Config config;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private long steps;

    public Adam(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** Changes the learning rate (an LR schedule); the moments are kept. */
    public void setLr(double lr) {
        config = config.withLr(lr);
    }

    /** Forgets the moments and the update count: the next step is a first step. */
    public void reset() {
        m.clear();
        v.clear();
        steps = 0;
    }

    /** Number of updates applied. */
    public long steps() {
        return steps;
    }

    /**
     * Applies one update to every parameter that has a gradient. Parameters are updated in place.
     *
     * @param params parameter arrays by name (the graph's variable arrays)
     * @param grads  gradients by name (missing or null: the parameter is left alone)
     */
    public void step(Map<String, INDArray> params, Map<String, INDArray> grads) {
        step(params, grads, name -> 1.0);
    }

    /**
     * Applies one update, each parameter at the learning rate times its {@code lrScale} (parameter groups with
     * their own rates, as {@code torch.optim} param groups give; the moments are the same either way).
     *
     * @param lrScale the learning-rate multiplier of each parameter name
     */
    public void step(Map<String, INDArray> params, Map<String, INDArray> grads, ToDoubleFunction<String> lrScale) {
        steps++;
        double b1 = config.beta1();
        double b2 = config.beta2();
        double c1 = 1 - Math.pow(b1, steps);
        double c2 = 1 - Math.pow(b2, steps);
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray g = grads.get(e.getKey());
            if (g == null) {
                continue;
            }
            INDArray p = e.getValue();
            INDArray mi = m.computeIfAbsent(e.getKey(), k -> Nd4j.zeros(p.dataType(), p.shape()));
            INDArray vi = v.computeIfAbsent(e.getKey(), k -> Nd4j.zeros(p.dataType(), p.shape()));
            Coefficients k = new Coefficients(b1, b2, c1, c2, config.eps(), 1 - config.lr() * config.weightDecay(),
                    config.lr() * lrScale.applyAsDouble(e.getKey()));
            INDArray gc = dense(g.dataType() == p.dataType() ? g : g.castTo(p.dataType()));
            INDArray pc = dense(p);
            if (p.dataType() == DataType.FLOAT) {
                updateFloats(k, pc.data().asNioFloat(), mi.data().asNioFloat(), vi.data().asNioFloat(),
                        gc.data().asNioFloat(), (int) p.length());
            } else if (p.dataType() == DataType.DOUBLE) {
                updateDoubles(k, pc.data().asNioDouble(), mi.data().asNioDouble(), vi.data().asNioDouble(),
                        gc.data().asNioDouble(), (int) p.length());
            } else {
                throw new LockeyException("Adam: parameter " + e.getKey() + " is " + p.dataType() + ", not FLOAT or DOUBLE");
            }
            if (pc != p) {
                p.assign(pc);
                release(pc);
            }
            if (gc != g) {
                release(gc);
            }
        }
    }

    /**
     * The scalars of one parameter's update: decays, bias corrections, epsilon, the weight-decay factor
     * {@code 1 - lr wd} (exactly 1 for Adam, and {@code p * 1} is {@code p}) and the step size {@code lr * lrScale}.
     */
    private record Coefficients(double b1, double b2, double c1, double c2, double eps, double decay, double stepSize) {
    }

    /**
     * The update of one FLOAT parameter in a single pass over its arrays (in place). Each line is one
     * float32 operation with float32 scalars in the order the ND4J ops of the earlier eager version took
     * (scalar op = {@code x op (float) s}; Java's float arithmetic rounds every operation, with no fused
     * multiply-add), so the result is bit for bit the same as that version's (pinned by {@code AdamTest}),
     * at one pass instead of about twelve native calls, each with its own scratch array.
     */
    private static void updateFloats(Coefficients k, FloatBuffer p, FloatBuffer m, FloatBuffer v, FloatBuffer g, int n) {
        float b1 = (float) k.b1();
        float a1 = (float) (1 - k.b1());
        float b2 = (float) k.b2();
        float a2 = (float) (1 - k.b2());
        float c1 = (float) k.c1();
        float c2 = (float) k.c2();
        float eps = (float) k.eps();
        float keep = (float) k.decay();
        float step = (float) k.stepSize();
        for (int i = 0; i < n; i++) {
            float gi = g.get(i);
            float mi = m.get(i) * b1 + gi * a1;                         // m = b1 m + (1 - b1) g
            float vi = v.get(i) * b2 + gi * gi * a2;                    // v = b2 v + (1 - b2) g^2
            m.put(i, mi);
            v.put(i, vi);
            float pi = p.get(i) * keep;                                 // AdamW: p *= 1 - lr wd
            float den = (float) Math.sqrt(vi / c2) + eps;               // sqrt(v / c2) + eps (float sqrt, exact)
            p.put(i, pi - mi / c1 / den * step);                        // p -= lr (m / c1) / den
        }
    }

    /** {@link #updateFloats} for DOUBLE parameters (gradient checks, tests). */
    private static void updateDoubles(Coefficients k, DoubleBuffer p, DoubleBuffer m, DoubleBuffer v, DoubleBuffer g,
            int n) {
        for (int i = 0; i < n; i++) {
            double gi = g.get(i);
            double mi = m.get(i) * k.b1() + gi * (1 - k.b1());
            double vi = v.get(i) * k.b2() + gi * gi * (1 - k.b2());
            m.put(i, mi);
            v.put(i, vi);
            double pi = p.get(i) * k.decay();
            double den = Math.sqrt(vi / k.c2()) + k.eps();
            p.put(i, pi - mi / k.c1() / den * k.stepSize());
        }
    }

    /** {@code a} itself when its buffer holds exactly its values in C order; otherwise a dense copy. */
    private static INDArray dense(INDArray a) {
        boolean exact = a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length()
                && Shape.hasDefaultStridesForShape(a);
        return exact ? a : a.dup('c');
    }

    /** Frees an array's native memory now when it owns it. */
    static void release(INDArray a) {
        if (a != null && a.closeable() && !a.wasClosed()) {
            a.close();
        }
    }

    /** The optimiser state as tensors ({@code adam.m.<name>}, {@code adam.v.<name>}) for a checkpoint. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("adam.m." + k, Tensor.of("adam.m." + k, a)));
        v.forEach((k, a) -> out.put("adam.v." + k, Tensor.of("adam.v." + k, a)));
        return out;
    }

    /** Restores moments saved by {@link #state()} and the update count. */
    public void restore(Map<String, Tensor> tensors, long updates, DataType type) {
        m.clear();
        v.clear();
        tensors.forEach((k, t) -> {
            if (k.startsWith("adam.m.")) {
                m.put(k.substring(7), dense(t.toNd(type)));
            } else if (k.startsWith("adam.v.")) {
                v.put(k.substring(7), dense(t.toNd(type)));
            }
        });
        steps = updates;
    }
}
