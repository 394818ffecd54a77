package org.lockey.cli;

import static org.lockey.cli.CodecRunOptions.opt;

import java.io.IOException;
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
import org.lockey.io.Json;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.RvqConfig;
import org.lockey.train.Adam;
import org.lockey.train.Checkpoint;
import org.lockey.train.CodecDecoderTrainer;
import org.lockey.train.CodecTrainer;
import org.lockey.train.LearnedCodebooks;

/**
 * {@code ./lockey train codec}: trains encoder, quantiser and decoder of an EnCodec together ({@link CodecTrainer})
 * and writes an EnCodec model directory usable by {@code ./lockey codec encode|decode --model RUN} and
 * {@code ./lockey eval resynthesis --model RUN}.
 *
 * <p>The run directory holds {@code encodec.safetensors} + {@code encodec.json} (the codec of the last checkpoint;
 * written at the start, then at every checkpoint), {@code checkpoint.safetensors} (encoder, decoder, codebooks
 * with their moving averages, Adam moments, step, settings), {@code metrics.tsv} (one row per step) and
 * {@code validation.tsv} (one row per validation). {@code --resume} takes everything from the checkpoint; only the
 * length and the schedule ({@code --steps}, {@code --checkpoint-every}, {@code --validate-every}) may change.
 */
final class TrainCodecCommand implements Command {
    private static final String META_ORIGIN = "origin";

    @Override
    public String name() {
        return "train codec";
    }

    @Override
    public String summary() {
        return "train an Encodec's encoder, codebooks (EMA, k-means init, dead codes) and decoder together";
    }

    @Override
    public String details() {
        return "\nThe audiocraft compression recipe without its discriminator: straight-through quantiser,\n"
                + "commitment loss on the encoder, codebooks learned by moving averages (k-means on the first\n"
                + "batch, dead codes replaced by vectors of the batch), waveform L1 + multi-scale STFT loss on\n"
                + "the decoder output. The run directory becomes an Encodec model (encodec.safetensors +\n"
                + "encodec.json) for ./lockey codec encode|decode --model RUN and eval resynthesis; it also\n"
                + "holds checkpoint.safetensors (for --resume), metrics.tsv (losses per step) and\n"
                + "validation.tsv (valid SDR and mel distance of the round trip).\n"
                + "Recipe, upstream defaults and measured step times: docs/encodec.md, Training the codec.";
    }

    @Override
    public Options options() {
        return CodecRunOptions.withRunOptions(new Options())
                .addOption(opt("out", "DIR", "run directory (model, checkpoint, metrics.tsv, validation.tsv)").required()
                        .build())
                .addOption(opt("preset", "NAME", "small (default) or musicgen32k: the architecture of a codec drawn "
                        + "from scratch (seed --seed)").build())
                .addOption(opt("init", "MODEL", "start from this Encodec model directory (encoder, decoder and "
                        + "codebooks), e.g. reference-data/models/encodec").build())
                .addOption(opt("codebooks", "N", "with --preset: RVQ codebooks (default: the preset's, 4 for small; "
                        + "each adds 10 bits per frame, 0.5 kbps at 50 frames/s)").build())
                .addOption(opt("filters", "N", "with --preset: SEANet n_filters, the width of the encoder and decoder "
                        + "(default: the preset's, 8 for small; audiocraft's 32 kHz codec has 64)").build())
                .addOption(opt("waveform-weight", "W", "weight of the waveform L1 beside the multi-scale STFT loss's 1 "
                        + "(default 0.1, audiocraft's; the only term that asks for the waveform's phase, so the one that "
                        + "raises the round trip's SDR)").build())
                .addOption(opt("commitment-weight", "W", "weight of the commitment loss (default 1, audiocraft's)")
                        .build())
                .addOption(opt("decay", "D", "EMA decay of the codebooks (default 0.99, audiocraft's)").build())
                .addOption(opt("dead-code-threshold", "T", "replace codebook entries whose EMA cluster size is below T "
                        + "(default: audiocraft's 2 scaled to the latent vectors per step, 2 x batch x frames / 3200, "
                        + "0.125 at the defaults; 0 = never)").build())
                .addOption(opt("kmeans-iters", "N", "k-means iterations of the codebook initialisation (default 50, "
                        + "audiocraft's)").build())
                .addOption(opt("validation-clips", "N", "clips of the valid split per validation, 0 = all (default 0)")
                        .build())
                .addOption(opt("seed", "S", "seed of the initial weights, data order, crops, k-means and dead codes "
                        + "(default 1)").build());
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
        if (cl.hasOption("init") && cl.hasOption("preset")) {
            throw new LockeyException("give --init MODEL or --preset NAME, not both (a model fixes its own size)");
        }
        if ((cl.hasOption("init") || resume) && (cl.hasOption("codebooks") || cl.hasOption("filters"))) {
            throw new LockeyException("--codebooks and --filters size a codec drawn from a preset; "
                    + (resume ? "a resumed run" : "an --init model") + " keeps its own size");
        }
        Optional<Checkpoint> ck = CodecRunOptions.checkpointToResume(cl, CodecTrainer.KIND, "a run");
        CompressionConfig model;
        CodecTrainer.Config cfg;
        String origin;
        Map<String, Tensor> initial = null;
        if (resume) {
            Checkpoint c = ck.orElseThrow();
            origin = c.metadata().getOrDefault(META_ORIGIN, "");
            if (cl.hasOption("init") || cl.hasOption("preset")) {
                throw new LockeyException("--resume continues the run's own codec; drop --init/--preset");
            }
            model = modelConfig(out, c);
            cfg = resumedConfig(cl, c, model);
        } else {
            long seed = Options2.longValue(cl, "seed", 1);
            if (cl.hasOption("init")) {
                Path dir = Path.of(cl.getOptionValue("init"));
                Encodec init = Encodec.load(dir);
                if (!init.hasEncoder()) {
                    throw new LockeyException(dir + ": this Encodec model has no encoder (a decode-only import); "
                            + "codec training needs one");
                }
                model = init.config();
                initial = new LinkedHashMap<>(init.weights());
                origin = "model:" + dir.toAbsolutePath().normalize();
            } else {
                CodecDecoderTrainer.Preset preset = CodecDecoderTrainer.Preset.parse(cl.getOptionValue("preset", "small"));
                model = resized(preset.config(), cl);
                origin = "preset:" + preset.optionName() + sizeNote(preset.config(), model) + ", seed " + seed;
                initial = CodecTrainer.initialWeights(model, seed);
            }
            cfg = freshConfig(cl, model, seed);
        }
        AudioDataset train = AudioDataset.load(data, "train", model.sampleRate());
        AudioDataset valid = AudioDataset.load(data, "valid", model.sampleRate());
        CodecTrainer trainer = new CodecTrainer(cfg, model, train, valid);
        if (resume) {
            trainer.resume(ck.orElseThrow());
        } else {
            trainer.start(initial, origin);
        }
        long params = trainer.networkWeights().values().stream().mapToLong(Tensor::numel).sum();
        int hop = model.seanet().hopLength();
        double kbps = model.rvq().nQ() * (Math.log(model.rvq().bins()) / Math.log(2)) * model.frameRate() / 1000.0;
        System.out.printf(Locale.ROOT, "%s: encoder + decoder of %,d parameters, RVQ %d x %d (%.2f kbps); %d training "
                + "clips (%.1f s), %d validation clips; batch %d x %d frames (%.2f s); step %d of %d%n", out, params,
                model.rvq().nQ(), model.rvq().bins(), kbps, train.size(), train.seconds(), valid.size(), cfg.batchSize(),
                cfg.cropFrames(), cfg.cropFrames() * hop / (double) model.sampleRate(), trainer.step(), cfg.steps());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_ORIGIN, origin);
        if (!resume) {
            trainer.model().save(out, origin);
        }
        long t0 = System.nanoTime();
        trainer.run(out, meta, v -> System.out.println(v.line()), () -> trainer.model().save(out, origin));
        System.out.printf(Locale.ROOT, "%s: Encodec model (%s + %s) after %d steps, %.0f s; use it with ./lockey codec "
                + "encode|decode --model %s%n", out, Encodec.WEIGHTS_FILE, Encodec.CONFIG_FILE, trainer.step(),
                (System.nanoTime() - t0) / 1e9, out);
        return OK;
    }

    private static CodecTrainer.Config freshConfig(CommandLine cl, CompressionConfig model, long seed) {
        int batch = Options2.intValue(cl, "batch-size", 4);
        double crop = Options2.doubleValue(cl, "crop-seconds", 1.0);
        long steps = Options2.longValue(cl, "steps", 1500);
        int every = Options2.intValue(cl, "checkpoint-every", 100);
        int validate = Options2.intValue(cl, "validate-every", 100);
        int clips = Options2.intValue(cl, "validation-clips", 0);
        if (batch < 1 || !(crop > 0) || steps < 1 || every < 1 || validate < 0 || clips < 0) {
            throw new LockeyException("--batch-size, --crop-seconds, --steps and --checkpoint-every must be positive, "
                    + "--validate-every and --validation-clips >= 0");
        }
        CodecTrainer.Config d = CodecTrainer.Config.defaults(batch, CodecRunOptions.cropFrames(model, crop), steps, every,
                validate, seed);
        double lr = Options2.doubleValue(cl, "lr", d.adam().lr());
        double beta = Options2.doubleValue(cl, "commitment-weight", d.commitmentWeight());
        double waveform = Options2.doubleValue(cl, "waveform-weight", d.lambdaWav());
        LearnedCodebooks.Settings q = d.quantizer();
        LearnedCodebooks.Settings quantizer = new LearnedCodebooks.Settings(Options2.doubleValue(cl, "decay", q.decay()),
                q.epsilon(), Options2.doubleValue(cl, "dead-code-threshold", q.deadCodeThreshold()),
                Options2.intValue(cl, "kmeans-iters", q.kmeansIterations()));
        if (!(lr > 0) || !(beta >= 0) || !(waveform >= 0)) {
            throw new LockeyException("--lr must be positive, --commitment-weight and --waveform-weight >= 0");
        }
        Adam.Config adam = new Adam.Config(lr, d.adam().beta1(), d.adam().beta2(), d.adam().eps(), 0);
        return new CodecTrainer.Config(d.batchSize(), d.cropFrames(), d.steps(), d.checkpointEvery(),
                d.validateEvery(), d.seed(), adam, waveform, d.lambdaStft(), d.stftLoss(), beta, quantizer, clips);
    }

    /** The preset's codec with --codebooks and --filters applied (each only when given). */
    private static CompressionConfig resized(CompressionConfig preset, CommandLine cl) {
        int codebooks = Options2.intValue(cl, "codebooks", preset.rvq().nQ());
        int filters = Options2.intValue(cl, "filters", preset.seanet().nFilters());
        if (codebooks < 1 || filters < 1) {
            throw new LockeyException("--codebooks and --filters must be positive");
        }
        return new CompressionConfig(preset.sampleRate(), preset.seanet().withSize(preset.seanet().dimension(), filters),
                new RvqConfig(codebooks, preset.rvq().bins(), preset.rvq().dimension()));
    }

    /** How a resized preset differs from the preset, for the run's origin ("" when it does not). */
    private static String sizeNote(CompressionConfig preset, CompressionConfig model) {
        String note = "";
        if (model.rvq().nQ() != preset.rvq().nQ()) {
            note += ", " + model.rvq().nQ() + " codebooks";
        }
        if (model.seanet().nFilters() != preset.seanet().nFilters()) {
            note += ", n_filters " + model.seanet().nFilters();
        }
        return note;
    }

    private static CompressionConfig modelConfig(Path out, Checkpoint c) {
        String json = c.metadata().get("model_config");
        try {
            return CompressionConfig.fromJson(Json.tree(json == null ? "{}" : json));
        } catch (IOException | LockeyException e) {
            throw new LockeyException(Checkpoint.file(out) + ": unreadable model config (" + e.getMessage() + ")");
        }
    }

    /**
     * The checkpoint's settings with a new length and schedule where given; any other setting given must agree
     * with the run, since a different batch, crop, seed, learning rate or quantiser setting would not continue it.
     */
    private static CodecTrainer.Config resumedConfig(CommandLine cl, Checkpoint c, CompressionConfig model) {
        CodecTrainer.Config stored = CodecTrainer.Config.fromJson(CodecRunOptions.storedSettings(cl, c));
        List<String> differ = new ArrayList<>();
        differs(cl, "batch-size", stored.batchSize(), differ);
        differs(cl, "seed", stored.seed(), differ);
        differs(cl, "lr", stored.adam().lr(), differ);
        differs(cl, "commitment-weight", stored.commitmentWeight(), differ);
        differs(cl, "waveform-weight", stored.lambdaWav(), differ);
        differs(cl, "decay", stored.quantizer().decay(), differ);
        differs(cl, "dead-code-threshold", stored.quantizer().deadCodeThreshold(), differ);
        differs(cl, "kmeans-iters", stored.quantizer().kmeansIterations(), differ);
        differs(cl, "validation-clips", stored.validationClips(), differ);
        if (cl.hasOption("crop-seconds")) {
            if (CodecRunOptions.cropFrames(model, Options2.doubleValue(cl, "crop-seconds", 0)) != stored.cropFrames()) {
                differ.add("--crop-seconds (run: " + stored.cropFrames() + " frames)");
            }
        }
        if (!differ.isEmpty()) {
            throw new LockeyException("--resume continues the run as it was started; these options differ: "
                    + String.join(", ", differ));
        }
        CodecRunOptions.Schedule s = CodecRunOptions.resumedSchedule(cl, c, new CodecRunOptions.Schedule(stored.steps(),
                stored.checkpointEvery(), stored.validateEvery()));
        return stored.withSchedule(s.steps(), s.checkpointEvery(), s.validateEvery());
    }

    private static void differs(CommandLine cl, String option, double run, List<String> differ) {
        if (cl.hasOption(option) && Options2.doubleValue(cl, option, 0) != run) {
            differ.add("--" + option + " (run: " + (run == Math.rint(run) ? String.valueOf((long) run) : run) + ")");
        }
    }
}
