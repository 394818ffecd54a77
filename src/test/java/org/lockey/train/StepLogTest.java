package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-step table of a run: the header written once, and a resume dropping the rows after its checkpoint. */
class StepLogTest {
    @Test
    void theHeaderOnceAndTheRowsAfterACheckpointDropped(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("metrics.tsv");
        for (int step = 1; step <= 5; step++) {
            StepLog.append(f, "step\tloss", step + "\t0." + step);
        }
        assertEquals(List.of("step\tloss", "1\t0.1", "2\t0.2", "3\t0.3", "4\t0.4", "5\t0.5"), Files.readAllLines(f));
        StepLog.dropAfter(f, 3);
        assertEquals(List.of("step\tloss", "1\t0.1", "2\t0.2", "3\t0.3"), Files.readAllLines(f));
        StepLog.append(f, "step\tloss", "4\t0.9");
        assertEquals(List.of("step\tloss", "1\t0.1", "2\t0.2", "3\t0.3", "4\t0.9"), Files.readAllLines(f));
        StepLog.dropAfter(dir.resolve("none.tsv"), 0);
        assertFalse(Files.exists(dir.resolve("none.tsv")), "a missing table stays missing");
    }
}
