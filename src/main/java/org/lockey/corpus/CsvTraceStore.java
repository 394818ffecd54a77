package org.lockey.corpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;

/**
 * The serial engine's store: {@code DIR/results.csv} itself, rewritten (atomically) after every batch. Fine at the
 * serial engine's pace; the Spark engine appends Parquet files instead.
 */
public final class CsvTraceStore implements TraceStore {
    private final Path file;
    private final TreeMap<String, TraceRow> rows = new TreeMap<>();

    /** The store of {@code dir} (read now when it has a results.csv). */
    public CsvTraceStore(Path dir) {
        this.file = dir.resolve(CSV);
        if (Files.exists(file)) {
            readRows(file).forEach(r -> rows.putIfAbsent(r.clip(), r));
        }
    }

    /** The rows of a results CSV ({@link TraceRow#csv}). */
    public static List<TraceRow> readRows(Path file) {
        try {
            return TraceRow.parseCsv(Files.readString(file));
        } catch (IOException e) {
            throw new LockeyException(file + ": cannot read (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw new LockeyException(file + ": not a trace results file (" + e.getMessage() + ")");
        }
    }

    /** Writes {@code rows} (sorted by the caller) as a results CSV, atomically. */
    public static void write(Path file, List<TraceRow> rows) {
        StringBuilder sb = new StringBuilder(TraceRow.csvHeader()).append('\n');
        rows.forEach(r -> sb.append(r.csv()).append('\n'));
        AtomicFiles.writeString(file, sb.toString());
    }

    @Override
    public Set<String> done() {
        return Set.copyOf(rows.keySet());
    }

    @Override
    public void append(List<TraceRow> batch) {
        batch.forEach(r -> rows.putIfAbsent(r.clip(), r));
        write(file, all());
    }

    @Override
    public List<TraceRow> all() {
        return new ArrayList<>(rows.values());
    }

    @Override
    public String describe() {
        return file.toString();
    }
}
