package org.lockey.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;
import org.lockey.io.Json;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The PyTorch side of the benchmark: {@code src/bench/peer/run.py} run by a Python with torch (Debian's
 * {@code python3-torch} at {@code /usr/bin/python3} by default). The protocol ({@code src/bench/peer/README.md}):
 * a case directory holds {@code case.json}, {@code weights.safetensors} (upstream keys) and
 * {@code inputs.safetensors}; the peer writes {@code peer_outputs.safetensors} (the outputs of its first
 * call) into it. {@link #open} starts one persistent peer ({@code run.py --serve}) that loads a case and
 * runs calls on request, so that the benchmark can alternate its own calls with the peer's
 * ({@link Benchmark#measure}); {@link #run} is the older batch mode (every case in one go, times in
 * {@code peer.json}).
 */
public final class Peer {
    private final Path python;
    private final Path script;

    /**
     * @param python the interpreter
     * @param script {@code src/bench/peer/run.py}
     */
    public Peer(Path python, Path script) {
        this.python = python;
        this.script = script;
    }

    /** Why the peer cannot run (no interpreter, no script, no torch), or empty when it can; also the torch version. */
    public Availability check() {
        if (!Files.isExecutable(python)) {
            return new Availability(false, python + " not found (install Debian's python3-torch)", "");
        }
        if (!Files.isRegularFile(script)) {
            return new Availability(false, script + " not found (run from the repository root)", "");
        }
        List<String> out = new ArrayList<>();
        int rc = exec(List.of(python.toString(), "-c", "import torch; print(torch.__version__)"), out::add, 120);
        if (rc != 0 || out.isEmpty()) {
            return new Availability(false, python + " has no torch (install Debian's python3-torch)", "");
        }
        return new Availability(true, "", out.get(out.size() - 1).trim());
    }

    /**
     * Whether the peer can run.
     *
     * @param ok           it can
     * @param problem      why not (one line)
     * @param torchVersion {@code torch.__version__}
     */
    public record Availability(boolean ok, String problem, String torchVersion) {
    }

    /** Writes a case directory for the peer (before our calls: a training step changes the weights). */
    public static void writeCase(Path dir, BenchCase c, BenchCase.Prepared p, int warmup, int reps, int threads) {
        ObjectNode j = Json.object();
        j.put("name", c.name()).put("component", c.component());
        j.set("config", p.config());
        j.put("warmup", warmup).put("reps", reps).put("threads", threads);
        p.inputs().keySet().forEach(j.putArray("inputs")::add);
        p.outputs().forEach(j.putArray("outputs")::add);
        j.putObject("extras");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve("peer.json"));
            Files.deleteIfExists(dir.resolve("peer_outputs.safetensors"));
        } catch (IOException e) {
            throw new LockeyException(dir + ": cannot prepare the case directory (" + e.getMessage() + ")");
        }
        if (!p.weights().isEmpty()) {
            SafeTensors.write(dir.resolve("weights.safetensors"), p.weights(), Map.of());
        }
        SafeTensors.write(dir.resolve("inputs.safetensors"), p.inputs(), Map.of());
        Json.writePrettyWithNewline(dir.resolve("case.json"), j);
    }

    /**
     * Starts a persistent peer ({@code run.py --serve}): one process for every case of a run, driven by the
     * line protocol of {@code src/bench/peer/README.md}. Lines the peer prints besides its replies go to
     * {@code log}.
     *
     * @throws LockeyException when the process cannot start
     */
    public Session open(int threads, Consumer<String> log) {
        try {
            Process proc = new ProcessBuilder(python.toString(), script.toString(), "--serve", "--threads",
                    Integer.toString(threads)).redirectErrorStream(true).start();
            return new Session(proc, log);
        } catch (IOException e) {
            throw new LockeyException(python + " " + script + " --serve: cannot start (" + e.getMessage() + ")");
        }
    }

    /**
     * A running {@code run.py --serve}: {@link #load} a case directory, then {@link #untimed} and
     * {@link #timed} calls of it. Each request is one line; the peer answers with exactly one line
     * starting {@code @peer ok} or {@code @peer error}.
     */
    public static final class Session implements Benchmark.PeerCalls, AutoCloseable {
        /** The prefix of the peer's reply lines. */
        static final String REPLY = "@peer ";
        private final Process proc;
        private final BufferedWriter requests;
        private final BufferedReader replies;
        private final Consumer<String> log;

        Session(Process proc, Consumer<String> log) {
            this.proc = proc;
            this.requests = new BufferedWriter(new OutputStreamWriter(proc.getOutputStream(), StandardCharsets.UTF_8));
            this.replies = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8));
            this.log = log;
        }

        /** Builds the case in {@code dir} (untimed); its next call's outputs go to {@code peer_outputs.safetensors}. */
        public void load(Path dir) {
            request("load " + dir.toAbsolutePath());
        }

        @Override
        public void untimed(int calls) {
            if (calls > 0) {
                request("warmup " + calls);
            }
        }

        @Override
        public double[] timed(int calls) {
            String[] words = request("time " + calls).trim().split("\\s+");
            if (words.length != calls || words[0].isEmpty()) {
                throw new LockeyException("the peer returned " + (words[0].isEmpty() ? 0 : words.length) + " times for "
                        + calls + " calls");
            }
            double[] t = new double[calls];
            for (int i = 0; i < calls; i++) {
                t[i] = Double.parseDouble(words[i]);
            }
            return t;
        }

        /** Sends one request; returns the words after {@code @peer ok}; a peer error or exit becomes a LockeyException. */
        private String request(String line) {
            try {
                requests.write(line);
                requests.newLine();
                requests.flush();
                String reply;
                while ((reply = replies.readLine()) != null) {
                    if (reply.startsWith(REPLY + "ok")) {
                        return reply.substring((REPLY + "ok").length());
                    }
                    if (reply.startsWith(REPLY + "error")) {
                        throw new LockeyException("the PyTorch peer failed on '" + line + "': "
                                + reply.substring((REPLY + "error").length()).trim());
                    }
                    log.accept(reply);
                }
            } catch (IOException e) {
                throw new LockeyException("the PyTorch peer stopped answering (" + e.getMessage() + ") on '" + line + "'");
            }
            throw new LockeyException("the PyTorch peer exited on '" + line + "'; see its lines above");
        }

        /** Asks the peer to quit, and ends it if it does not within 10 s. */
        @Override
        public void close() {
            try {
                if (proc.isAlive()) {
                    requests.write("quit");
                    requests.newLine();
                    requests.flush();
                }
            } catch (IOException e) {
                // the peer is gone already; nothing to ask
            }
            try {
                if (!proc.waitFor(10, TimeUnit.SECONDS)) {
                    proc.destroyForcibly();
                }
            } catch (InterruptedException e) {
                proc.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Times the cases in {@code dirs} (one Python process), streaming its lines to {@code log}.
     *
     * @throws LockeyException when the peer fails
     */
    public void run(List<Path> dirs, int threads, Consumer<String> log) {
        List<String> cmd = new ArrayList<>(List.of(python.toString(), script.toString(), "--threads",
                Integer.toString(threads)));
        dirs.forEach(d -> cmd.add(d.toString()));
        int rc = exec(cmd, log, 3600);
        if (rc != 0) {
            throw new LockeyException(script + " failed (exit " + rc + "); see its lines above");
        }
    }

    /**
     * Profiles the case in {@code dir} (its {@code warmup} and {@code reps}) with {@code torch.profiler}: the
     * self CPU time per op, per call, written to {@code out} in the layout of {@link Profile#tsv}.
     *
     * @throws LockeyException when the peer fails
     */
    public void profile(Path dir, int threads, Path out, Consumer<String> log) {
        int rc = exec(List.of(python.toString(), script.toString(), "--profile", out.toString(), "--threads",
                Integer.toString(threads), dir.toString()), log, 3600);
        if (rc != 0) {
            throw new LockeyException(script + " --profile failed (exit " + rc + "); see its lines above");
        }
    }

    /** The peer's matmul peak in GFLOP/s (torch.mm of 2048 x 2048 float32), written to {@code out} too. */
    public double peak(int threads, Path out) {
        try {
            Files.createDirectories(out.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new LockeyException(out.getParent() + ": cannot create (" + e.getMessage() + ")");
        }
        List<String> lines = new ArrayList<>();
        int rc = exec(List.of(python.toString(), script.toString(), "--peak", "--threads", Integer.toString(threads),
                out.toString()), lines::add, 600);
        if (rc != 0) {
            throw new LockeyException(script + " --peak failed (exit " + rc + ")"
                    + (lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1)));
        }
        return readJson(out).path("gflops").asDouble(Double.NaN);
    }

    /**
     * The peer's result of one case.
     *
     * @param stats   its call times
     * @param outputs its first call's outputs
     * @param notes   its remarks (may be empty)
     */
    public record Result(Stats stats, Map<String, Tensor> outputs, String notes) {
    }

    /** The outputs of the peer's first call of the case in {@code dir}. */
    public static Map<String, Tensor> firstOutputs(Path dir) {
        Path f = dir.resolve("peer_outputs.safetensors");
        if (!Files.isRegularFile(f)) {
            throw new LockeyException(f + ": the peer wrote no outputs");
        }
        return SafeTensors.read(f).tensors();
    }

    /** Reads what the batch-mode peer ({@link #run}) wrote into a case directory. */
    public static Result read(Path dir) {
        JsonNode j = readJson(dir.resolve("peer.json"));
        JsonNode times = j.path("times_ms");
        if (!times.isArray() || times.isEmpty()) {
            throw new LockeyException(dir.resolve("peer.json") + ": no times_ms");
        }
        double[] t = new double[times.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = times.get(i).asDouble();
        }
        Map<String, Tensor> outputs = SafeTensors.read(dir.resolve("peer_outputs.safetensors")).tensors();
        return new Result(new Stats(t), outputs, j.path("notes").asText(""));
    }

    /** Largest absolute difference between our outputs and the peer's, over every output both have. */
    public static double maxAbsDiff(Map<String, Tensor> ours, Map<String, Tensor> peer) {
        double worst = 0;
        for (Map.Entry<String, Tensor> e : ours.entrySet()) {
            Tensor p = peer.get(e.getKey());
            if (p == null) {
                throw new LockeyException("the peer did not return output '" + e.getKey() + "'");
            }
            double[] a = e.getValue().toDoubleArray();
            double[] b = p.toDoubleArray();
            if (a.length != b.length) {
                throw new LockeyException("output '" + e.getKey() + "': " + a.length + " values here, " + b.length
                        + " from the peer");
            }
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
        }
        return worst;
    }

    private static JsonNode readJson(Path p) {
        try {
            return Json.read(p);
        } catch (IOException e) {
            throw new LockeyException(p + ": cannot read (" + AtomicFiles.reason(e) + ")");
        }
    }

    private static int exec(List<String> cmd, Consumer<String> log, long timeoutSeconds) {
        try {
            Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.accept(line);
                }
            }
            if (!proc.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                return -1;
            }
            return proc.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The default interpreter: Debian's, where {@code python3-torch} installs torch. */
    public static Path defaultPython() {
        return Path.of("/usr/bin/python3");
    }

    /** The runner script under the repository root {@code root}. */
    public static Path script(Path root) {
        return root.resolve("src/bench/peer/run.py");
    }
}
