package org.lockey.cli;

import static org.lockey.cli.CodecRunOptions.opt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.KMeansCodebooks;
import org.lockey.train.Adam;
import org.lockey.train.Checkpoint;
import org.lockey.train.CodecDecoderTrainer;

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

    @Override
    public Options options() {
        return CodecRunOptions.withRunOptions(new Options())
                .addOption(opt("out", "DIR", "run directory (model, checkpoint, validation.tsv)").required().build())
                .addOption(opt("codec", "MODEL", "Encodec model directory whose encoder and quantiser stay frozen "
                        + "(default: a seeded codec of --preset with k-means codebooks)").build())
                .addOption(opt("preset", "NAME", "small (default) or musicgen32k: the seeded codec's size").build())
                .addOption(opt("kmeans-iters", "N", "k-means iterations per codebook of the seeded codec (default 50, "
                        + "audiocraft's kmeans_iters)").build())
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
        Optional<Checkpoint> ck = CodecRunOptions.checkpointToResume(cl, CodecDecoderTrainer.KIND, "a codec-decoder run");
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
        CodecDecoderTrainer.Config d = CodecDecoderTrainer.Config.defaults(batch,
                CodecRunOptions.cropFrames(frozen.config(), crop), steps, every, validate, seed);
        Adam.Config adam = new Adam.Config(lr, d.adam().beta1(), d.adam().beta2(), d.adam().eps(), 0);
        return new CodecDecoderTrainer.Config(d.batchSize(), d.cropFrames(), d.steps(), d.checkpointEvery(),
                d.validateEvery(), d.seed(), adam, d.lambdaWav(), d.lambdaStft(), d.stftLoss(), d.validationClips());
    }

    /**
     * The checkpoint's settings with a new length and schedule where given; any other option given
     * must agree with the run, since a different batch, crop, seed or learning rate would not continue it.
     */
    private static CodecDecoderTrainer.Config resumedConfig(CommandLine cl, Checkpoint c) {
        CodecDecoderTrainer.Config stored = CodecDecoderTrainer.Config.fromJson(CodecRunOptions.storedSettings(cl, c));
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
            if (CodecRunOptions.cropFrames(run.config(), Options2.doubleValue(cl, "crop-seconds", 0))
                    != stored.cropFrames()) {
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
        CodecRunOptions.Schedule s = CodecRunOptions.resumedSchedule(cl, c, new CodecRunOptions.Schedule(stored.steps(),
                stored.checkpointEvery(), stored.validateEvery()));
        return stored.withSchedule(s.steps(), s.checkpointEvery(), s.validateEvery());
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
