package org.lockey.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.KMeansCodebooks;
import org.lockey.train.Adam;
import org.lockey.train.Checkpoint;
import org.lockey.train.CodecDecoderTrainer;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code ./lockey train codec-decoder}: fits an EnCodec decoder to the codes of a frozen encoder and
 * quantiser ({@link CodecDecoderTrainer}) and writes an EnCodec model directory usable by
 * {@code ./lockey codec encode|decode --model RUN}.
 *
 * <p>The run directory holds {@code encodec.safetensors} + {@code encodec.json} (the frozen encoder
 * and quantiser with the decoder of the last checkpoint; written at the start, then at every
 * checkpoint), {@code checkpoint.safetensors} (decoder, Adam moments, step, settings) and
 * {@code validation.tsv} (one row per validation pass). {@code --resume} takes the frozen codec from
 * the run directory and the settings from the checkpoint; only the length and the schedule
 * ({@code --steps}, {@code --checkpoint-every}, {@code --validate-every}) may change.
 */
final class TrainCodecDecoderCommand implements Command {
    static final String VALIDATION_FILE = CodecDecoderTrainer.VALIDATION_FILE;
    private static final String META_ORIGIN = "frozen_codec";
    private static final String META_KMEANS = "kmeans_iterations";

    @Override
    public String name() {
        return "train codec-decoder";
    }

    @Override
    public String summary() {
        return "fit an Encodec decoder to the codes of a frozen encoder + quantiser (model for codec encode|decode)";
    }

    @Override
    public String details() {
        return "\nWithout --codec the frozen codec is a seeded random encoder of the preset whose codebooks are fitted\n"
                + "by greedy residual k-means to the encoder's latents of the training split. The run directory becomes\n"
                + "an Encodec model (encodec.safetensors + encodec.json) for ./lockey codec encode|decode --model RUN;\n"
                + "it also holds checkpoint.safetensors (for --resume) and validation.tsv.\n"
                + "Recipe, loss and measured step times: docs/encodec.md, section Training a decoder.";
    }

    private static Option.Builder opt(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc);
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(opt("data", "DIR", "training audio; with a splits.tsv (here or in the parent) its 'train' "
                        + "split trains and 'valid' validates, otherwise every file serves both").required().build())
                .addOption(opt("out", "DIR", "run directory (model, checkpoint, validation.tsv)").required().build())
                .addOption(opt("codec", "MODEL", "Encodec model directory whose encoder and quantiser stay frozen "
                        + "(default: a seeded codec of --preset with k-means codebooks)").build())
                .addOption(opt("preset", "NAME", "small (default) or musicgen32k: the seeded codec's size").build())
                .addOption(opt("steps", "N", "total steps (default 1500)").build())
                .addOption(opt("batch-size", "N", "crops per step (default 4)").build())
                .addOption(opt("crop-seconds", "S", "crop length, rounded to whole latent frames (default 1.0)").build())
                .addOption(opt("checkpoint-every", "N", "steps between checkpoints (default 100)").build())
                .addOption(opt("validate-every", "N", "steps between validations, 0 = only at the end (default 100)")
                        .build())
                .addOption(opt("lr", "LR", "Adam learning rate (default 1e-3; betas 0.5, 0.9)").build())
                .addOption(opt("kmeans-iters", "N", "k-means iterations per codebook of the seeded codec (default 50, "
                        + "audiocraft's kmeans_iters)").build())
                .addOption(Option.builder().longOpt("resume").desc("continue the run directory's checkpoint").build())
                .addOption(opt("seed", "S", "seed of the seeded codec, the decoder and every crop (default 1)").build());
    }

    /** Its --out, held by this process alone while it trains ({@link RunDirectoryLock}). */
    @Override
    public Optional<Path> runDirectory(CommandLine cl) {
        return Optional.of(Path.of(cl.getOptionValue("out")));
    }

    @Override
    public int run(CommandLine cl) {
        Path data = Path.of(cl.getOptionValue("data"));
        Path out = Path.of(cl.getOptionValue("out"));
        boolean resume = cl.hasOption("resume");
        if (cl.hasOption("codec") && cl.hasOption("preset")) {
            throw new LockeyException("give --codec MODEL or --preset NAME, not both (a model fixes its own size)");
        }
        boolean runExists = Files.exists(Checkpoint.file(out)) || Files.exists(out.resolve(Encodec.CONFIG_FILE))
                || Files.exists(out.resolve(Encodec.WEIGHTS_FILE));
        Optional<Checkpoint> ck = Checkpoint.load(out, CodecDecoderTrainer.KIND);
        if (!resume && runExists) {
            throw new LockeyException(out + ": already holds a codec-decoder run; add --resume to continue it or "
                    + "choose another --out");
        }
        if (resume && ck.isEmpty()) {
            throw new LockeyException(out + ": no " + Checkpoint.file(out).getFileName() + " to resume"
                    + (runExists ? " (the run stopped before its first checkpoint; remove the directory to start again)"
                            : "; start the run without --resume"));
        }
        String origin;
        Encodec frozen;
        CodecDecoderTrainer.Config cfg;
        AudioDataset train;
        AudioDataset valid;
        Map<String, String> meta = new LinkedHashMap<>();
        if (resume) {
            Checkpoint c = ck.orElseThrow();
            origin = c.metadata().getOrDefault(META_ORIGIN, "");
            checkSameOrigin(cl, origin);
            cfg = resumedConfig(cl, c);
            frozen = Encodec.load(out);
            train = AudioDataset.load(data, "train", frozen.config().sampleRate());
            valid = AudioDataset.load(data, "valid", frozen.config().sampleRate());
            meta.put(META_ORIGIN, origin);
            meta.put(META_KMEANS, c.metadata().getOrDefault(META_KMEANS, ""));
        } else {
            long seed = Options2.longValue(cl, "seed", 1);
            int iters = Options2.intValue(cl, "kmeans-iters", KMeansCodebooks.UPSTREAM_ITERATIONS);
            if (cl.hasOption("codec")) {
                Path model = Path.of(cl.getOptionValue("codec"));
                frozen = Encodec.load(model);
                if (!frozen.hasEncoder()) {
                    throw new LockeyException(model + ": this Encodec model has no encoder (a decode-only import); "
                            + "decoder training needs the encoder's codes");
                }
                origin = originOfModel(model);
                train = AudioDataset.load(data, "train", frozen.config().sampleRate());
                valid = AudioDataset.load(data, "valid", frozen.config().sampleRate());
            } else {
                CodecDecoderTrainer.Preset preset = CodecDecoderTrainer.Preset.parse(cl.getOptionValue("preset", "small"));
                origin = "preset:" + preset.optionName();
                int rate = preset.config().sampleRate();
                train = AudioDataset.load(data, "train", rate);
                valid = AudioDataset.load(data, "valid", rate);
                System.out.printf(Locale.ROOT, "seeded %s codec (seed %d): encoding %d training clips, k-means (%d "
                        + "iterations per codebook)...%n", preset.optionName(), seed, train.size(), iters);
                frozen = CodecDecoderTrainer.seededCodec(preset.config(), train, seed, iters, System.out::println);
                meta.put(META_KMEANS, Integer.toString(iters));
            }
            meta.put(META_ORIGIN, origin);
            cfg = freshConfig(cl, frozen, seed);
        }
        CodecDecoderTrainer trainer = new CodecDecoderTrainer(cfg, frozen, train, valid);
        if (resume) {
            trainer.resume(ck.orElseThrow());
        } else {
            trainer.start();
            trainer.model().save(out, origin);
        }
        long params = trainer.decoderWeights().values().stream().mapToLong(t -> t.numel()).sum();
        int hop = frozen.config().seanet().hopLength();
        System.out.printf(Locale.ROOT, "%s: decoder of %,d parameters; %d training clips (%.1f s), %d validation "
                + "clips; batch %d x %d frames (%.2f s); step %d of %d%n", out, params, train.size(), train.seconds(),
                valid.size(), cfg.batchSize(), cfg.cropFrames(), cfg.cropFrames() * hop
                        / (double) frozen.config().sampleRate(), trainer.step(), cfg.steps());
        long t0 = System.nanoTime();
        trainer.run(out, meta, v -> System.out.println(v.line()), () -> trainer.model().save(out, origin));
        System.out.printf(Locale.ROOT, "%s: Encodec model (%s + %s) after %d steps, %.0f s; decode with ./lockey codec "
                + "decode --model %s%n", out, Encodec.WEIGHTS_FILE, Encodec.CONFIG_FILE, trainer.step(),
                (System.nanoTime() - t0) / 1e9, out);
        return OK;
    }

    private static CodecDecoderTrainer.Config freshConfig(CommandLine cl, Encodec frozen, long seed) {
        int batch = Options2.intValue(cl, "batch-size", 4);
        double crop = Options2.doubleValue(cl, "crop-seconds", 1.0);
        long steps = Options2.longValue(cl, "steps", 1500);
        int every = Options2.intValue(cl, "checkpoint-every", 100);
        int validate = Options2.intValue(cl, "validate-every", 100);
        double lr = Options2.doubleValue(cl, "lr", 1e-3);
        if (batch < 1 || !(crop > 0) || steps < 1 || every < 1 || validate < 0 || !(lr > 0)) {
            throw new LockeyException("--batch-size, --crop-seconds, --steps, --checkpoint-every and --lr must be "
                    + "positive, --validate-every >= 0");
        }
        CodecDecoderTrainer.Config d = CodecDecoderTrainer.Config.defaults(batch, cropFrames(frozen, crop), steps, every,
                validate, seed);
        Adam.Config adam = new Adam.Config(lr, d.adam().beta1(), d.adam().beta2(), d.adam().eps(), 0);
        return new CodecDecoderTrainer.Config(d.batchSize(), d.cropFrames(), d.steps(), d.checkpointEvery(),
                d.validateEvery(), d.seed(), adam, d.lambdaWav(), d.lambdaStft(), d.stftLoss(), d.validationClips());
    }

    /** Whole latent frames nearest to {@code seconds}, at least one. */
    static int cropFrames(Encodec codec, double seconds) {
        double frames = seconds * codec.config().sampleRate() / codec.config().seanet().hopLength();
        return (int) Math.max(1, Math.round(frames));
    }

    /**
     * The checkpoint's settings with a new length and schedule where given; any other option given
     * must agree with the run, since a different batch, crop, seed or learning rate would not continue it.
     */
    private static CodecDecoderTrainer.Config resumedConfig(CommandLine cl, Checkpoint c) {
        String json = c.metadata().get("config");
        CodecDecoderTrainer.Config stored;
        try {
            stored = CodecDecoderTrainer.Config.fromJson(new ObjectMapper().readTree(json == null ? "{}" : json));
        } catch (IOException e) {
            throw new LockeyException(Checkpoint.file(Path.of(cl.getOptionValue("out"))) + ": unreadable settings");
        }
        List<String> differ = new ArrayList<>();
        if (cl.hasOption("batch-size") && Options2.intValue(cl, "batch-size", 0) != stored.batchSize()) {
            differ.add("--batch-size (run: " + stored.batchSize() + ")");
        }
        if (cl.hasOption("seed") && Options2.longValue(cl, "seed", 0) != stored.seed()) {
            differ.add("--seed (run: " + stored.seed() + ")");
        }
        if (cl.hasOption("lr") && Options2.doubleValue(cl, "lr", 0) != stored.adam().lr()) {
            differ.add("--lr (run: " + stored.adam().lr() + ")");
        }
        if (cl.hasOption("crop-seconds")) {
            Encodec run = Encodec.load(Path.of(cl.getOptionValue("out")));
            if (cropFrames(run, Options2.doubleValue(cl, "crop-seconds", 0)) != stored.cropFrames()) {
                differ.add("--crop-seconds (run: " + stored.cropFrames() + " frames)");
            }
        }
        if (cl.hasOption("kmeans-iters")) {
            differ.add("--kmeans-iters (the run's codebooks are already fitted)");
        }
        if (!differ.isEmpty()) {
            throw new LockeyException("--resume continues the run as it was started; these options differ or do not "
                    + "apply: " + String.join(", ", differ));
        }
        long steps = Options2.longValue(cl, "steps", stored.steps());
        int every = Options2.intValue(cl, "checkpoint-every", stored.checkpointEvery());
        int validate = Options2.intValue(cl, "validate-every", stored.validateEvery());
        if (steps < 1 || every < 1 || validate < 0) {
            throw new LockeyException("--steps and --checkpoint-every must be positive, --validate-every >= 0");
        }
        if (steps < c.step()) {
            throw new LockeyException("--steps " + steps + " is below the " + c.step() + " steps the run has done");
        }
        return stored.withSchedule(steps, every, validate);
    }

    private static String originOfModel(Path model) {
        return "model:" + model.toAbsolutePath().normalize();
    }

    /** On resume, --codec / --preset may be repeated but must name the run's own frozen codec. */
    private static void checkSameOrigin(CommandLine cl, String origin) {
        String asked = null;
        if (cl.hasOption("codec")) {
            asked = originOfModel(Path.of(cl.getOptionValue("codec")));
        } else if (cl.hasOption("preset")) {
            asked = "preset:" + CodecDecoderTrainer.Preset.parse(cl.getOptionValue("preset")).optionName();
        }
        if (asked != null && !asked.equals(origin)) {
            throw new LockeyException("--resume: the run's frozen codec is " + origin + ", not " + asked
                    + " (drop --codec/--preset when resuming)");
        }
    }
}
