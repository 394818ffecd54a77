package org.lockey.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Additive Gaussian noise on the output of every selected layer: the white-box attack of LOCKEY §V-C
 * ("adding a small Gaussian noise to the output of each layer of the model"). As a {@link LayerTap},
 * each selected {@link Conv1d} / {@link ConvTranspose1d} output {@code y [B, C, T]} becomes
 * {@code y + z}, where {@code z} is a placeholder of the same shape fed per run with i.i.d.
 * N(0, std^2) samples.
 *
 * <p>The noise is drawn in Java, not by SameDiff's random ops (those take static shapes only, and
 * their state is ND4J's global generator): one {@link SplittableRandom} seeded by the run's seed
 * fills the placeholders in layer order, so a seed gives the same noise on every machine and thread
 * count. For std 0 every placeholder is a {@code [1, 1, 1]} zero that broadcasts, so the output is
 * exactly the unperturbed graph's ({@code y + 0 = y}).
 *
 * <p>Shapes: a placeholder's shape depends on the input length, which the graph only knows when it
 * runs; the first run with a new set of input shapes therefore runs the graph once without noise to
 * read every layer's output shape (cached per input shapes).
 */
public final class LayerNoise implements LayerTap {
    /**
     * One perturbed layer.
     *
     * @param layer the layer's key ({@code ups.0}, {@code resblocks.3.convs2.1}, ...)
     * @param noise the name of its noise placeholder
     * @param clean the name of its unperturbed output
     */
    public record Point(String layer, String noise, String clean) {
    }

    private static final int SHAPE_CACHE = 16;

    private final Predicate<String> selected;
    private final List<Point> points = new ArrayList<>();
    private final Map<String, long[][]> shapes = new LinkedHashMap<>();
    private DataType dtype = DataType.FLOAT;

    /** @param selected which layers (by key) take noise; the others pass unchanged */
    public LayerNoise(Predicate<String> selected) {
        this.selected = selected;
    }

    @Override
    public SDVariable apply(Scope layer, SDVariable output) {
        if (!selected.test(layer.prefix())) {
            return output;
        }
        dtype = layer.dtype();
        SDVariable z = layer.sd().placeHolder(layer.uniqueName("noise"), layer.dtype(), -1, -1, -1); // [B, C, T]
        points.add(new Point(layer.prefix(), z.name(), output.name()));
        return output.add(layer.uniqueName("noisy"), z);
    }

    /** The perturbed layers in build order. */
    public List<Point> points() {
        return List.copyOf(points);
    }

    /**
     * The noise placeholders for one run of {@code sd} on {@code inputs} (the graph's other
     * placeholders): N(0, std^2) i.i.d. per element from {@code SplittableRandom(seed)}, or exact zeros
     * for std 0.
     */
    public Map<String, INDArray> feed(SameDiff sd, Map<String, INDArray> inputs, double std, long seed) {
        if (!(std >= 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("noise standard deviation " + std + " is not a finite number >= 0");
        }
        Map<String, INDArray> out = new HashMap<>();
        if (std == 0) {
            for (Point p : points) {
                out.put(p.noise(), Nd4j.zeros(dtype, 1, 1, 1));
            }
            return out;
        }
        long[][] s = shapes(sd, inputs);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < points.size(); i++) {
            int n = Math.toIntExact(Arrays.stream(s[i]).reduce(1, Math::multiplyExact));
            INDArray z;
            if (dtype == DataType.DOUBLE) {
                double[] v = new double[n];
                for (int j = 0; j < n; j++) {
                    v[j] = std * r.nextGaussian();
                }
                z = Nd4j.createFromArray(v);
            } else {
                float[] v = new float[n];
                for (int j = 0; j < n; j++) {
                    v[j] = (float) (std * r.nextGaussian());
                }
                z = Nd4j.createFromArray(v).castTo(dtype);
            }
            out.put(points.get(i).noise(), z.reshape(s[i]));
        }
        return out;
    }

    /**
     * Frees the native memory of a {@link #feed} once its run is over (a noise draw holds as many values
     * as all the perturbed activations together).
     */
    public static void release(Map<String, INDArray> feed) {
        feed.values().forEach(INDArray::close);
    }

    /** Every perturbed layer's output shape for these inputs (one noiseless run the first time). */
    private long[][] shapes(SameDiff sd, Map<String, INDArray> inputs) {
        StringBuilder key = new StringBuilder();
        inputs.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> key.append(e.getKey()).append(Arrays.toString(e.getValue().shape())).append(';'));
        long[][] cached = shapes.get(key.toString());
        if (cached != null) {
            return cached;
        }
        Map<String, INDArray> feed = new HashMap<>(inputs);
        feed.putAll(feed(sd, inputs, 0, 0));
        String[] clean = points.stream().map(Point::clean).toArray(String[]::new);
        Map<String, INDArray> outs = sd.output(feed, clean);
        long[][] s = new long[points.size()][];
        for (int i = 0; i < s.length; i++) {
            s[i] = outs.get(clean[i]).shape();
        }
        outs.values().forEach(INDArray::close);          // every layer's activation: free now, not at the next GC
        if (shapes.size() >= SHAPE_CACHE) {
            shapes.clear();
        }
        shapes.put(key.toString(), s);
        return s;
    }
}
