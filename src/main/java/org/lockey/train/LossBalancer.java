package org.lockey.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.io.Json;
import org.nd4j.linalg.api.ndarray.INDArray;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Gradient balancing of several losses on one output (the idea of audiocraft's {@code losses/balancer.py} and
 * Encodec §3.4): given the partial gradients {@code g_i = dL_i / dy} of every loss with respect to the model's
 * output {@code y}, the gradient sent back into the model is
 * <pre>
 *   G = sum_i  (w_i / sum_j w_j) * g_i / avg(||g_i||)
 * </pre>
 * where {@code ||g_i||} is the L2 norm of one batch item's gradient averaged over the batch, and {@code avg} an
 * exponential moving average over the steps (with bias correction: {@code avg_t = sum_s d^(t-s) n_s / sum_s d^(t-s)}).
 * So {@code w_i} says which share of the gradient comes from loss i, whatever the loss's own scale: a watermark
 * CE of 2 nats and a relative MSE of 1e-3 get the shares asked for, not the ones their units give.
 *
 * <p>The moving averages are the balancer's whole state ({@link #state()}, {@link #restore}), so a resumed run
 * continues exactly.
 */
public final class LossBalancer {
    /** Added to the averaged norm before dividing (audiocraft's default). */
    public static final double EPSILON = 1e-12;

    private final Map<String, Double> weights;
    private final double emaDecay;
    private final Map<String, double[]> averages = new LinkedHashMap<>();   // name -> {weighted sum, weight sum}

    /**
     * @param weights  the desired share of each loss (any positive scale; they are normalised by their sum)
     * @param emaDecay the moving average's decay per step, in [0, 1) (0 = this step's norm alone)
     */
    public LossBalancer(Map<String, Double> weights, double emaDecay) {
        if (weights.isEmpty() || !(emaDecay >= 0 && emaDecay < 1)) {
            throw new LockeyException("loss balancer: at least one loss and an EMA decay in [0, 1) are needed");
        }
        double total = 0;
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            if (!(e.getValue() >= 0)) {
                throw new LockeyException("loss balancer: the weight of " + e.getKey() + " must be >= 0");
            }
            total += e.getValue();
        }
        if (!(total > 0)) {
            throw new LockeyException("loss balancer: the weights must not all be 0");
        }
        this.weights = Map.copyOf(weights);
        this.emaDecay = emaDecay;
    }

    /** The losses it balances and their weights. */
    public Map<String, Double> weights() {
        return weights;
    }

    /**
     * The balanced gradient of this step (a new array) from each loss's gradient {@code [B, ...]}; updates the
     * moving averages.
     *
     * @param grads one gradient per weighted loss, all of one shape, batch first
     */
    public INDArray combine(Map<String, INDArray> grads) {
        return combineWithParts(grads).total();
    }

    /**
     * The balanced gradient and each loss's scaled part of it.
     *
     * @param total the sum of the parts
     * @param parts {@code (w_i / sum_j w_j) g_i / avg(||g_i||)} by loss name
     */
    public record Combined(INDArray total, Map<String, INDArray> parts) {
    }

    /** As {@link #combine}, keeping each loss's part (for routing a part to some weights only). */
    public Combined combineWithParts(Map<String, INDArray> grads) {
        if (!grads.keySet().equals(weights.keySet())) {
            throw new LockeyException("loss balancer: gradients of " + grads.keySet() + " given, weights of "
                    + weights.keySet());
        }
        double weightSum = weights.values().stream().mapToDouble(Double::doubleValue).sum();
        INDArray out = null;
        Map<String, INDArray> parts = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : grads.entrySet()) {
            INDArray g = e.getValue();
            double norm = meanItemNorm(g);
            double[] avg = averages.computeIfAbsent(e.getKey(), k -> new double[2]);
            avg[0] = emaDecay * avg[0] + norm;
            avg[1] = emaDecay * avg[1] + 1;
            double scale = weights.get(e.getKey()) / weightSum / (EPSILON + avg[0] / avg[1]);
            INDArray term = g.mul(scale);
            parts.put(e.getKey(), term);
            out = out == null ? term.dup() : out.addi(term);
        }
        return new Combined(out, parts);
    }

    /** The mean over batch items of each item's L2 norm. */
    static double meanItemNorm(INDArray g) {
        long items = g.size(0);
        double sum = 0;
        for (long b = 0; b < items; b++) {
            sum += g.slice(b).norm2Number().doubleValue();
        }
        return sum / items;
    }

    /** This step's averaged norm of each loss's gradient (after {@link #combine}), for the log. */
    public Map<String, Double> averagedNorms() {
        Map<String, Double> out = new LinkedHashMap<>();
        averages.forEach((k, a) -> out.put(k, a[1] == 0 ? 0 : a[0] / a[1]));
        return out;
    }

    /** The moving averages as JSON (a checkpoint's metadata). */
    public String state() {
        ObjectNode o = Json.object();
        averages.forEach((k, a) -> o.putArray(k).add(a[0]).add(a[1]));
        return o.toString();
    }

    /** Restores what {@link #state()} wrote. */
    public void restore(String json) {
        averages.clear();
        try {
            JsonNode n = Json.tree(json);
            n.fields().forEachRemaining(e -> averages.put(e.getKey(),
                    new double[] {e.getValue().get(0).asDouble(), e.getValue().get(1).asDouble()}));
        } catch (java.io.IOException | NullPointerException e) {
            throw new LockeyException("checkpoint: its loss balancer state is not valid JSON");
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        averagedNorms().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ")
                .append(String.format(Locale.ROOT, "|g_%s| %.3g", k, v)));
        return sb.toString();
    }
}
