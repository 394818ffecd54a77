package org.lockey.corpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.lockey.LockeyException;
import org.lockey.train.Progress;

/**
 * {@code trace --out DIR} over a corpus on an engine: the clips without a row in {@code DIR} yet (a re-run resumes),
 * in batches, each batch's rows kept by the engine's {@link TraceStore} before the next starts (so a killed run
 * loses one batch at most), a progress line with an ETA, and at the end {@code DIR/results.csv} with every row.
 */
public final class CorpusTrace {
    /** Clips per batch by default: one Spark job each (its start costs well under a second). */
    public static final int DEFAULT_BATCH = 1000;

    /**
     * What a run did.
     *
     * @param listed  clips named by the input
     * @param skipped of those, clips already in the output (not traced again)
     * @param traced  clips traced by this run
     * @param rows    every row of the output (this run's and earlier ones'), sorted by clip
     * @param seconds wall time of the tracing (batches only: not the engine's start)
     * @param store   where the rows are kept
     */
    public record Summary(int listed, int skipped, int traced, List<TraceRow> rows, double seconds, String store) {
        /** Rows of the output with verdict {@code verdict}. */
        public long count(String verdict) {
            return rows.stream().filter(r -> r.verdict().equals(verdict)).count();
        }
    }

    private CorpusTrace() {
    }

    /** Traces the {@code clips} not yet in {@code out} on {@code engine}, {@code batch} clips at a time. */
    public static Summary run(Engine engine, TraceJob job, List<String> clips, Path out, int batch) {
        if (batch < 1) {
            throw new LockeyException("--batch must be at least 1");
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new LockeyException(out + ": cannot create the output directory (" + e.getMessage() + ")");
        }
        TraceStore store = engine.traceStore(out);
        Set<String> done = store.done();
        List<String> todo = clips.stream().filter(c -> !done.contains(c)).toList();
        int skipped = clips.size() - todo.size();
        if (skipped > 0) {
            System.err.printf("trace: %d of %d clips already in %s; tracing the other %d%n", skipped, clips.size(),
                    out, todo.size());
        }
        Progress progress = new Progress("trace (" + engine.name() + ")", 0, todo.size());
        long t0 = System.nanoTime();
        for (int from = 0; from < todo.size(); from += batch) {
            List<String> part = todo.subList(from, Math.min(todo.size(), from + batch));
            long offset = from;
            List<TraceRow> rows = engine.map(job, new ArrayList<>(part), n -> {
                synchronized (progress) {
                    progress.update(offset + n, Map.of());
                }
            });
            store.append(rows);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<TraceRow> all = store.all();
        CsvTraceStore.write(out.resolve(TraceStore.CSV), all);
        return new Summary(clips.size(), skipped, todo.size(), all, seconds, store.describe());
    }
}
