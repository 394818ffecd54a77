package org.lockey.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** The harness: what it times, what it hands the peer, what it reads back and what it writes. */
class BenchmarkTest {
    @TempDir
    Path tmp;

    /** A case whose n-th call returns n, so that the kept outputs show which call they came from. */
    private static BenchCase counting(AtomicInteger calls) {
        return new BenchCase("count", "hifigan.mel", "counts its calls", 2.0, () -> new BenchCase.Prepared(
                JsonNodeFactory.instance.objectNode().put("n_fft", 8), Map.of("w", Tensor.ofFloats("w", new float[] {1, 2}, 2)),
                Map.of("audio", Tensor.ofFloats("audio", new float[] {0.5f}, 1, 1)), List.of("out"), 3.0,
                () -> Map.of("out", Tensor.ofFloats("out", new float[] {calls.incrementAndGet()}, 1))));
    }

    @Test
    void runsWarmupPlusRepsAndKeepsTheFirstCallsOutputs() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Map<String, Tensor> first = new LinkedHashMap<>();
        Benchmark.Row r = Benchmark.runOurs(counting(calls), new Benchmark.Settings(2, 5, 1, 1, tmp), tmp.resolve("case"), first);
        assertEquals(7, calls.get());
        assertEquals(5, r.ours().n());
        assertEquals(1f, first.get("out").toFloatArray()[0]);
        assertEquals(3.0, r.gflop());
        // the peer's directory: case.json with the protocol fields, weights and inputs
        JsonNode j = new ObjectMapper().readTree(tmp.resolve("case/case.json").toFile());
        assertEquals("count", j.get("name").asText());
        assertEquals("hifigan.mel", j.get("component").asText());
        assertEquals(8, j.get("config").get("n_fft").asInt());
        assertEquals(2, j.get("warmup").asInt());
        assertEquals(5, j.get("reps").asInt());
        assertEquals("audio", j.get("inputs").get(0).asText());
        assertEquals("out", j.get("outputs").get(0).asText());
        assertEquals(2f, SafeTensors.read(tmp.resolve("case/weights.safetensors")).get("w").toFloatArray()[1]);
        assertEquals(0.5f, SafeTensors.read(tmp.resolve("case/inputs.safetensors")).get("audio").toFloatArray()[0]);
    }

    @Test
    void interleavedAbBuildsEachVariantUnderItsPropertyAndAlternates() throws Exception {
        String prop = "lockey.test.ab";
        List<String> order = new java.util.ArrayList<>();
        BenchCase c = new BenchCase("ab", "hifigan.mel", "sleeps by variant", 1.0, () -> {
            String v = System.getProperty(prop);                               // read while building, as Conv1d does
            return new BenchCase.Prepared(JsonNodeFactory.instance.objectNode(), Map.of(), Map.of(), List.of(), 0, () -> {
                order.add(v);
                Thread.sleep(v.equals("slow") ? 6 : 2);
                return Map.of();
            });
        });
        Benchmark.AB r = Benchmark.interleaved(c, new Benchmark.Settings(1, 4, 1, 1, tmp), prop, "fast", "slow");
        assertEquals(null, System.getProperty(prop), "property restored");
        assertEquals(List.of("fast", "slow", "fast", "slow", "slow", "fast", "fast", "slow", "slow", "fast"), order);
        assertEquals(4, r.timesA().n());
        assertEquals(4, r.timesB().n());
        assertTrue(r.timesB().median() > r.timesA().median(), r.toString());
        assertTrue(r.ratio() > 1.5, r.toString());
    }

    /** A peer that logs what it was asked and answers fixed times: 10 ms per call in round 1, 20 in round 2, ... */
    private static final class ScriptedPeer implements Benchmark.PeerCalls {
        final List<String> log;
        int rounds;

        ScriptedPeer(List<String> log) {
            this.log = log;
        }

        @Override
        public void untimed(int calls) {
            log.add("peer warmup " + calls);
        }

        @Override
        public double[] timed(int calls) {
            rounds++;
            log.add("peer " + calls);
            double[] t = new double[calls];
            java.util.Arrays.fill(t, 10.0 * rounds);
            return t;
        }
    }

    @Test
    void roundsAlternateOurCallsWithThePeersAndGiveOneRatioPerRound() throws Exception {
        List<String> log = new java.util.ArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        BenchCase c = new BenchCase("alt", "hifigan.mel", "logs its calls", 1.0, () -> new BenchCase.Prepared(
                JsonNodeFactory.instance.objectNode(), Map.of(), Map.of(), List.of("out"), 0, () -> {
                    int n = calls.incrementAndGet();
                    log.add("ours");
                    Thread.sleep(n <= 2 ? 0 : 5);   // timed calls take at least 5 ms
                    return Map.of("out", Tensor.ofFloats("out", new float[] {n}, 1));
                }));
        Map<String, Tensor> first = new LinkedHashMap<>();
        Benchmark.Settings s = new Benchmark.Settings(2, 6, 3, 1, tmp);
        Benchmark.Row r = Benchmark.measure(c, c.prepare().get(), s, new ScriptedPeer(log), first);
        assertEquals(List.of("ours", "ours", "peer warmup 2", "ours", "ours", "peer 2", "ours", "ours", "peer 2", "ours",
                "ours", "peer 2"), log);
        assertEquals(1f, first.get("out").toFloatArray()[0], "outputs of our first (warm-up) call");
        assertEquals(6, r.ours().n());
        assertEquals(6, r.peer().n());
        assertEquals(20.0, r.peer().median());             // peer times 10, 10, 20, 20, 30, 30
        double[] rr = r.roundRatios();
        assertEquals(3, rr.length);
        // each round's ratio divides by that round's peer time: 10, 20, 30 ms; our calls take >= 5 ms each
        assertTrue(rr[0] >= 0.5 && rr[1] >= 0.25 && rr[2] >= 5.0 / 30, java.util.Arrays.toString(rr));
        assertEquals(r.ours().median() / 20.0, r.ratio(), 1e-12);
    }

    @Test
    void withoutWarmupTheFirstTimedCallGivesTheOutputsAndNoPeerMeansNoRatios() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Map<String, Tensor> first = new LinkedHashMap<>();
        BenchCase c = counting(calls);
        Benchmark.Row r = Benchmark.measure(c, c.prepare().get(), new Benchmark.Settings(0, 4, 2, 1, tmp), null, first);
        assertEquals(4, calls.get());
        assertEquals(1f, first.get("out").toFloatArray()[0]);
        assertEquals(0, r.roundRatios().length);
        assertEquals(null, r.roundRatioStats());
        assertTrue(Double.isNaN(r.ratio()));
    }

    @Test
    void roundsMustDivideTheTimedCalls() {
        LockeyException e = assertThrows(LockeyException.class, () -> new Benchmark.Settings(3, 10, 4, 2, tmp));
        assertTrue(e.getMessage().contains("--rounds 4"), e.getMessage());
        assertEquals(2, new Benchmark.Settings(3, 10, 5, 2, tmp).callsPerRound());
    }

    /** A stand-in for run.py --serve: the line protocol, a log line, and an error reply. */
    @Test
    void sessionSpeaksTheLineProtocol() throws Exception {
        Path python = Peer.defaultPython();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(python), "needs " + python);
        Path script = tmp.resolve("fake_run.py");
        Files.writeString(script, String.join("\n",
                "import sys",
                "assert sys.argv[1:] == ['--serve', '--threads', '3'], sys.argv",
                "for line in sys.stdin:",
                "    w = line.split()",
                "    if w[0] == 'load':",
                "        print('building ' + w[1]); print('@peer ok case 1.13 3')",
                "    elif w[0] == 'warmup':",
                "        print('@peer error RuntimeError: out of memory' if w[1] == '99' else '@peer ok')",
                "    elif w[0] == 'time':",
                "        print('@peer ok ' + ' '.join(str(1.5 * (i + 1)) for i in range(int(w[1]))))",
                "    elif w[0] == 'quit':",
                "        print('@peer ok bye'); break",
                "    else:",
                "        print('@peer error ValueError: no ' + w[0])",
                "    sys.stdout.flush()", ""));
        List<String> logged = new java.util.ArrayList<>();
        try (Peer.Session session = new Peer(python, script).open(3, logged::add)) {
            session.load(tmp.resolve("case"));
            session.untimed(2);
            assertEquals(List.of(1.5, 3.0, 4.5), java.util.Arrays.stream(session.timed(3)).boxed().toList());
            assertEquals(List.of("building " + tmp.resolve("case").toAbsolutePath()), logged);
            LockeyException e = assertThrows(LockeyException.class, () -> session.untimed(99));
            assertTrue(e.getMessage().endsWith("'warmup 99': RuntimeError: out of memory"), e.getMessage());
        }
    }

    @Test
    void readsThePeersAnswerAndComparesOutputs() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("c"));
        Files.writeString(dir.resolve("peer.json"), "{\"name\": \"count\", \"times_ms\": [3.0, 1.0, 2.0], \"notes\": \"n\"}");
        SafeTensors.write(dir.resolve("peer_outputs.safetensors"),
                Map.of("out", Tensor.ofFloats("out", new float[] {1.0f, 2.5f}, 2)), Map.of());
        Peer.Result p = Peer.read(dir);
        assertEquals(2.0, p.stats().median());
        assertEquals(0.25, Peer.maxAbsDiff(Map.of("out", Tensor.ofFloats("out", new float[] {1.0f, 2.25f}, 2)), p.outputs()),
                1e-7);
        assertThrows(LockeyException.class,
                () -> Peer.maxAbsDiff(Map.of("other", Tensor.ofFloats("other", new float[] {1}, 1)), p.outputs()));
        assertThrows(LockeyException.class,
                () -> Peer.maxAbsDiff(Map.of("out", Tensor.ofFloats("out", new float[] {1}, 1)), p.outputs()));
        Files.writeString(dir.resolve("peer.json"), "{\"times_ms\": []}");
        assertThrows(LockeyException.class, () -> Peer.read(dir));
    }

    @Test
    void aMissingInterpreterIsReportedNotThrown() {
        Peer.Availability a = new Peer(tmp.resolve("no-python"), tmp.resolve("run.py")).check();
        assertFalse(a.ok());
        assertTrue(a.problem().contains("no-python"), a.problem());
    }

    @Test
    void resultsJsonHasOursPeerAndRatioPerCase() {
        AtomicInteger calls = new AtomicInteger();
        BenchCase c = counting(calls);
        Benchmark.Row alone = new Benchmark.Row(c, 3.0, new Stats(new double[] {10, 30, 20}), null,
                new double[0], Double.NaN);
        JsonNode j = Benchmark.json(List.of(alone), Map.of("processors", 2));
        assertEquals(20.0, j.get("count").get("ours_ms").asDouble());
        assertTrue(j.get("count").get("peer_ms").isNull());
        assertTrue(j.get("count").get("ratio").isNull());
        assertEquals(0.01, j.get("count").get("rtf").asDouble(), 1e-12);   // 20 ms for 2 s of audio
        assertEquals(2.0, j.get("_machine").get("processors").asDouble());

        Benchmark.Row both = new Benchmark.Row(c, 3.0, new Stats(new double[] {10, 30, 20}), new Stats(new double[] {4, 5, 6}),
                new double[] {3.5, 4.5, 4.0}, 1e-6);
        j = Benchmark.json(List.of(both), Map.of());
        assertEquals(5.0, j.get("count").get("peer_ms").asDouble());
        assertEquals(4.0, j.get("count").get("ratio").asDouble(), 1e-12);
        assertEquals(3, j.get("count").get("round_ratios").size());
        assertEquals(4.5, j.get("count").get("round_ratios").get(1).asDouble());
        assertEquals(3.5, j.get("count").get("round_ratio_min").asDouble());
        assertEquals(4.5, j.get("count").get("round_ratio_max").asDouble());
        assertEquals(0.5, j.get("count").get("round_ratio_iqr").asDouble(), 1e-12);   // q75 4.25 - q25 3.75
        List<String> table = Benchmark.table(List.of(both), 100, 200, true);
        assertTrue(table.get(1).contains("4.00x"), table.get(1));
        assertTrue(table.get(1).contains("3.50-4.50"), table.get(1));
        // 3 GFLOP in 20 ms = 150 GFLOP/s, 75 % of the machine peak, the faster side's 200 GFLOP/s
        assertTrue(table.get(1).contains("150.0 (75%)"), table.get(1));   // peak = max(100, 200)
        assertTrue(Benchmark.table(List.of(alone), 100, Double.NaN, false).get(1).contains(" - "));
    }

    @Test
    void unknownCaseNamesAreRefusedWithTheList() {
        LockeyException e = assertThrows(LockeyException.class, () -> Cases.select(List.of("hifigan_v9_infer")));
        assertTrue(e.getMessage().contains("hifigan_v1_infer"), e.getMessage());
        assertEquals(List.of("mel_frontend", "encodec32k_decode"),
                Cases.select(List.of("encodec32k_decode", "mel_frontend")).stream().map(BenchCase::name).toList());
    }
}
