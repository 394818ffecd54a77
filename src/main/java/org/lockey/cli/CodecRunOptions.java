package org.lockey.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.io.Json;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.train.Checkpoint;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What {@code train codec} ({@link TrainCodecCommand}) and {@code train codec-decoder} ({@link TrainCodecDecoderCommand})
 * share: the options of a run and its schedule, the checks of the run directory against {@code --resume}, and on
 * resume the checkpoint's settings with a new length and schedule.
 */
final class CodecRunOptions {
    private CodecRunOptions() {
    }

    /** An option with one argument. */
    static Option.Builder opt(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc);
    }

    /**
     * {@code options} with the options both commands have in the same words: {@code --data}, the length and
     * schedule, the batch, the crop, the learning rate and {@code --resume}.
     */
    static Options withRunOptions(Options options) {
        return options
                .addOption(opt("data", "DIR", "training audio; with a splits.tsv (here or in the parent) its 'train' "
                        + "split trains and 'valid' validates, otherwise every file serves both").required().build())
                .addOption(opt("steps", "N", "total steps (default 1500)").build())
                .addOption(opt("batch-size", "N", "crops per step (default 4)").build())
                .addOption(opt("crop-seconds", "S", "crop length, rounded to whole latent frames (default 1.0)").build())
                .addOption(opt("checkpoint-every", "N", "steps between checkpoints (default 100)").build())
                .addOption(opt("validate-every", "N", "steps between validations, 0 = only at the end (default 100)")
                        .build())
                .addOption(opt("lr", "LR", "Adam learning rate (default 1e-3; betas 0.5, 0.9)").build())
                .addOption(Option.builder().longOpt("resume").desc("continue the run directory's checkpoint").build());
    }

    /**
     * The checkpoint of {@code --out} when {@code --resume} asks for it (empty otherwise), after refusing a new run over
     * an existing one and a resume without a checkpoint.
     *
     * @param kind    the checkpoint kind the command trains
     * @param aRun    the run as the refusal names it ("a run", "a codec-decoder run")
     */
    static Optional<Checkpoint> checkpointToResume(CommandLine cl, String kind, String aRun) {
        Path out = Path.of(cl.getOptionValue("out"));
        boolean runExists = Files.exists(Checkpoint.file(out)) || Files.exists(out.resolve(Encodec.CONFIG_FILE))
                || Files.exists(out.resolve(Encodec.WEIGHTS_FILE));
        Optional<Checkpoint> ck = Checkpoint.load(out, kind);
        if (!cl.hasOption("resume")) {
            if (runExists) {
                throw new LockeyException(out + ": already holds " + aRun + "; add --resume to continue it or "
                        + "choose another --out");
            }
            return Optional.empty();
        }
        if (ck.isEmpty()) {
            throw new LockeyException(out + ": no " + Checkpoint.file(out).getFileName() + " to resume"
                    + (runExists ? " (the run stopped before its first checkpoint; remove the directory to start again)"
                            : "; start the run without --resume"));
        }
        return ck;
    }

    /** The checkpoint's training settings ({@code config} metadata) as JSON. */
    static JsonNode storedSettings(CommandLine cl, Checkpoint c) {
        String json = c.metadata().get("config");
        try {
            return Json.tree(json == null ? "{}" : json);
        } catch (IOException e) {
            throw new LockeyException(Checkpoint.file(Path.of(cl.getOptionValue("out"))) + ": unreadable settings");
        }
    }

    /**
     * The length and schedule of a run.
     *
     * @param steps           total steps
     * @param checkpointEvery steps between checkpoints
     * @param validateEvery   steps between validations (0 = only at the end)
     */
    record Schedule(long steps, int checkpointEvery, int validateEvery) {
    }

    /**
     * The schedule of a resumed run: {@code --steps}, {@code --checkpoint-every}, {@code --validate-every} where given,
     * the run's own otherwise; never fewer steps than the checkpoint has done.
     */
    static Schedule resumedSchedule(CommandLine cl, Checkpoint c, Schedule stored) {
        long steps = Options2.longValue(cl, "steps", stored.steps());
        int every = Options2.intValue(cl, "checkpoint-every", stored.checkpointEvery());
        int validate = Options2.intValue(cl, "validate-every", stored.validateEvery());
        if (steps < 1 || every < 1 || validate < 0) {
            throw new LockeyException("--steps and --checkpoint-every must be positive, --validate-every >= 0");
        }
        if (steps < c.step()) {
            throw new LockeyException("--steps " + steps + " is below the " + c.step() + " steps the run has done");
        }
        return new Schedule(steps, every, validate);
    }

    /** Whole latent frames of {@code model} nearest to {@code seconds}, at least one. */
    static int cropFrames(CompressionConfig model, double seconds) {
        double frames = seconds * model.sampleRate() / model.seanet().hopLength();
        return (int) Math.max(1, Math.round(frames));
    }
}
