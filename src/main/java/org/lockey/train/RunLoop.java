package org.lockey.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.lockey.LockeyException;

/**
 * The run loop the trainers share, as audiocraft's {@code solvers/base.py} {@code StandardSolver} holds one loop for
 * every task: a trainer builds its model, data and step and hands them over as a {@link Solver}; the loop decides
 * when to step, write the per-step table, checkpoint and validate. From the solver's {@link Solver#stepsDone()} (0,
 * or the step of the checkpoint it was restored from) to the schedule's {@link Schedule#steps()}:
 * <ol>
 *   <li>the run directory is created, and its tables lose the rows of steps after the starting step (rows a run
 *       killed after its last checkpoint left: {@link StepLog#dropAfter}), so each step has one row across a
 *       resume;</li>
 *   <li>a run starting at step 0 validates the untrained model first when the schedule asks for that baseline and
 *       validates at all ({@code validateEvery > 0});</li>
 *   <li>each step: {@link Solver#step()}, its row in the metrics table (with the step's wall time), the progress
 *       line ({@link Progress}); then a checkpoint every {@code checkpointEvery} steps and at the last step, and a
 *       validation, after the checkpoint, every {@code validateEvery} steps and at the last step.</li>
 * </ol>
 * The loop draws nothing at random and touches no weights: a resumed run repeats the uninterrupted one exactly as far
 * as the solver's step is a function of (seed, step) and the restored state.
 */
public final class RunLoop {
    /**
     * A trainer as the loop drives it: its step, its checkpoint and its validation. Restoring from a checkpoint is
     * the trainer's, before the loop starts; the loop starts where {@link #stepsDone()} says.
     */
    public interface Solver {
        /** Updates done: 0 for a new run, the checkpoint's step for a resumed one. */
        long stepsDone();

        /** One update, after which {@link #stepsDone()} is one more; returns its figures (loss terms, by name). */
        Map<String, Double> step();

        /** The figures the progress line shows of a step's (all of them unless overridden). */
        default Map<String, Double> shown(Map<String, Double> figures) {
            return figures;
        }

        /** Writes the checkpoint of {@link #stepsDone()} (atomically) and what goes with it (the model directory). */
        void saveCheckpoint();

        /** One validation pass after {@link #stepsDone()} updates; {@code seconds} since the loop started. */
        void validate(double seconds);
    }

    /**
     * When the loop checkpoints and validates.
     *
     * @param steps           updates to reach
     * @param checkpointEvery updates between checkpoints (the last step always writes one)
     * @param validateEvery   updates between validations (0 = only at the last step, which always validates)
     * @param baseline        whether a new run validates its untrained model before the first step
     */
    public record Schedule(long steps, int checkpointEvery, int validateEvery, Baseline baseline) {
        public Schedule {
            if (steps < 0 || checkpointEvery < 1 || validateEvery < 0 || baseline == null) {
                throw new IllegalArgumentException("schedule: steps " + steps + ", checkpoint every " + checkpointEvery
                        + ", validate every " + validateEvery + ", baseline " + baseline);
            }
        }

        /** Whether the loop checkpoints after {@code step} updates. */
        public boolean checkpointsAt(long step) {
            return step % checkpointEvery == 0 || step == steps;
        }

        /** Whether the loop validates after {@code step} updates (step 0: the baseline). */
        public boolean validatesAt(long step) {
            if (step == 0) {
                return baseline == Baseline.VALIDATE_UNTRAINED && validateEvery > 0;
            }
            return (validateEvery > 0 && step % validateEvery == 0) || step == steps;
        }
    }

    /** Whether a run starting at step 0 validates before its first step (the curve's starting point). */
    public enum Baseline {
        /** Validate the untrained (or initial) model at step 0, when the schedule validates at all. */
        VALIDATE_UNTRAINED,
        /** The first validation comes after steps. */
        NONE
    }

    /**
     * The per-step table ({@code metrics.tsv}): one row per step, appended by the loop through {@link StepLog}.
     *
     * @param file   the table
     * @param header its first line (column names, tab-separated)
     * @param rows   a step's row
     */
    public record MetricsTable(Path file, String header, RowFormat rows) {
    }

    /** A step's row of a {@link MetricsTable}. */
    @FunctionalInterface
    public interface RowFormat {
        /**
         * @param step    updates done after the step (1-based)
         * @param figures what {@link Solver#step()} returned
         * @param seconds the step's wall time
         */
        String row(long step, Map<String, Double> figures, double seconds);
    }

    /**
     * What a {@link #run} did.
     *
     * @param startStep   updates done before it
     * @param endStep     updates done after it
     * @param lastFigures the last step's figures (empty when no step ran)
     * @param seconds     wall time from the first step to the end (checkpoints and validations included)
     */
    public record Outcome(long startStep, long endStep, Map<String, Double> lastFigures, double seconds) {
    }

    private final String label;
    private final Path runDir;
    private final Schedule schedule;
    private final MetricsTable metrics;
    private final List<Path> tables;
    private final PrintStream progressOut;

    /**
     * A loop writing into {@code runDir}, its progress line labelled {@code label} on stderr, without tables.
     */
    public RunLoop(String label, Path runDir, Schedule schedule) {
        this(label, runDir, schedule, null, List.of(), System.err);
    }

    private RunLoop(String label, Path runDir, Schedule schedule, MetricsTable metrics, List<Path> tables,
            PrintStream progressOut) {
        this.label = label;
        this.runDir = runDir;
        this.schedule = schedule;
        this.metrics = metrics;
        this.tables = List.copyOf(tables);
        this.progressOut = progressOut;
    }

    /** The same loop appending a row per step to {@code table} (and cutting it back on resume). */
    public RunLoop withMetrics(MetricsTable table) {
        List<Path> all = new ArrayList<>(tables);
        all.add(table.file());
        return new RunLoop(label, runDir, schedule, table, all, progressOut);
    }

    /**
     * The same loop cutting back {@code table}, a table keyed by step that the solver appends to (its validations),
     * to the starting step on resume.
     */
    public RunLoop withTableByStep(Path table) {
        List<Path> all = new ArrayList<>(tables);
        all.add(table);
        return new RunLoop(label, runDir, schedule, metrics, all, progressOut);
    }

    /** The same loop drawing its progress line on {@code out}. */
    public RunLoop withProgressOn(PrintStream out) {
        return new RunLoop(label, runDir, schedule, metrics, tables, out);
    }

    /** Runs {@code solver} from its {@link Solver#stepsDone()} to the schedule's steps. */
    public Outcome run(Solver solver) {
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new LockeyException(runDir + ": cannot create the run directory (" + e.getMessage() + ")");
        }
        long start = solver.stepsDone();
        for (Path table : tables) {
            StepLog.dropAfter(table, start);
        }
        long loopStart = System.nanoTime();
        if (start == 0 && schedule.validatesAt(0)) {
            solver.validate(secondsSince(loopStart));
        }
        Progress progress = new Progress(progressOut, label, start, schedule.steps(), System.console() != null);
        Map<String, Double> last = Map.of();
        long stepsStart = System.nanoTime();
        while (solver.stepsDone() < schedule.steps()) {
            long before = solver.stepsDone();
            long t0 = System.nanoTime();
            last = solver.step();
            double seconds = secondsSince(t0);
            long step = solver.stepsDone();
            if (step != before + 1) {
                throw new IllegalStateException(label + ": a step went from " + before + " to " + step + " updates");
            }
            if (metrics != null) {
                StepLog.append(metrics.file(), metrics.header(), metrics.rows().row(step, last, seconds));
            }
            progress.update(step, solver.shown(last));
            if (schedule.checkpointsAt(step)) {
                solver.saveCheckpoint();
            }
            if (schedule.validatesAt(step)) {
                solver.validate(secondsSince(loopStart));
            }
        }
        return new Outcome(start, solver.stepsDone(), last, secondsSince(stepsStart));
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
