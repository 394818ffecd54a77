package org.lockey.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.train.Checkpoint;
import org.lockey.train.VocoderTrainer;

/** {@code ./lockey train vocoder}: HiFi-GAN training ({@link VocoderTrainer}). */
final class TrainVocoderCommand implements Command {
    static final long DEFAULT_STEPS = 1000;
    static final int DEFAULT_CHECKPOINT_EVERY = 100;

    @Override
    public String name() {
        return "train vocoder";
    }

    @Override
    public String summary() {
        return "train a HiFi-GAN vocoder (generator + MPD/MSD, upstream train.py recipe) with exact resume";
    }

    @Override
    public String details() {
        return String.join("\n",
                "",
                "The recipe of jik876/hifi-gan train.py: random crops of the clips of the 'train' split (or of",
                "every .wav when there is no splits.tsv), a D step then a G step per batch, AdamW (learning_rate,",
                "adam_b1, adam_b2 of the config), ExponentialLR lr_decay per epoch (one pass over the clips).",
                "Losses: LSGAN over MPD + MSD, feature matching x2, mel L1 x45 (fmax_for_loss).",
                "",
                "Writes OUT/checkpoint.safetensors (atomic; every --checkpoint-every steps and at the end),",
                "OUT/model/ (the generator, for ./lockey vocode), OUT/metrics.tsv (losses per step) and",
                "OUT/validation.tsv (mel L1 of the 'valid' clips at step 0 and at every checkpoint). A killed run",
                "loses at most the steps since its last checkpoint: rerun the same command with --resume to",
                "continue exactly (same data order, optimiser state and learning rate).",
                "",
                "Memory: one step with the upstream-sized discriminators needs more than 8.5 GB; runs are leaner with",
                "MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 LOCKEY_JAVA_OPTS=-Xmx1g. docs/hifigan.md",
                "(Training) has measured step times and a config that trains on two CPU cores in about an hour.");
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("data").hasArg().argName("DIR").required()
                        .desc("training audio (its 'train' split when a splits.tsv lies in DIR or its parent)").build())
                .addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
                        .desc("HiFi-GAN config.json (upstream names; needed for a new run unless --init-generator)").build())
                .addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                        .desc("run directory (created; must not hold a run unless --resume)").build())
                .addOption(Option.builder().longOpt("segment-size").hasArg().argName("N")
                        .desc("samples per training crop, a multiple of hop_size (default: the config's segment_size)").build())
                .addOption(Option.builder().longOpt("batch-size").hasArg().argName("N")
                        .desc("crops per step (default: the config's batch_size)").build())
                .addOption(Option.builder().longOpt("seed").hasArg().argName("S")
                        .desc("seed of initialisation, data order and crops (default: the config's seed)").build())
                .addOption(Option.builder().longOpt("steps").hasArg().argName("N")
                        .desc("total steps to reach, counting those of a resumed run (default " + DEFAULT_STEPS + ")").build())
                .addOption(Option.builder().longOpt("checkpoint-every").hasArg().argName("N")
                        .desc("steps between checkpoints (default " + DEFAULT_CHECKPOINT_EVERY + ")").build())
                .addOption(Option.builder().longOpt("resume")
                        .desc("continue the run in --out from its checkpoint").build())
                .addOption(Option.builder().longOpt("discriminator-channel-divisor").hasArg().argName("D")
                        .desc("divide MPD/MSD widths by D: 1 (default) is upstream; 2, 4 or 8 train faster (not upstream)").build())
                .addOption(Option.builder().longOpt("adversarial-start").hasArg().argName("N")
                        .desc("train G on the mel loss alone for the first N steps (default 0 = upstream)").build())
                .addOption(Option.builder().longOpt("init-generator").hasArg().argName("DIR")
                        .desc("start G from a model directory (e.g. an imported upstream checkpoint)").build())
                .addOption(Option.builder().longOpt("init-discriminator").hasArg().argName("FILE")
                        .desc("start MPD/MSD from safetensors with upstream mpd.*/msd.* keys (a converted do_XXXXXXXX)").build());
    }

    /** Its --out, held by this process alone while it trains ({@link RunDirectoryLock}). */
    @Override
    public Optional<Path> runDirectory(CommandLine cl) {
        return Optional.of(Path.of(cl.getOptionValue("out")));
    }

    @Override
    public int run(CommandLine cl) {
        HifiGanConfig config = cl.hasOption("config") ? HifiGanConfig.load(Path.of(cl.getOptionValue("config"))) : null;
        boolean overrides = cl.hasOption("segment-size") || cl.hasOption("batch-size") || cl.hasOption("seed");
        if (config == null && overrides && !cl.hasOption("resume")) {
            throw new LockeyException("--segment-size, --batch-size and --seed need --config");
        }
        if (config == null && overrides) {
            throw new LockeyException("with --resume, --segment-size, --batch-size and --seed are checked against the run;"
                    + " give --config too, or leave them out (the run keeps its own)");
        }
        if (config != null) {
            HifiGanConfig.Training t = config.training();
            config = new HifiGanConfig(config.resblock(), config.upsampleRates(), config.upsampleKernelSizes(),
                    config.upsampleInitialChannel(), config.resblockKernelSizes(), config.resblockDilationSizes(),
                    config.numMels(), config.mel(), new HifiGanConfig.Training(t.learningRate(), t.adamB1(), t.adamB2(),
                            t.lrDecay(), Options2.intValue(cl, "batch-size", t.batchSize()),
                            Options2.intValue(cl, "segment-size", t.segmentSize()), Options2.longValue(cl, "seed", t.seed())));
        }
        Path out = Path.of(cl.getOptionValue("out"));
        VocoderTrainer.Options options = new VocoderTrainer.Options(Path.of(cl.getOptionValue("data")), out, config,
                Options2.longValue(cl, "steps", DEFAULT_STEPS), Options2.intValue(cl, "checkpoint-every", DEFAULT_CHECKPOINT_EVERY),
                cl.hasOption("resume"),
                cl.hasOption("discriminator-channel-divisor") ? Options2.intValue(cl, "discriminator-channel-divisor", 1) : null,
                cl.hasOption("adversarial-start") ? Options2.longValue(cl, "adversarial-start", 0) : null,
                cl.hasOption("init-generator") ? Path.of(cl.getOptionValue("init-generator")) : null,
                cl.hasOption("init-discriminator") ? Path.of(cl.getOptionValue("init-discriminator")) : null);
        VocoderTrainer.Summary s;
        try {
            s = VocoderTrainer.train(options, System.err);
        } catch (IllegalArgumentException e) {
            // A discriminator channel divisor the modules reject.
            throw new LockeyException(e.getMessage(), e);
        }
        long done = s.step() - s.startStep();
        System.out.printf(Locale.ROOT, "trained %d steps (%d -> %d) in %s, %.2f s/step%n", done, s.startStep(), s.step(),
                duration(Math.round(s.seconds())), done == 0 ? 0.0 : s.seconds() / done);
        Map<String, Double> m = s.meanLosses();
        if (!m.isEmpty()) {
            System.out.printf(Locale.ROOT, "mean of the last steps: mel L1 %.4f (x45 = %.3f)%s  G total %.3f%n",
                    m.get("mel_error"), m.get("loss_mel"),
                    m.containsKey("loss_disc_all") ? String.format(Locale.ROOT, "  D %.3f  adv %.3f  fm %.3f",
                            m.get("loss_disc_all"), m.get("loss_gen_f") + m.get("loss_gen_s"),
                            m.get("loss_fm_f") + m.get("loss_fm_s")) : "",
                    m.get("loss_gen_all"));
        }
        if (!Double.isNaN(s.validMelError())) {
            System.out.printf(Locale.ROOT, "validation mel L1: %.4f%n", s.validMelError());
        }
        System.out.printf("model: %s (./lockey vocode --model %s --in IN.wav --out OUT.wav)%n", s.modelDir(), s.modelDir());
        System.out.printf("checkpoint: %s (continue with the same command plus --resume)%n", Checkpoint.file(out));
        return OK;
    }

    static String duration(long secs) {
        if (secs >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", secs / 3600, (secs % 3600) / 60);
        }
        return secs >= 60 ? String.format(Locale.ROOT, "%dm%02ds", secs / 60, secs % 60) : secs + "s";
    }
}
