package org.lockey.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.bench.BenchCase;
import org.lockey.bench.Benchmark;
import org.lockey.bench.Cases;
import org.lockey.bench.Peer;
import org.lockey.bench.PeerGate;
import org.lockey.bench.Profile;
import org.lockey.bench.Stats;
import org.lockey.io.AtomicFiles;
import org.lockey.io.Tensor;

/** {@code ./lockey bench}: the side-by-side benchmark against PyTorch (issue 8; docs/benchmarks.md). */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "time every component (ours, and with --peer PyTorch side by side); table + bench-out/results.json";
    }

    @Override
    public String details() {
        return "Cases: " + String.join(", ", Cases.all().stream().map(BenchCase::name).toList()) + ".\n"
                + "Our threads are OMP_NUM_THREADS (the launcher's default: all cores); --threads sets the peer's and "
                + "should match. The peer is src/bench/peer/run.py under /usr/bin/python3 with Debian's python3-torch; "
                + "without it the table has our side only. Each side's GFLOP/s is also given as a share of its own "
                + "measured matmul peak (2048 x 2048 float32). With --peer both peaks are measured before any case, and "
                + "a peer below " + PeerGate.MIN_PEAK_SHARE + " x ours is refused (a torch on the reference BLAS) unless "
                + "--allow-slow-peer. Per case, --rounds rounds alternate our calls and the peer's (reps / rounds each), "
                + "so that the drift of a shared machine falls on both; the table gives the range of the per-round "
                + "ratios. Figures and levers: docs/benchmarks.md.";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("peer").desc("also run the PyTorch peer and compare").build())
                .addOption(Option.builder().longOpt("cases").hasArg().argName("A,B")
                        .desc("only these cases (comma-separated; default all)").build())
                .addOption(Option.builder().longOpt("warmup").hasArg().argName("N")
                        .desc("untimed calls per case first (default 3)").build())
                .addOption(Option.builder().longOpt("reps").hasArg().argName("N")
                        .desc("timed calls per case and side (default 10)").build())
                .addOption(Option.builder().longOpt("rounds").hasArg().argName("R")
                        .desc("with --peer: rounds of reps/R our calls then reps/R the peer's (default 5; must divide "
                                + "--reps)").build())
                .addOption(Option.builder().longOpt("allow-slow-peer")
                        .desc("time the peer even when its matmul peak is below " + PeerGate.MIN_PEAK_SHARE
                                + " x ours (e.g. torch on the reference BLAS); the table is then no fair comparison")
                        .build())
                .addOption(Option.builder().longOpt("threads").hasArg().argName("N")
                        .desc("the peer's threads (default: OMP_NUM_THREADS, else all cores)").build())
                .addOption(Option.builder().longOpt("out").hasArg().argName("DIR")
                        .desc("output directory (default bench-out)").build())
                .addOption(Option.builder().longOpt("profile").hasArg().argName("CASE")
                        .desc("per-op profile of one case instead of the table: OUT/profile-CASE.tsv (with --peer also "
                                + "PyTorch's, OUT/profile-CASE-torch.tsv)").build())
                .addOption(Option.builder().longOpt("ab").hasArg().argName("PROP=A,B")
                        .desc("interleaved A/B of our side instead of the table: each case built under system property "
                                + "PROP=A and PROP=B, calls alternating (e.g. lockey.conv1d.dilation=direct,polyphase)")
                        .build())
                .addOption(Option.builder().longOpt("python").hasArg().argName("EXE")
                        .desc("the peer's Python (default /usr/bin/python3)").build());
    }

    @Override
    public int run(CommandLine cl) throws Exception {
        List<BenchCase> cases = cl.hasOption("cases")
                ? Cases.select(Arrays.stream(cl.getOptionValue("cases").split(",")).map(String::trim).toList())
                : Cases.all();
        String omp = System.getenv("OMP_NUM_THREADS");
        int defaultThreads = omp != null && omp.matches("\\d+") ? Integer.parseInt(omp)
                : Runtime.getRuntime().availableProcessors();
        int reps = Options2.intValue(cl, "reps", 10);
        // --rounds defaults to 5 when it divides --reps, else to one round per call
        int rounds = Options2.intValue(cl, "rounds", reps % DEFAULT_ROUNDS == 0 ? DEFAULT_ROUNDS : reps);
        Benchmark.Settings s = new Benchmark.Settings(Options2.intValue(cl, "warmup", 3), reps, rounds,
                Options2.intValue(cl, "threads", defaultThreads), Path.of(cl.getOptionValue("out", "bench-out")));
        PeerGate.SlowPeerPolicy slowPeer = cl.hasOption("allow-slow-peer") ? PeerGate.SlowPeerPolicy.MEASURE_ANYWAY
                : PeerGate.SlowPeerPolicy.REFUSE;
        Peer peer = new Peer(Path.of(cl.getOptionValue("python", Peer.defaultPython().toString())),
                Peer.script(Path.of("")));
        boolean withPeer = false;
        String peerNote = "PyTorch peer not requested (--peer): our side only";
        String torch = "";
        if (cl.hasOption("peer")) {
            Peer.Availability a = peer.check();
            withPeer = a.ok();
            torch = a.torchVersion();
            peerNote = a.ok() ? "PyTorch " + a.torchVersion() + " (" + cl.getOptionValue("python", "/usr/bin/python3") + ")"
                    : "PyTorch peer unavailable: " + a.problem() + "; our side only";
        }
        if (cl.hasOption("ab")) {
            return ab(cases, s, cl.getOptionValue("ab"));
        }
        double ourPeak = Benchmark.ourPeakGflops();
        System.out.printf(Locale.ROOT, "ND4J matmul peak (2048^2 float32): %.1f GFLOP/s%n", ourPeak);
        double peerPeak = withPeer ? gate(peer, s, ourPeak, slowPeer) : Double.NaN;
        if (cl.hasOption("profile")) {
            return profile(Cases.select(List.of(cl.getOptionValue("profile"))).get(0), s, withPeer ? peer : null);
        }
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("processors", Runtime.getRuntime().availableProcessors());
        machine.put("omp_num_threads", omp == null ? "(unset)" : omp);
        machine.put("omp_wait_policy", env("OMP_WAIT_POLICY"));
        machine.put("peer_threads", s.threads());
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("nd4j_backend", org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName());
        machine.put("torch", withPeer ? torch : "(none)");
        machine.put("warmup", s.warmup());
        machine.put("reps", s.reps());
        machine.put("rounds", s.rounds());
        machine.put("ours_peak_gflops", ourPeak);
        machine.put("peer_peak_gflops", peerPeak);
        if (withPeer) {
            machine.put("peer_fairness", PeerGate.decide(ourPeak, peerPeak).verdict().name().toLowerCase(Locale.ROOT));
        }
        System.out.printf(Locale.ROOT, "lockey bench: %d cases, warm-up %d, %d timed calls each%s; %d processors, "
                + "OMP_NUM_THREADS=%s OMP_WAIT_POLICY=%s; %s%n", cases.size(), s.warmup(), s.reps(),
                withPeer ? String.format(Locale.ROOT, " in %d rounds of %d ours then %d PyTorch's", s.rounds(),
                        s.callsPerRound(), s.callsPerRound()) : "",
                Runtime.getRuntime().availableProcessors(), machine.get("omp_num_threads"), env("OMP_WAIT_POLICY"), peerNote);

        List<Benchmark.Row> rows = new ArrayList<>();
        try (Peer.Session session = withPeer ? peer.open(s.threads(), line -> System.out.println("  peer: " + line)) : null) {
            for (int i = 0; i < cases.size(); i++) {
                BenchCase c = cases.get(i);
                long t0 = System.nanoTime();
                Benchmark.Row r = measure(c, s, session);
                rows.add(r);
                if (session == null) {
                    System.out.printf(Locale.ROOT, "[%d/%d] %-24s ours: median %.1f ms (IQR %.1f, min %.1f, max %.1f; "
                            + "%.0f s in all)%n", i + 1, cases.size(), c.name(), r.ours().median(), r.ours().iqr(),
                            r.ours().min(), r.ours().max(), (System.nanoTime() - t0) / 1e9);
                } else {
                    Stats rr = r.roundRatioStats();
                    System.out.printf(Locale.ROOT, "[%d/%d] %-24s ours %.1f ms, PyTorch %.1f ms, ratio %.2fx (rounds "
                            + "%.2f-%.2f), max|diff| %.2e; %.0f s in all%n", i + 1, cases.size(), c.name(),
                            r.ours().median(), r.peer().median(), r.ratio(), rr.min(), rr.max(), r.maxAbsDiff(),
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        System.out.println();
        Benchmark.table(rows, ourPeak, peerPeak, withPeer).forEach(System.out::println);
        System.out.println("(ms: median of " + s.reps() + " calls; ratio = ours / PyTorch medians; round ratios = min-max "
                + "over the " + s.rounds() + " rounds of our round median / PyTorch's; RTF = our median / audio seconds; "
                + "max|diff| = largest difference of the first call's outputs)");
        if (!withPeer) {
            System.out.println(peerNote + ".");
        }
        Path json = s.out().resolve("results.json");
        Benchmark.writeJson(json, Benchmark.json(rows, machine));
        System.out.println("wrote " + json);
        return OK;
    }

    /** Rounds per case unless {@code --rounds} says otherwise (when it divides {@code --reps}). */
    static final int DEFAULT_ROUNDS = 5;

    /**
     * The peer's matmul peak, measured before any case; refuses (one-line error) a peer below
     * {@link PeerGate#MIN_PEAK_SHARE} of ours unless {@code policy} says to measure anyway.
     */
    private static double gate(Peer peer, Benchmark.Settings s, double ourPeak, PeerGate.SlowPeerPolicy policy) {
        double peerPeak;
        try {
            peerPeak = peer.peak(s.threads(), s.out().resolve("peer_peak.json"));
        } catch (LockeyException e) {
            System.out.println("PyTorch matmul peak: not measured: " + e.getMessage());
            peerPeak = Double.NaN;
        }
        System.out.printf(Locale.ROOT, "PyTorch matmul peak (2048^2 float32): %.1f GFLOP/s%n", peerPeak);
        PeerGate.Decision d = PeerGate.decide(ourPeak, peerPeak);
        if (!d.permits(policy)) {
            throw new LockeyException(d.message());
        }
        if (d.verdict() != PeerGate.Verdict.FAIR) {
            System.out.println("warning (--allow-slow-peer): " + d.message());
        }
        return peerPeak;
    }

    /** One case: built here and, with a peer session, loaded there; then the interleaved rounds. */
    private static Benchmark.Row measure(BenchCase c, Benchmark.Settings s, Peer.Session session) throws Exception {
        BenchCase.Prepared p = c.prepare().get();
        Path dir = s.out().resolve("cases").resolve(c.name());
        if (session != null) {
            // written before our calls: a training step changes the weights
            Peer.writeCase(dir, c, p, s.warmup(), s.reps(), s.threads());
            session.load(dir);
        }
        Map<String, Tensor> first = new LinkedHashMap<>();
        Benchmark.Row r = Benchmark.measure(c, p, s, session, first);
        return session == null ? r : r.withMaxAbsDiff(Peer.maxAbsDiff(first, Peer.firstOutputs(dir)));
    }

    /** {@code --ab PROP=A,B}: interleaved A/B timings of our side, one line per case. */
    private static int ab(List<BenchCase> cases, Benchmark.Settings s, String spec) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([\\w.]+)=([^,]+),([^,]+)").matcher(spec);
        if (!m.matches()) {
            throw new LockeyException("--ab " + spec + ": expected PROP=A,B");
        }
        System.out.printf(Locale.ROOT, "lockey bench --ab %s: warm-up %d each, %d interleaved pairs; OMP_NUM_THREADS=%s "
                + "OMP_WAIT_POLICY=%s%n", spec, s.warmup(), s.reps(), env("OMP_NUM_THREADS"), env("OMP_WAIT_POLICY"));
        for (BenchCase c : cases) {
            Benchmark.AB r = Benchmark.interleaved(c, s, m.group(1), m.group(2), m.group(3));
            System.out.printf(Locale.ROOT, "%-24s %s: median %.1f ms (IQR %.1f, min %.1f) | %s: median %.1f ms "
                    + "(IQR %.1f, min %.1f) | median pair ratio %s/%s %.3f%n", c.name(), r.a(), r.timesA().median(),
                    r.timesA().iqr(), r.timesA().min(), r.b(), r.timesB().median(), r.timesB().iqr(), r.timesB().min(),
                    r.b(), r.a(), r.ratio());
        }
        return OK;
    }

    /** {@code --profile CASE}: our per-op profile (and the peer's) as TSV, and a summary on the terminal. */
    private static int profile(BenchCase c, Benchmark.Settings s, Peer peer) throws Exception {
        System.out.printf(Locale.ROOT, "lockey bench --profile %s: warm-up %d, %d profiled calls; OMP_NUM_THREADS=%s "
                + "OMP_WAIT_POLICY=%s%n", c.name(), s.warmup(), s.reps(), env("OMP_NUM_THREADS"), env("OMP_WAIT_POLICY"));
        Path dir = peer == null ? null : s.out().resolve("cases").resolve(c.name());
        Profile p = Benchmark.profileOurs(c, s, dir);
        Path tsv = s.out().resolve("profile-" + c.name() + ".tsv");
        AtomicFiles.writeString(tsv, p.tsv());
        p.summary().forEach(System.out::println);
        System.out.println("wrote " + tsv);
        if (peer != null) {
            Path torchTsv = s.out().resolve("profile-" + c.name() + "-torch.tsv");
            peer.profile(dir, s.threads(), torchTsv, line -> System.out.println("  " + line));
            System.out.println("wrote " + torchTsv);
        }
        return OK;
    }

    private static String env(String n) {
        String v = System.getenv(n);
        return v == null ? "(unset)" : v;
    }
}
