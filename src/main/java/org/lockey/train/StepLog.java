package org.lockey.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;

/**
 * A training run's table with one row per step ({@code metrics.tsv}, {@code validation.tsv}): tab-separated, a header
 * line, then rows whose first cell is the step. Rows are appended as the run goes; on resume the rows of steps after
 * the checkpoint (written by a run killed after its last checkpoint) are dropped, so the table holds each step once.
 */
public final class StepLog {
    private StepLog() {
    }

    /** Appends {@code row}, writing {@code header} first when the file does not exist yet. */
    public static void append(Path file, String header, String row) {
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, header + "\n", StandardCharsets.UTF_8);
            }
            Files.writeString(file, row + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new LockeyException(file + ": cannot write (" + e.getMessage() + ")");
        }
    }

    /**
     * Drops the rows of steps after {@code step}; lines whose first cell is not a step (the header) stay. The file
     * is rewritten atomically; a missing file is left missing.
     */
    public static void dropAfter(Path file, long step) {
        if (!Files.exists(file)) {
            return;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LockeyException(file + ": cannot read (" + e.getMessage() + ")");
        }
        StringBuilder keep = new StringBuilder();
        for (String line : lines) {
            String first = line.split("\t", 2)[0];
            if (!first.matches("\\d+") || Long.parseLong(first) <= step) {
                keep.append(line).append('\n');
            }
        }
        AtomicFiles.writeString(file, keep.toString());
    }
}
