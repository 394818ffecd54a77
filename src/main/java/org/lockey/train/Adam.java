package org.lockey.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam (Kingma &amp; Ba 2015, Algorithm 1) and AdamW (Loshchilov &amp; Hutter 2019: decoupled weight
 * decay), as {@code torch.optim.Adam} / {@code torch.optim.AdamW} compute them:
 * <pre>
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 *   p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)      [AdamW first: p *= 1 - lr wd]
 * </pre>
 * The moments are plain arrays owned here, so a checkpoint can save them and a resumed run
 * continues with exactly the same optimiser state ({@link #state()}, {@link #restore}).
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
            INDArray gc = g.dataType() == p.dataType() ? g : g.castTo(p.dataType());
            // Two scratch arrays per parameter, freed at once: for the 70 M values of HiFi-GAN's
            // discriminators, waiting for the garbage collector left several GB of native garbage per step.
            INDArray t = gc.mul(1 - b1);
            mi.muli(b1).addi(t);
            t.assign(gc).muli(gc).muli(1 - b2);
            vi.muli(b2).addi(t);
            if (config.weightDecay() > 0) {
                p.muli(1 - config.lr() * config.weightDecay());
            }
            Transforms.sqrt(t.assign(vi).divi(c2), false).addi(config.eps());        // t = sqrt(v / c2) + eps
            INDArray update = mi.div(c1).divi(t).muli(config.lr() * lrScale.applyAsDouble(e.getKey()));
            p.subi(update);
            release(t);
            release(update);
            if (gc != g) {
                release(gc);
            }
        }
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
                m.put(k.substring(7), t.toNd(type));
            } else if (k.startsWith("adam.v.")) {
                v.put(k.substring(7), t.toNd(type));
            }
        });
        steps = updates;
    }
}
