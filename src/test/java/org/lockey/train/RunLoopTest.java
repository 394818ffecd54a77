package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run loop with a solver that only counts: when it checkpoints and validates, where a resume starts, and that
 * the per-step table holds each step once across a run killed after its last checkpoint and resumed.
 */
class RunLoopTest {
    /** A solver whose "model" is its step count; it records what the loop asked of it, and may die at a step. */
    private static class CountingSolver implements RunLoop.Solver {
        final List<String> calls = new ArrayList<>();
        long step;
        long checkpointed = -1;
        long dieBefore = Long.MAX_VALUE;

        CountingSolver(long step) {
            this.step = step;
        }

        @Override
        public long stepsDone() {
            return step;
        }

        @Override
        public Map<String, Double> step() {
            if (step + 1 == dieBefore) {
                throw new IllegalStateException("killed");
            }
            step++;
            calls.add("step " + step);
            return Map.of("loss", 1.0 / step);
        }

        @Override
        public void saveCheckpoint() {
            checkpointed = step;
            calls.add("checkpoint " + step);
        }

        @Override
        public void validate(double seconds) {
            calls.add("validate " + step);
        }

        List<String> only(String kind) {
            return calls.stream().filter(c -> c.startsWith(kind)).toList();
        }
    }

    private static RunLoop loop(Path dir, long steps, int checkpointEvery, int validateEvery, RunLoop.Baseline b) {
        return new RunLoop("test", dir, new RunLoop.Schedule(steps, checkpointEvery, validateEvery, b))
                .withMetrics(new RunLoop.MetricsTable(dir.resolve("metrics.tsv"), "step\tloss",
                        (step, f, secs) -> String.format(Locale.ROOT, "%d\t%.4f", step, f.get("loss"))))
                .withProgressOn(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @Test
    void checkpointsAndValidatesOnScheduleAndAtTheLastStep(@TempDir Path dir) {
        CountingSolver s = new CountingSolver(0);
        RunLoop.Outcome o = loop(dir, 7, 3, 2, RunLoop.Baseline.VALIDATE_UNTRAINED).run(s);
        assertEquals(List.of("checkpoint 3", "checkpoint 6", "checkpoint 7"), s.only("checkpoint"));
        assertEquals(List.of("validate 0", "validate 2", "validate 4", "validate 6", "validate 7"), s.only("validate"));
        // After a step: its checkpoint, then its validation.
        int i = s.calls.indexOf("step 6");
        assertEquals(List.of("step 6", "checkpoint 6", "validate 6", "step 7"), s.calls.subList(i, i + 4));
        assertEquals(0, o.startStep());
        assertEquals(7, o.endStep());
        assertEquals(Map.of("loss", 1.0 / 7), o.lastFigures());
    }

    @Test
    void validatesOnlyAtTheEndWithoutAnIntervalAndWithoutBaseline(@TempDir Path dir) {
        CountingSolver none = new CountingSolver(0);
        loop(dir.resolve("a"), 5, 2, 0, RunLoop.Baseline.VALIDATE_UNTRAINED).run(none);
        assertEquals(List.of("validate 5"), none.only("validate"));
        CountingSolver noBaseline = new CountingSolver(0);
        loop(dir.resolve("b"), 4, 2, 2, RunLoop.Baseline.NONE).run(noBaseline);
        assertEquals(List.of("validate 2", "validate 4"), noBaseline.only("validate"));
    }

    @Test
    void aResumeStartsAtTheCheckpointWithoutBaselineAndTheTableHoldsEachStepOnce(@TempDir Path dir) throws Exception {
        CountingSolver first = new CountingSolver(0);
        first.dieBefore = 8;                                       // killed during step 8: checkpoint at 6, rows 1..7
        assertThrows(IllegalStateException.class,
                () -> loop(dir, 10, 3, 5, RunLoop.Baseline.VALIDATE_UNTRAINED).run(first));
        assertEquals(6, first.checkpointed);
        assertEquals(8, Files.readAllLines(dir.resolve("metrics.tsv")).size(), "header + steps 1..7");

        CountingSolver resumed = new CountingSolver(first.checkpointed);
        RunLoop.Outcome o = loop(dir, 10, 3, 5, RunLoop.Baseline.VALIDATE_UNTRAINED).run(resumed);
        assertEquals("step 7", resumed.calls.get(0), "the first step after the checkpoint, no baseline validation");
        assertEquals(List.of("checkpoint 9", "checkpoint 10"), resumed.only("checkpoint"));
        assertEquals(List.of("validate 10"), resumed.only("validate"));
        assertEquals(6, o.startStep());
        List<String> rows = Files.readAllLines(dir.resolve("metrics.tsv"));
        assertEquals("step\tloss", rows.get(0));
        for (int step = 1; step <= 10; step++) {
            assertEquals(String.format(Locale.ROOT, "%d\t%.4f", step, 1.0 / step), rows.get(step), "row of step " + step);
        }
        assertEquals(11, rows.size());
    }

    @Test
    void aTableByStepIsCutBackOnResume(@TempDir Path dir) throws Exception {
        Path validation = dir.resolve("validation.tsv");
        Files.writeString(validation, "step\tscore\n2\t0.5\n4\t0.6\n");
        CountingSolver s = new CountingSolver(2);
        loop(dir, 3, 1, 0, RunLoop.Baseline.VALIDATE_UNTRAINED).withTableByStep(validation).run(s);
        assertEquals(List.of("step\tscore", "2\t0.5"), Files.readAllLines(validation));
    }

    @Test
    void aRunAlreadyAtItsStepsDoesNothing(@TempDir Path dir) {
        CountingSolver s = new CountingSolver(4);
        RunLoop.Outcome o = loop(dir, 4, 1, 1, RunLoop.Baseline.VALIDATE_UNTRAINED).run(s);
        assertTrue(s.calls.isEmpty(), s.calls.toString());
        assertEquals(Map.of(), o.lastFigures());
    }

    @Test
    void aStepThatDoesNotAdvanceIsAnError(@TempDir Path dir) {
        RunLoop.Solver stuck = new CountingSolver(0) {
            @Override
            public Map<String, Double> step() {
                return Map.of("loss", 0.0);
            }
        };
        assertThrows(IllegalStateException.class, () -> loop(dir, 2, 1, 0, RunLoop.Baseline.NONE).run(stuck));
    }
}
