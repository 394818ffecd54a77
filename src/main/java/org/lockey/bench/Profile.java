package org.lockey.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.lockey.nn.OpTimer;

/**
 * Where the time of one benchmark case goes, per op ({@code ./lockey bench --profile CASE}): the op times
 * of {@link OpTimer} over {@code calls} timed calls, per call, with each op's share of the call's wall time,
 * grouped into categories; what the ops do not account for (SameDiff's scheduling and array management
 * between ops, and work outside the graph such as the optimiser step) is the row {@value #OUTSIDE}.
 *
 * @param caseName      the benchmark case
 * @param calls         timed calls profiled
 * @param wallMsPerCall mean wall time of one call
 * @param rows          one per (op, pass, engine), largest time first
 */
public record Profile(String caseName, int calls, double wallMsPerCall, List<Row> rows) {

    /** The row for the wall time not spent inside graph ops. */
    public static final String OUTSIDE = "(outside graph ops)";

    /**
     * One op kind.
     *
     * @param op           libnd4j op name
     * @param pass         {@code forward} or {@code backward}
     * @param engine       {@code onednn} (eligible for a oneDNN helper) or {@code built-in}
     * @param category     {@link #category(String)}
     * @param countPerCall executions per call
     * @param msPerCall    time per call
     * @param share        msPerCall / wall time per call
     */
    public record Row(String op, String pass, String engine, String category, double countPerCall, double msPerCall,
            double share) {
    }

    private static final Set<String> CONV = Set.of("conv1d", "conv2d", "im2col", "col2im", "depthwise_conv2d");
    private static final Set<String> DECONV = Set.of("deconv2d", "deconv2d_tf");
    private static final Set<String> MATMUL = Set.of("matmul", "mmul", "batched_gemm", "tensormmul", "xw_plus_b");
    private static final Set<String> ACTIVATION = Set.of("leakyrelu", "lrelu", "leakyreluderivative", "tanh",
            "tanh_derivative", "sigmoid", "sigmoid_derivative", "elu", "relu", "softmax", "log_softmax", "softplus");
    private static final Set<String> LAYOUT = Set.of("permute", "reshape", "transpose", "pad", "slice", "strided_slice",
            "concat", "stack", "unstack", "parallel_stack", "expand_dims", "squeeze", "tile", "identity", "assign",
            "split", "split_v", "gather", "reverse", "cast", "mirror_pad", "repeat", "dup");
    private static final Set<String> SHAPE = Set.of("shape_of", "shapes_of", "size_at", "size", "rank", "floordiv",
            "floormod", "ones_as", "zeros_as", "onehot", "create", "fill", "range", "broadcast_to", "broadcastgradientargs");
    private static final Set<String> ELEMENTWISE = Set.of("add", "subtract", "sub", "multiply", "mul", "divide", "div",
            "realdiv", "reversesubtract", "reversedivide", "rsub", "rdiv", "add_scalar", "sub_scalar", "mul_scalar",
            "div_scalar", "rsub_scalar", "rdiv_scalar", "pow", "pow_pairwise", "sqrt", "rsqrt", "exp", "log", "abs",
            "square", "neg", "maximum", "minimum", "max_pairwise", "min_pairwise", "sign", "clipbyvalue", "squaredsubtract",
            "scalar_max", "scalar_min", "sqr", "cube", "step", "log1p", "reciprocal", "where", "select", "merge_add",
            "mergeadd", "addn", "sin", "cos", "atan2");

    /**
     * The category of a libnd4j op name, ignoring a {@code _bp} suffix: {@code conv}, {@code transposed conv},
     * {@code matmul}, {@code activation}, {@code elementwise}, {@code layout/copy}, {@code reduction},
     * {@code shape}, {@code other}.
     */
    public static String category(String op) {
        String base = op.endsWith("_bp") ? op.substring(0, op.length() - 3) : op;
        if (CONV.contains(base)) {
            return "conv";
        }
        if (DECONV.contains(base)) {
            return "transposed conv";
        }
        if (MATMUL.contains(base)) {
            return "matmul";
        }
        if (ACTIVATION.contains(base)) {
            return "activation";
        }
        if (LAYOUT.contains(base)) {
            return "layout/copy";
        }
        if (SHAPE.contains(base)) {
            return "shape";
        }
        if (base.startsWith("reduce_") || Set.of("sum", "mean", "max", "min", "norm1", "norm2", "squaredNorm", "argmax")
                .contains(base)) {
            return "reduction";
        }
        if (ELEMENTWISE.contains(base)) {
            return "elementwise";
        }
        return "other";
    }

    /**
     * Aggregates {@code entries} (summed over {@code calls} calls whose wall time summed to {@code wallNanos}).
     * Entries of the same (op, pass, engine) are merged; rows are ordered by time, largest first.
     */
    public static Profile of(String caseName, List<OpTimer.Entry> entries, int calls, long wallNanos) {
        if (calls < 1 || wallNanos <= 0) {
            throw new IllegalArgumentException("need calls >= 1 and a positive wall time");
        }
        double wall = wallNanos / 1e6 / calls;
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (OpTimer.Entry e : entries) {
            String key = e.op() + "\t" + (e.backward() ? "backward" : "forward") + "\t" + (e.onednn() ? "onednn" : "built-in");
            double[] s = sums.computeIfAbsent(key, k -> new double[2]);
            s[0] += e.count();
            s[1] += e.nanos();
        }
        List<Row> rows = new ArrayList<>();
        sums.forEach((k, s) -> {
            String[] p = k.split("\t");
            double ms = s[1] / 1e6 / calls;
            rows.add(new Row(p[0], p[1], p[2], category(p[0]), s[0] / calls, ms, ms / wall));
        });
        rows.sort(Comparator.comparingDouble(Row::msPerCall).reversed());
        return new Profile(caseName, calls, wall, List.copyOf(rows));
    }

    /** Time per call inside graph ops. */
    public double opsMsPerCall() {
        return rows.stream().mapToDouble(Row::msPerCall).sum();
    }

    /**
     * Per-call time grouped by {@code key} ("category", "pass", "engine" or "category/pass"), largest first,
     * then {@value #OUTSIDE}: {name -> {ms per call, share of the wall time}}.
     */
    public Map<String, double[]> groupedBy(String key) {
        Map<String, double[]> g = new LinkedHashMap<>();
        for (Row r : rows) {
            String name = switch (key) {
                case "category" -> r.category();
                case "pass" -> r.pass();
                case "engine" -> r.engine();
                case "category/pass" -> r.category() + " / " + r.pass();
                default -> throw new IllegalArgumentException("no grouping " + key);
            };
            g.computeIfAbsent(name, k -> new double[2])[0] += r.msPerCall();
        }
        Map<String, double[]> sorted = new LinkedHashMap<>();
        g.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> sorted.put(e.getKey(), new double[] {e.getValue()[0], e.getValue()[0] / wallMsPerCall}));
        double outside = wallMsPerCall - opsMsPerCall();
        sorted.put(OUTSIDE, new double[] {outside, outside / wallMsPerCall});
        return sorted;
    }

    /**
     * The TSV: a header comment (case, calls, wall ms per call), then one line per row
     * ({@code op pass engine category count_per_call ms_per_call share}) and the {@value #OUTSIDE} line.
     */
    public String tsv() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "# case %s, %d calls, wall %.3f ms per call, in graph ops %.3f ms%n",
                caseName, calls, wallMsPerCall, opsMsPerCall()));
        b.append("op\tpass\tengine\tcategory\tcount_per_call\tms_per_call\tshare\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "%s\t%s\t%s\t%s\t%.1f\t%.3f\t%.4f%n", r.op(), r.pass(), r.engine(),
                    r.category(), r.countPerCall(), r.msPerCall(), r.share()));
        }
        double outside = wallMsPerCall - opsMsPerCall();
        b.append(String.format(Locale.ROOT, "%s\t-\t-\t-\t-\t%.3f\t%.4f%n", OUTSIDE, outside, outside / wallMsPerCall));
        return b.toString();
    }

    /** Lines for the terminal: totals by category, by pass and by engine, and the ten largest ops. */
    public List<String> summary() {
        List<String> l = new ArrayList<>();
        l.add(String.format(Locale.ROOT, "%s: %d calls, %.1f ms per call (%.1f ms in graph ops)", caseName, calls,
                wallMsPerCall, opsMsPerCall()));
        for (String key : List.of("category", "pass", "engine")) {
            l.add("  by " + key + ":");
            groupedBy(key).forEach((k, v) -> l.add(String.format(Locale.ROOT, "    %-24s %9.1f ms %6.1f%%", k, v[0],
                    100 * v[1])));
        }
        l.add("  largest ops:");
        rows.stream().limit(10).forEach(r -> l.add(String.format(Locale.ROOT, "    %-22s %-8s %-8s %6.1f x %9.1f ms %6.1f%%",
                r.op(), r.pass(), r.engine(), r.countPerCall(), r.msPerCall(), 100 * r.share())));
        return l;
    }
}
