package org.lockey.bench;

import java.nio.file.Path;
import java.util.ArrayList;
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
 * Runs the cases on our side (and, when asked, on the PyTorch peer's), then prints the side-by-side
 * table and writes {@code results.json}. Our side: for each case the model is built (untimed),
 * {@code warmup} calls run untimed and {@code reps} calls are timed one by one with
 * {@link System#nanoTime()}; the outputs of the first call are kept for the comparison with the peer's.
 */
public final class Benchmark {
    /**
     * The settings.
     *
     * @param warmup  untimed calls first
     * @param reps    timed calls
     * @param threads threads the peer uses (ours: {@code OMP_NUM_THREADS}, reported)
     * @param out     the output directory ({@code results.json}, {@code cases/<name>/} for the peer)
     */
    public record Settings(int warmup, int reps, int threads, Path out) {
        public Settings {
            if (warmup < 0 || reps < 1 || threads < 1) {
                throw new LockeyException("need --warmup >= 0, --reps >= 1, --threads >= 1");
            }
        }
    }

    /**
     * One measured case.
     *
     * @param c         the case
     * @param gflop     its work per call
     * @param ours      our times
     * @param peer      the peer's times, or null
     * @param maxAbsDiff the largest |ours - peer| over the compared outputs (NaN without a peer)
     */
    public record Row(BenchCase c, double gflop, Stats ours, Stats peer, double maxAbsDiff) {
        /** ours / peer median, NaN without a peer. */
        public double ratio() {
            return peer == null ? Double.NaN : ours.median() / peer.median();
        }
    }

    private Benchmark() {
    }

    /** Our side of one case; writes its peer directory first when {@code peerDir} is not null. */
    public static Row runOurs(BenchCase c, Settings s, Path peerDir, Map<String, Tensor> firstOutputs) throws Exception {
        BenchCase.Prepared p = c.prepare().get();
        if (peerDir != null) {
            Peer.writeCase(peerDir, c, p, s.warmup(), s.reps(), s.threads());
        }
        double[] t = new double[s.reps()];
        for (int i = 0; i < s.warmup() + s.reps(); i++) {
            long t0 = System.nanoTime();
            Map<String, Tensor> out = p.call().run();
            double ms = (System.nanoTime() - t0) / 1e6;
            if (i == 0) {
                firstOutputs.putAll(out);
            }
            if (i >= s.warmup()) {
                t[i - s.warmup()] = ms;
            }
        }
        return new Row(c, p.gflop(), new Stats(t), null, Double.NaN);
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
     * The table, one line per case: median ms and IQR on each side, the ratio, our real-time factor
     * and both GFLOP/s with their share of the machine's peak: the faster of the two measured matmul
     * rates (one machine; Debian's torch runs {@code torch.mm} on a slow system BLAS, so its own matmul
     * rate is no ceiling for its convolutions).
     */
    public static List<String> table(List<Row> rows, double ourPeak, double peerPeak, boolean withPeer) {
        double peak = Double.isFinite(peerPeak) ? Math.max(ourPeak, peerPeak) : ourPeak;
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-24s %11s %9s %11s %9s %7s %7s %15s %15s %10s",
                "case", "ours ms", "IQR", "torch ms", "IQR", "ratio", "RTF", "ours GFLOP/s", "torch GFLOP/s", "max|diff|"));
        for (Row r : rows) {
            double rtf = r.ours().median() / 1000 / r.c().audioSeconds();
            String oursRate = rate(r.gflop(), r.ours(), peak);
            if (withPeer && r.peer() != null) {
                lines.add(String.format(Locale.ROOT, "%-24s %11.1f %9.1f %11.1f %9.1f %6.2fx %7.3f %15s %15s %10.2e",
                        r.c().name(), r.ours().median(), r.ours().iqr(), r.peer().median(), r.peer().iqr(), r.ratio(),
                        rtf, oursRate, rate(r.gflop(), r.peer(), peak), r.maxAbsDiff()));
            } else {
                lines.add(String.format(Locale.ROOT, "%-24s %11.1f %9.1f %11s %9s %7s %7.3f %15s %15s %10s",
                        r.c().name(), r.ours().median(), r.ours().iqr(), "-", "-", "-", rtf, oursRate, "-", "-"));
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
     * {@code results.json}: {@code {"<case>": {"ours_ms", "peer_ms", "ratio", ...}, ..., "_machine": {...}}};
     * without a peer, {@code peer_ms} and {@code ratio} are null.
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
            o.put("ours_iqr_ms", r.ours().iqr());
            o.put("ours_min_ms", r.ours().min());
            o.put("ours_max_ms", r.ours().max());
            putOrNull(o, "peer_iqr_ms", r.peer() == null ? Double.NaN : r.peer().iqr());
            o.put("reps", r.ours().n());
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
