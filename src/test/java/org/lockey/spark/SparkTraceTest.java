package org.lockey.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.cli.MainTest;
import org.lockey.corpus.CorpusInput;
import org.lockey.corpus.CorpusTrace;
import org.lockey.corpus.CsvTraceStore;
import org.lockey.corpus.SerialEngine;
import org.lockey.corpus.TraceJob;
import org.lockey.corpus.TraceRow;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;

/**
 * {@code trace --out --engine spark} on the embedded master (issue 24): it names exactly the users behind a corpus of
 * valid-key outputs of two users, an invalid-key output, a clean clip and a broken file; its rows are the serial
 * engine's, bit for bit; a re-run skips what is done; the registry's keys show nowhere.
 */
class SparkTraceTest {
    @TempDir
    Path dir;

    private static final String MASTER = "local[2]";

    @Test
    void sparkNamesExactlyTheRightUsersAndMatchesTheSerialEngineBitForBit() throws IOException {
        Corpus c = Corpus.get();
        MainTest.Run run = MainTest.run("trace", "--model", Corpus.MODEL.toString(), "--registry", c.registry.toString(),
                "--in", c.clips.toString(), "--out", dir.resolve("spark").toString(), "--engine", "spark",
                "--master", MASTER, "--batch", "4");
        assertEquals(0, run.code(), run.out() + run.err());
        List<TraceRow> spark = CsvTraceStore.readRows(dir.resolve("spark/results.csv"));
        assertEquals(c.expected.size(), spark.size(), spark.toString());
        for (TraceRow r : spark) {
            String want = c.expected.get(r.clip());
            if (want.equals("error")) {
                assertEquals(TraceRow.ERROR, r.verdict(), r.toString());
                assertTrue(r.note().startsWith(r.clip() + ": "), "the error names the clip: " + r.note());
            } else if (want.isEmpty()) {
                assertFalse(r.named(), r.toString());
                assertEquals("", r.user(), r.toString());
            } else {
                assertEquals(TraceRow.USER, r.verdict(), r.toString());
                assertEquals(want, r.user(), r.toString());
            }
        }

        // the serial engine on the same clips, in this JVM without the CLI: the same CSV bytes, and the Parquet rows
        // (full precision, read back by Spark; user null where none is named) are the serial rows exactly
        TraceJob job = TraceJob.of(Corpus.MODEL, c.registry, 2);
        List<TraceRow> serial;
        try (SerialEngine engine = new SerialEngine()) {
            serial = CorpusTrace.run(engine, job, CorpusInput.clips(c.clips), dir.resolve("serial"), 3).rows();
        }
        assertArrayEquals(Files.readAllBytes(dir.resolve("serial/results.csv")),
                Files.readAllBytes(dir.resolve("spark/results.csv")));
        try (SparkEngine engine = SparkEngine.open(MASTER, Map.of())) {
            assertEquals(serial, new ParquetTraceStore(engine.session(), dir.resolve("spark")).all());
            long users = engine.session().read().parquet(dir.resolve("spark/results.parquet").toString())
                    .filter("user is null").count();
            assertEquals(c.expected.values().stream().filter(u -> u.isEmpty() || u.equals("error")).count(), users);
        }
    }

    @Test
    void aReRunSkipsTheClipsAlreadyInTheOutput() throws IOException {
        Corpus c = Corpus.get();
        List<String> all = new ArrayList<>(c.expected.keySet());
        Path list = dir.resolve("first.txt");
        Files.writeString(list, "# two clips first\n" + all.get(0) + "\n\n" + all.get(1) + "\n");
        Path out = dir.resolve("out");
        String[] common = {"trace", "--model", Corpus.MODEL.toString(), "--registry", c.registry.toString(), "--out",
            out.toString(), "--engine", "spark", "--master", MASTER};
        MainTest.Run first = MainTest.run(concat(common, "--in", list.toString()));
        assertEquals(0, first.code(), first.out() + first.err());
        assertTrue(first.out().startsWith("2 clips listed, 0 already done, 2 traced"), first.out());

        MainTest.Run second = MainTest.run(concat(common, "--in", c.clips.toString()));
        assertEquals(0, second.code(), second.out() + second.err());
        assertTrue(second.out().startsWith(all.size() + " clips listed, 2 already done, " + (all.size() - 2)
                + " traced"), second.out());
        List<TraceRow> rows = CsvTraceStore.readRows(out.resolve("results.csv"));
        assertEquals(all.size(), rows.size());
        try (SparkEngine engine = SparkEngine.open(MASTER, Map.of())) {
            assertEquals(all.size(), engine.session().read().parquet(out.resolve("results.parquet").toString()).count(),
                    "one Parquet row per clip, none twice");
        }

        MainTest.Run third = MainTest.run(concat(common, "--in", c.clips.toString()));
        assertEquals(0, third.code(), third.out() + third.err());
        assertTrue(third.out().startsWith(all.size() + " clips listed, " + all.size() + " already done, 0 traced"),
                third.out());
    }

    @Test
    void theRegistryNeverShowsInOutputsLogsOrTheSparkEventLog() throws IOException {
        Corpus c = Corpus.get();
        Path events = dir.resolve("events");
        Files.createDirectories(events);
        Path out = dir.resolve("out");
        // the event log is what the Spark UI and its history server show: job and stage labels, settings, plans
        MainTest.Run run = MainTest.run("trace", "--model", Corpus.MODEL.toString(), "--registry", c.registry.toString(),
                "--in", c.clips.toString(), "--out", out.toString(), "--engine", "spark", "--master", MASTER,
                "--conf", "spark.eventLog.enabled=true", "--conf", "spark.eventLog.dir=" + events.toUri());
        assertEquals(0, run.code(), run.out() + run.err());

        KeyRegistry registry = KeyRegistry.load(c.registry);
        List<String> keys = registry.validKeys().stream().map(Key::toHex).toList();
        assertEquals(2, registry.issued().size());
        String registryText = Files.readString(c.registry);
        assertEquals(keys.size(), keys.stream().filter(k -> shows(registryText, k)).count(), "the check finds keys");

        List<Path> seen = new ArrayList<>();
        try (Stream<Path> s = Stream.concat(Files.walk(out), Files.walk(events))) {
            s.filter(Files::isRegularFile).forEach(seen::add);
        }
        assertTrue(seen.stream().anyMatch(p -> p.toString().endsWith(".parquet")), seen.toString());
        assertTrue(seen.stream().anyMatch(p -> p.startsWith(events)), "an event log was written: " + seen);
        List<String> leaks = new ArrayList<>();
        for (Path p : seen) {
            String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
            keys.stream().filter(k -> shows(text, k)).forEach(k -> leaks.add(p + " shows a key"));
            assertFalse(text.contains(registryText.substring(0, 40)), p + " holds the registry");
        }
        for (String text : new String[] {run.out(), run.err()}) {
            keys.stream().filter(k -> shows(text, k)).forEach(k -> leaks.add("the command's output shows a key"));
        }
        assertEquals(List.of(), leaks);
        assertTrue(Files.readString(out.resolve("results.csv")).contains(",alice,"), "user ids are the output");
    }

    /** {@code key} as a word of hex digits in {@code text} (not inside a longer hex string: a hash, an id). */
    private static boolean shows(String text, String key) {
        return Pattern.compile("(?i)(?<![0-9a-f])" + key + "(?![0-9a-f])").matcher(text).find();
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
