package org.lockey.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.io.Json;
import org.lockey.io.Tensor;
import org.lockey.nn.OpTimer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Runs the cases on our side and, when asked, on the PyTorch peer's, then prints the side-by-side
 * table and writes {@code results.json}. For each case the model is built (untimed) on both sides,
 * {@code warmup} calls run untimed on each side, then {@code rounds} rounds alternate the two sides:
 * each round is {@code reps / rounds} of our calls, then as many of the peer's, each timed one by one
 * ({@link System#nanoTime()} here, {@code time.perf_counter} there). The machine is shared and its
 * speed drifts over minutes; alternating puts both sides under the same drift, and the spread of the
 * per-round ratios (our round median / the peer's) shows how much the drift moved the ratio. The outputs
 * of each side's first call are kept for the comparison.
 */
public final class Benchmark {
    /**
     * The settings.
     *
     * @param warmup  untimed calls first, on each side
     * @param reps    timed calls per side, in {@code rounds} rounds
     * @param rounds  rounds of {@code reps / rounds} calls per side; must divide {@code reps}
     * @param threads threads the peer uses (ours: {@code OMP_NUM_THREADS}, reported)
     * @param out     the output directory ({@code results.json}, {@code cases/<name>/} for the peer)
     */
    public record Settings(int warmup, int reps, int rounds, int threads, Path out) {
        public Settings {
            if (warmup < 0 || reps < 1 || threads < 1) {
                throw new LockeyException("need --warmup >= 0, --reps >= 1, --threads >= 1");
            }
            if (rounds < 1 || reps % rounds != 0) {
                throw new LockeyException("--rounds " + rounds + " must be at least 1 and divide --reps " + reps);
            }
        }

        /** Calls per side in one round. */
        public int callsPerRound() {
            return reps / rounds;
        }
    }

    /** The peer's side of one loaded case, as the interleaved measurement drives it ({@link Peer.Session}). */
    public interface PeerCalls {
        /** {@code calls} untimed calls (warm-up). */
        void untimed(int calls);

        /** {@code calls} calls timed one by one, in ms. */
        double[] timed(int calls);
    }

    /**
     * One measured case.
     *
     * @param c           the case
     * @param gflop       its work per call
     * @param ours        our times
     * @param peer        the peer's times, or null
     * @param roundRatios per round, our median / the peer's median, in round order (empty without a peer)
     * @param maxAbsDiff  the largest |ours - peer| over the compared outputs (NaN without a peer)
     */
    public record Row(BenchCase c, double gflop, Stats ours, Stats peer, double[] roundRatios, double maxAbsDiff) {
        public Row {
            roundRatios = roundRatios.clone();
        }

        @Override
        public double[] roundRatios() {
            return roundRatios.clone();
        }

        /** ours / peer median, NaN without a peer. */
        public double ratio() {
            return peer == null ? Double.NaN : ours.median() / peer.median();
        }

        /** The per-round ratios as statistics, or null without a peer. */
        public Stats roundRatioStats() {
            return roundRatios.length == 0 ? null : new Stats(roundRatios);
        }

        /** The same row with the first-call difference filled in. */
        public Row withMaxAbsDiff(double d) {
            return new Row(c, gflop, ours, peer, roundRatios, d);
        }
    }

    private Benchmark() {
    }

    /**
     * Our side of one case alone (no peer); writes its peer directory first when {@code peerDir} is not
     * null (for a separate peer run, e.g. {@code --profile}).
     */
    public static Row runOurs(BenchCase c, Settings s, Path peerDir, Map<String, Tensor> firstOutputs) throws Exception {
        BenchCase.Prepared p = c.prepare().get();
        if (peerDir != null) {
            Peer.writeCase(peerDir, c, p, s.warmup(), s.reps(), s.threads());
        }
        return measure(c, p, s, null, firstOutputs);
    }

    /**
     * Measures a built case: {@code warmup} untimed calls on our side then the peer's, then
     * {@link Settings#rounds()} rounds of (our {@link Settings#callsPerRound()} timed calls, then the peer's).
     * Our first call's outputs go to {@code firstOutputs}.
     *
     * @param peer the peer with this case loaded, or null for our side alone
     */
    public static Row measure(BenchCase c, BenchCase.Prepared p, Settings s, PeerCalls peer,
            Map<String, Tensor> firstOutputs) throws Exception {
        int k = s.callsPerRound();
        double[] ours = new double[s.reps()];
        double[] theirs = new double[s.reps()];
        double[] ratios = new double[peer == null ? 0 : s.rounds()];
        boolean first = true;
        for (int i = 0; i < s.warmup(); i++) {
            Map<String, Tensor> out = p.call().run();
            if (first) {
                firstOutputs.putAll(out);
                first = false;
            }
        }
        if (peer != null) {
            peer.untimed(s.warmup());
        }
        for (int r = 0; r < s.rounds(); r++) {
            for (int i = 0; i < k; i++) {
                long t0 = System.nanoTime();
                Map<String, Tensor> out = p.call().run();
                ours[r * k + i] = (System.nanoTime() - t0) / 1e6;
                if (first) {
                    firstOutputs.putAll(out);
                    first = false;
                }
            }
            if (peer != null) {
                double[] t = peer.timed(k);
                System.arraycopy(t, 0, theirs, r * k, k);
                ratios[r] = new Stats(Arrays.copyOfRange(ours, r * k, (r + 1) * k)).median() / new Stats(t).median();
            }
        }
        return new Row(c, p.gflop(), new Stats(ours), peer == null ? null : new Stats(theirs), ratios, Double.NaN);
    }

    /**
     * Per-op profile of our side of one case ({@link Profile}): the model is built with {@link OpTimer}
     * recording, {@code warmup} calls run, then the times of {@code reps} calls are kept. Writes the peer's
     * case directory first when {@code peerDir} is not null.
     */
    public static Profile profileOurs(BenchCase c, Settings s, Path peerDir) throws Exception {
        OpTimer timer = OpTimer.start();
        try {
            BenchCase.Prepared p = c.prepare().get();
            if (peerDir != null) {
                Peer.writeCase(peerDir, c, p, s.warmup(), s.reps(), s.threads());
            }
            for (int i = 0; i < s.warmup(); i++) {
                p.call().run();
            }
            timer.reset();
            long wall = 0;
            for (int i = 0; i < s.reps(); i++) {
                long t0 = System.nanoTime();
                p.call().run();
                wall += System.nanoTime() - t0;
            }
            return Profile.of(c.name(), timer.entries(), s.reps(), wall);
        } finally {
            OpTimer.stop();
        }
    }

    /**
     * An interleaved A/B comparison of our side of one case under two values of a system property read
     * while the model is built (e.g. {@code lockey.conv1d.dilation=direct,polyphase}): both variants are
     * built in this JVM, each gets {@code warmup} untimed calls, then the timed calls alternate A, B, A, B
     * ({@code reps} each), so that the load of a shared machine falls on both alike.
     *
     * @param ratio the median over the pairs of (B time / A time)
     */
    public record AB(String property, String a, String b, Stats timesA, Stats timesB, double ratio) {
    }

    /** Runs {@link AB} for case {@code c}; the property is restored afterwards. */
    public static AB interleaved(BenchCase c, Settings s, String property, String a, String b) throws Exception {
        String old = System.getProperty(property);
        BenchCase.Prepared pa;
        BenchCase.Prepared pb;
        try {
            System.setProperty(property, a);
            pa = c.prepare().get();
            System.setProperty(property, b);
            pb = c.prepare().get();
        } finally {
            if (old == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, old);
            }
        }
        for (int i = 0; i < s.warmup(); i++) {
            pa.call().run();
            pb.call().run();
        }
        double[] ta = new double[s.reps()];
        double[] tb = new double[s.reps()];
        double[] r = new double[s.reps()];
        for (int i = 0; i < s.reps(); i++) {
            BenchCase.Prepared first = i % 2 == 0 ? pa : pb;     // alternate which goes first in a pair
            BenchCase.Prepared second = i % 2 == 0 ? pb : pa;
            long t0 = System.nanoTime();
            first.call().run();
            long t1 = System.nanoTime();
            second.call().run();
            long t2 = System.nanoTime();
            double d1 = (t1 - t0) / 1e6;
            double d2 = (t2 - t1) / 1e6;
            ta[i] = i % 2 == 0 ? d1 : d2;
            tb[i] = i % 2 == 0 ? d2 : d1;
            r[i] = tb[i] / ta[i];
        }
        return new AB(property, a, b, new Stats(ta), new Stats(tb), new Stats(r).median());
    }

    /** ND4J's matmul rate: 2048 x 2048 float32 {@code mmul}, 3 warm-up and 10 timed calls, median. */
    public static double ourPeakGflops() {
        int n = 2048;
        Nd4j.getRandom().setSeed(0);
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        double[] t = new double[10];
        for (int i = 0; i < 13; i++) {
            long t0 = System.nanoTime();
            a.mmul(b, c);
            if (i >= 3) {
                t[i - 3] = (System.nanoTime() - t0) / 1e9;
            }
        }
        return 2.0 * n * n * n / new Stats(t).median() / 1e9;
    }

    /**
     * The table, one line per case: median ms and IQR on each side, the ratio of the medians and the range
     * (min-max) of the per-round ratios, our real-time factor and both GFLOP/s with their share of the
     * machine's peak: the faster of the two measured matmul rates (one machine).
     */
    public static List<String> table(List<Row> rows, double ourPeak, double peerPeak, boolean withPeer) {
        double peak = Double.isFinite(peerPeak) ? Math.max(ourPeak, peerPeak) : ourPeak;
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-24s %11s %9s %11s %9s %7s %13s %7s %15s %15s %10s",
                "case", "ours ms", "IQR", "torch ms", "IQR", "ratio", "round ratios", "RTF", "ours GFLOP/s",
                "torch GFLOP/s", "max|diff|"));
        for (Row r : rows) {
            double rtf = r.ours().median() / 1000 / r.c().audioSeconds();
            String oursRate = rate(r.gflop(), r.ours(), peak);
            if (withPeer && r.peer() != null) {
                Stats rr = r.roundRatioStats();
                lines.add(String.format(Locale.ROOT, "%-24s %11.1f %9.1f %11.1f %9.1f %6.2fx %13s %7.3f %15s %15s %10.2e",
                        r.c().name(), r.ours().median(), r.ours().iqr(), r.peer().median(), r.peer().iqr(), r.ratio(),
                        String.format(Locale.ROOT, "%.2f-%.2f", rr.min(), rr.max()), rtf, oursRate,
                        rate(r.gflop(), r.peer(), peak), r.maxAbsDiff()));
            } else {
                lines.add(String.format(Locale.ROOT, "%-24s %11.1f %9.1f %11s %9s %7s %13s %7.3f %15s %15s %10s",
                        r.c().name(), r.ours().median(), r.ours().iqr(), "-", "-", "-", "-", rtf, oursRate, "-", "-"));
            }
        }
        return lines;
    }

    private static String rate(double gflop, Stats s, double peak) {
        if (!(gflop > 0)) {
            return "-";
        }
        double g = gflop / (s.median() / 1000);
        return Double.isFinite(peak) && peak > 0 ? String.format(Locale.ROOT, "%.1f (%2.0f%%)", g, 100 * g / peak)
                : String.format(Locale.ROOT, "%.1f", g);
    }

    /**
     * {@code results.json}: {@code {"<case>": {"ours_ms", "peer_ms", "ratio", "round_ratios", ...}, ...,
     * "_machine": {...}}}; without a peer, the peer's fields and the ratios are null.
     */
    public static ObjectNode json(List<Row> rows, Map<String, Object> machine) {
        ObjectNode root = Json.object();
        for (Row r : rows) {
            ObjectNode o = root.putObject(r.c().name());
            o.put("description", r.c().description());
            o.put("component", r.c().component());
            o.put("ours_ms", r.ours().median());
            putOrNull(o, "peer_ms", r.peer() == null ? Double.NaN : r.peer().median());
            putOrNull(o, "ratio", r.ratio());
            Stats rr = r.roundRatioStats();
            if (rr == null) {
                o.putNull("round_ratios");
            } else {
                Arrays.stream(r.roundRatios()).forEach(o.putArray("round_ratios")::add);
            }
            putOrNull(o, "round_ratio_min", rr == null ? Double.NaN : rr.min());
            putOrNull(o, "round_ratio_max", rr == null ? Double.NaN : rr.max());
            putOrNull(o, "round_ratio_iqr", rr == null ? Double.NaN : rr.iqr());
            o.put("ours_iqr_ms", r.ours().iqr());
            o.put("ours_min_ms", r.ours().min());
            o.put("ours_max_ms", r.ours().max());
            putOrNull(o, "peer_iqr_ms", r.peer() == null ? Double.NaN : r.peer().iqr());
            o.put("reps", r.ours().n());
            o.put("rounds", Math.max(1, r.roundRatios().length));
            o.put("audio_seconds", r.c().audioSeconds());
            o.put("rtf", r.ours().median() / 1000 / r.c().audioSeconds());
            putOrNull(o, "gflop", r.gflop() > 0 ? r.gflop() : Double.NaN);
            putOrNull(o, "max_abs_diff", r.maxAbsDiff());
        }
        ObjectNode m = root.putObject("_machine");
        Map<String, Object> ordered = new LinkedHashMap<>(machine);
        ordered.forEach((k, v) -> {
            if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                m.put(k, n.doubleValue());
            } else if (v instanceof Number) {
                m.putNull(k);
            } else {
                m.put(k, String.valueOf(v));
            }
        });
        return root;
    }

    private static void putOrNull(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) {
            o.put(k, v);
        } else {
            o.putNull(k);
        }
    }

    /** Writes {@code results.json} atomically. */
    public static void writeJson(Path file, ObjectNode root) {
        Json.writePrettyWithNewline(file, root);
    }
}
