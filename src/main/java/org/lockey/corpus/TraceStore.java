package org.lockey.corpus;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Where {@code trace --out DIR} keeps its rows as it goes, so that a re-run skips the clips already traced
 * (resumable). Every engine ends a run by writing {@code DIR/results.csv}, all rows sorted by clip.
 */
public interface TraceStore {
    /** The CSV every engine writes at the end of a run. */
    String CSV = "results.csv";

    /** The clips with a row already. */
    Set<String> done();

    /** Adds the rows of one batch (kept even if the run is killed after this returns). */
    void append(List<TraceRow> rows);

    /** Every row, sorted by clip, one per clip. */
    List<TraceRow> all();

    /** What the store is, for the summary line ("DIR/results.csv"). */
    String describe();
}
