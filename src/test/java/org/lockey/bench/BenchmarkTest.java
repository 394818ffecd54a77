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
        Benchmark.Row r = Benchmark.runOurs(counting(calls), new Benchmark.Settings(2, 5, 1, tmp), tmp.resolve("case"), first);
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
        Benchmark.AB r = Benchmark.interleaved(c, new Benchmark.Settings(1, 4, 1, tmp), prop, "fast", "slow");
        assertEquals(null, System.getProperty(prop), "property restored");
        assertEquals(List.of("fast", "slow", "fast", "slow", "slow", "fast", "fast", "slow", "slow", "fast"), order);
        assertEquals(4, r.timesA().n());
        assertEquals(4, r.timesB().n());
        assertTrue(r.timesB().median() > r.timesA().median(), r.toString());
        assertTrue(r.ratio() > 1.5, r.toString());
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
        Benchmark.Row alone = new Benchmark.Row(c, 3.0, new Stats(new double[] {10, 30, 20}), null, Double.NaN);
        JsonNode j = Benchmark.json(List.of(alone), Map.of("processors", 2));
        assertEquals(20.0, j.get("count").get("ours_ms").asDouble());
        assertTrue(j.get("count").get("peer_ms").isNull());
        assertTrue(j.get("count").get("ratio").isNull());
        assertEquals(0.01, j.get("count").get("rtf").asDouble(), 1e-12);   // 20 ms for 2 s of audio
        assertEquals(2.0, j.get("_machine").get("processors").asDouble());

        Benchmark.Row both = new Benchmark.Row(c, 3.0, new Stats(new double[] {10, 30, 20}), new Stats(new double[] {4, 5, 6}),
                1e-6);
        j = Benchmark.json(List.of(both), Map.of());
        assertEquals(5.0, j.get("count").get("peer_ms").asDouble());
        assertEquals(4.0, j.get("count").get("ratio").asDouble(), 1e-12);
        List<String> table = Benchmark.table(List.of(both), 100, 200, true);
        assertTrue(table.get(1).contains("4.00x"), table.get(1));
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
