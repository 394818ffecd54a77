package org.lockey.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;

import org.lockey.LockeyException;
import org.lockey.audio.MelSpectrogram;
import org.lockey.data.AudioDataset;
import org.lockey.io.Json;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.model.hifigan.DiscriminatorOutputs;
import org.lockey.model.hifigan.Generator;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.model.hifigan.MultiPeriodDiscriminator;
import org.lockey.model.hifigan.MultiScaleDiscriminator;
import org.lockey.nn.Inference;
import org.lockey.nn.NormedWeight;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * HiFi-GAN training as upstream {@code train.py} (jik876/hifi-gan) does it: Kong, Kim &amp; Bae,
 * "HiFi-GAN" (NeurIPS 2020), §2.4 and §3. Per step, on a batch of random {@code segment_size} crops of
 * the training clips (peak-normalised to 0.95, the input log-mel and the loss log-mel computed from
 * the crop, upstream {@code MelDataset}):
 * <ol>
 *   <li>y_hat = G(mel);</li>
 *   <li>discriminator step: {@code L_D = L_Adv(D; G)} over MPD and MSD (Eq. 6) on (y, y_hat as
 *       data), AdamW update of D;</li>
 *   <li>generator step, with the updated D: {@code L_G = L_Adv(G; D) + L_FM (x2) + 45 L_Mel} (Eq. 5),
 *       AdamW update of G;</li>
 * </ol>
 * and both learning rates follow ExponentialLR, {@code lr = learning_rate * lr_decay^epoch}, an epoch
 * being one pass over the training clips (examples {@code [e N, (e+1) N)} of the seeded order).
 *
 * <p><b>Graphs.</b> Two SameDiff graphs, so that each optimiser sees only its own parameters and
 * each gradient pass computes only what it needs. The <em>discriminator graph</em> holds MPD and MSD
 * with y and y_hat as placeholders: y_hat enters as data, which is upstream's {@code .detach()}. The
 * <em>generator graph</em> holds G, the mel loss, and a frozen mirror of MPD and MSD (constants)
 * whose effective weights are refreshed from the discriminator graph after every D update, so the G
 * step sees the updated D as upstream's does. The reparametrisations (weight norm, spectral norm) run
 * outside both graphs ({@link NormedWeight}); spectral norm's power iterations follow upstream's
 * order (real, generated in the D step; real, generated again in the G step). Cost of this choice:
 * G's forward runs twice per step (once for y_hat, once inside the G step's gradient pass), and the
 * mirror copies the discriminators' effective weights (measured in {@code docs/hifigan.md}).
 *
 * <p><b>Exact resume.</b> The checkpoint ({@link Checkpoint}, atomic) holds G's parameters under
 * {@code generator.*}, D's parameters and spectral-norm buffers under upstream's {@code mpd.*} and
 * {@code msd.*} keys, both optimisers' moments and update counts, the step and the run's settings.
 * Data order ({@link AudioDataset#index}), crop offsets ({@link AudioDataset#rng}) and learning rates
 * are functions of (seed, step), so a resumed run continues exactly where the checkpoint was taken.
 *
 * <p><b>Not upstream</b> (both off by default): {@code discriminatorChannelDivisor} narrows MPD and
 * MSD, and {@code adversarialStart} trains G on the mel loss alone for that many steps before the
 * discriminators join (as ParallelWaveGAN's {@code discriminator_train_start_steps}); both exist so
 * that a small model can be trained on two CPU cores in an hour.
 */
public final class VocoderTrainer {
    /** Checkpoint kind. */
    public static final String KIND = "vocoder";
    /** Key prefix of G's parameters in the run checkpoint (upstream keeps them in a separate file). */
    public static final String GENERATOR_PREFIX = "generator.";
    /** Upstream {@code MelDataset}: {@code normalize(audio) * 0.95}, a peak of 0.95 per clip. */
    public static final double PEAK = 0.95;
    /** The model directory written at checkpoints and at the end. */
    public static final String MODEL_DIR = "model";
    /** Per-step losses. */
    public static final String METRICS_FILE = "metrics.tsv";
    /** Validation mel error at checkpoints. */
    public static final String VALIDATION_FILE = "validation.tsv";

    /** Loss names as upstream {@code train.py} calls them. */
    static final String LOSS_GEN_ALL = "loss_gen_all";
    static final String LOSS_GEN_F = "loss_gen_f";
    static final String LOSS_GEN_S = "loss_gen_s";
    static final String LOSS_FM_F = "loss_fm_f";
    static final String LOSS_FM_S = "loss_fm_s";
    static final String LOSS_MEL = "loss_mel";
    static final String MEL_L1 = "mel_error";
    static final String LOSS_DISC_ALL = "loss_disc_all";
    static final String LOSS_DISC_F = "loss_disc_f";
    static final String LOSS_DISC_S = "loss_disc_s";

    private static final List<String> METRIC_COLUMNS = List.of(LOSS_DISC_ALL, LOSS_DISC_F, LOSS_DISC_S, LOSS_GEN_ALL,
            LOSS_GEN_F, LOSS_GEN_S, LOSS_FM_F, LOSS_FM_S, LOSS_MEL, MEL_L1);

    /**
     * What to train and where.
     *
     * @param data                         training data directory (its {@code train} split; see
     *                                     {@link AudioDataset#load})
     * @param runDir                       run directory (checkpoint, model, metrics)
     * @param config                       model and training fields; null on resume (the run's own)
     * @param steps                        total updates to reach
     * @param checkpointEvery              updates between checkpoints (the last step always writes one)
     * @param resume                       continue the run in {@code runDir}
     * @param discriminatorChannelDivisor  1 = upstream MPD/MSD; null on resume
     * @param adversarialStart             updates trained on the mel loss alone (0 = upstream); null on resume
     * @param initGenerator                a model directory to start G from (fresh runs only), or null
     * @param initDiscriminator            a safetensors file with upstream {@code mpd.*}/{@code msd.*} keys, or null
     */
    public record Options(Path data, Path runDir, HifiGanConfig config, long steps, int checkpointEvery, boolean resume,
            Integer discriminatorChannelDivisor, Long adversarialStart, Path initGenerator, Path initDiscriminator) {
        public Options {
            if (steps < 1) {
                throw new LockeyException("--steps must be at least 1");
            }
            if (checkpointEvery < 1) {
                throw new LockeyException("--checkpoint-every must be at least 1");
            }
            if (resume && (initGenerator != null || initDiscriminator != null)) {
                throw new LockeyException("--init-generator / --init-discriminator start a new run; they cannot be"
                        + " combined with --resume");
            }
        }
    }

    /**
     * The outcome of {@link #train}.
     *
     * @param startStep     updates done before this call (0, or the checkpoint's step)
     * @param step          updates done now
     * @param seconds       wall time of the steps of this call
     * @param lastLosses    the last step's loss terms
     * @param meanLosses    the loss terms averaged over the last min(100, steps) updates of this call
     * @param validMelError validation mel L1 at the end (NaN without validation clips)
     * @param modelDir      the generator model directory (for {@code ./lockey vocode})
     */
    public record Summary(long startStep, long step, double seconds, Map<String, Double> lastLosses,
            Map<String, Double> meanLosses, double validMelError, Path modelDir) {
    }

    private final HifiGanConfig config;
    private final int divisor;
    private final long adversarialStart;
    private final int segment;
    private final int batch;
    private final long seed;
    private final AudioDataset train;
    private final float[] trainScale;
    private final AudioDataset valid;
    private final MelSpectrogram inputMel;
    private final MelSpectrogram lossMel;
    private final DiscriminatorGraph disc;
    private GeneratorGraph gen;
    private final Adam adamG;
    private final Adam adamD;
    private long step;
    private double lastValid = Double.NaN;

    private VocoderTrainer(HifiGanConfig config, int divisor, long adversarialStart, AudioDataset train,
            AudioDataset valid, Map<String, Tensor> genWeights, String genSource, Map<String, Tensor> discWeights,
            String discSource, long step) {
        Inference.uncachedSessions();
        this.config = config;
        this.divisor = divisor;
        this.adversarialStart = adversarialStart;
        this.segment = config.training().segmentSize();
        this.batch = config.training().batchSize();
        this.seed = config.training().seed();
        this.train = train;
        this.valid = valid;
        this.trainScale = peakScales(train);
        this.inputMel = new MelSpectrogram(config.melConfig());
        this.lossMel = new MelSpectrogram(config.lossMelConfig());
        this.step = step;
        this.disc = new DiscriminatorGraph(config, divisor, discWeights, discSource, seed);
        this.gen = new GeneratorGraph(config, genWeights, genSource, seed, step >= adversarialStart ? disc : null);
        HifiGanConfig.Training t = config.training();
        this.adamG = new Adam(Adam.Config.adamW(t.learningRate(), t.adamB1(), t.adamB2()));
        this.adamD = new Adam(Adam.Config.adamW(t.learningRate(), t.adamB1(), t.adamB2()));
    }

    /**
     * Trains (or resumes) a run to {@code options.steps()} updates, printing a progress line to
     * {@code log} and writing checkpoints, the model directory and the metrics files.
     */
    public static Summary train(Options options, PrintStream log) {
        Path run = options.runDir();
        Checkpoint ck = Checkpoint.load(run, KIND).orElse(null);
        if (options.resume() && ck == null) {
            throw new LockeyException(run + ": no checkpoint to resume (" + Checkpoint.file(run).getFileName()
                    + " is missing); drop --resume to start a new run");
        }
        if (!options.resume() && ck != null) {
            throw new LockeyException(run + ": already holds a training run; add --resume to continue it or choose"
                    + " another --out");
        }
        VocoderTrainer t = options.resume() ? resumed(options, ck) : fresh(options);
        return t.run(run, options.steps(), options.checkpointEvery(), log);
    }

    private static VocoderTrainer fresh(Options o) {
        HifiGanConfig config = o.config();
        Map<String, Tensor> genWeights = null;
        String genSource = "(initialised)";
        if (o.initGenerator() != null) {
            HifiGan init = HifiGan.load(o.initGenerator());
            if (config == null) {
                config = init.config();
            }
            genWeights = init.stateDict();
            genSource = o.initGenerator().resolve(HifiGan.MODEL_FILE).toString();
        }
        if (config == null) {
            throw new LockeyException("a new run needs --config (or --init-generator)");
        }
        Map<String, Tensor> discWeights = null;
        String discSource = "(initialised)";
        if (o.initDiscriminator() != null) {
            discWeights = SafeTensors.read(o.initDiscriminator()).tensors();
            discSource = o.initDiscriminator().toString();
        }
        int divisor = o.discriminatorChannelDivisor() == null ? 1 : o.discriminatorChannelDivisor();
        long advStart = o.adversarialStart() == null ? 0 : o.adversarialStart();
        if (advStart < 0) {
            throw new LockeyException("--adversarial-start must not be negative");
        }
        checkTrainable(config);
        AudioDataset train = AudioDataset.load(o.data(), "train", config.mel().samplingRate());
        try {
            Files.createDirectories(o.runDir());
        } catch (IOException e) {
            throw new LockeyException(o.runDir() + ": cannot create the run directory (" + e.getMessage() + ")");
        }
        return new VocoderTrainer(config, divisor, advStart, train, validation(o.data(), config), genWeights, genSource,
                discWeights, discSource, 0);
    }

    private static VocoderTrainer resumed(Options o, Checkpoint ck) {
        Map<String, String> meta = ck.metadata();
        HifiGanConfig config;
        try {
            config = HifiGanConfig.fromJson(Json.tree(meta.getOrDefault("config", "")), "checkpoint config");
        } catch (IOException e) {
            throw new LockeyException(Checkpoint.file(o.runDir()) + ": the stored config is not valid JSON");
        }
        int divisor = Integer.parseInt(meta.getOrDefault("discriminator_channel_divisor", "1"));
        long advStart = Long.parseLong(meta.getOrDefault("adversarial_start", "0"));
        if (o.config() != null && !o.config().equals(config)) {
            throw new LockeyException("the run in " + o.runDir() + " was started with another config (segment size,"
                    + " batch size, seed or model); resume with the run's own settings");
        }
        if (o.discriminatorChannelDivisor() != null && o.discriminatorChannelDivisor() != divisor) {
            throw new LockeyException("the run uses discriminator channel divisor " + divisor);
        }
        if (o.adversarialStart() != null && o.adversarialStart() != advStart) {
            throw new LockeyException("the run uses adversarial start " + advStart);
        }
        Map<String, Tensor> gen = new LinkedHashMap<>();
        Map<String, Tensor> dsc = new LinkedHashMap<>();
        ck.params().forEach((k, t) -> {
            if (k.startsWith(GENERATOR_PREFIX)) {
                String key = k.substring(GENERATOR_PREFIX.length());
                gen.put(key, new Tensor(key, t.dtype(), t.shape(), t.data()));
            } else {
                dsc.put(k, t);
            }
        });
        AudioDataset train = AudioDataset.load(o.data(), "train", config.mel().samplingRate());
        String src = Checkpoint.file(o.runDir()).toString();
        VocoderTrainer t = new VocoderTrainer(config, divisor, advStart, train, validation(o.data(), config), gen, src, dsc,
                src, ck.step());
        t.adamG.restore(ck.optimiser("g"), ck.adamSteps("g"), DataType.FLOAT);
        t.adamD.restore(ck.optimiser("d"), ck.adamSteps("d"), DataType.FLOAT);
        return t;
    }

    /** Rejects configs the recipe cannot run: mel frames must map to exactly one crop. */
    public static void checkTrainable(HifiGanConfig config) {
        int hop = config.mel().hopSize();
        if (config.samplesPerFrame() != hop) {
            throw new LockeyException("'hop_size' (" + hop + ") must equal the product of 'upsample_rates' ("
                    + config.samplesPerFrame() + ") to train: G must turn the crop's mel frames back into the crop");
        }
        int seg = config.training().segmentSize();
        if (seg % hop != 0 || seg / hop < 2) {
            throw new LockeyException("'segment_size' (" + seg + ") must be a multiple of 'hop_size' (" + hop
                    + ") and hold at least 2 frames");
        }
        if (seg <= config.mel().nFft() / 2) {
            throw new LockeyException("'segment_size' (" + seg + ") must exceed n_fft / 2 for the reflect padding");
        }
    }

    private static AudioDataset validation(Path data, HifiGanConfig config) {
        try {
            return AudioDataset.load(data, "valid", config.mel().samplingRate());
        } catch (LockeyException e) {
            return null; // no validation clips: the run reports no validation error
        }
    }

    private static float[] peakScales(AudioDataset d) {
        float[] s = new float[d.size()];
        for (int i = 0; i < s.length; i++) {
            double peak = 0;
            for (float v : d.clip(i)) {
                peak = Math.max(peak, Math.abs(v));
            }
            // librosa.util.normalize leaves an all-zero clip as it is.
            s[i] = peak > 0 ? (float) (PEAK / peak) : 1f;
        }
        return s;
    }

    // ------------------------------------------------------------------ the loop

    private Summary run(Path runDir, long steps, int checkpointEvery, PrintStream log) {
        long start = step;
        log.printf(Locale.ROOT, "train vocoder: %d clips (%.1f s) in %s, segment %d, batch %d, seed %d, %s;"
                + " steps %d -> %d%n", train.size(), train.seconds(), train.root(), segment, batch, seed,
                adversarialStart > 0 ? "mel loss alone for " + adversarialStart + " steps" : "adversarial from step 0",
                start, steps);
        // Validation at every checkpoint, and (upstream validates at step 0 too) the untrained model's error as the
        // baseline of the curve.
        RunLoop.Schedule schedule = new RunLoop.Schedule(steps, checkpointEvery, checkpointEvery,
                RunLoop.Baseline.VALIDATE_UNTRAINED);
        VocoderSolver solver = new VocoderSolver(runDir);
        RunLoop.Outcome o = new RunLoop("train vocoder", runDir, schedule)
                .withMetrics(new RunLoop.MetricsTable(runDir.resolve(METRICS_FILE), metricsHeader(), this::metricsRow))
                .withTableByStep(runDir.resolve(VALIDATION_FILE))
                .withProgressOn(log)
                .run(solver);
        // Each term's mean over the recent steps that have it (the mel-only phase has no D terms).
        Map<String, Double> mean = new LinkedHashMap<>();
        Map<String, Integer> count = new LinkedHashMap<>();
        for (Map<String, Double> m : solver.recent) {
            m.forEach((k, v) -> {
                mean.merge(k, v, Double::sum);
                count.merge(k, 1, Integer::sum);
            });
        }
        mean.replaceAll((k, v) -> v / count.get(k));
        double validErr = start == steps ? validate(generatorModel()) : lastValid;
        return new Summary(start, step, o.seconds(), o.lastFigures(), mean, validErr, runDir.resolve(MODEL_DIR));
    }

    /** This trainer as {@link RunLoop} drives it; keeps the losses of the last 100 steps for the summary. */
    private final class VocoderSolver implements RunLoop.Solver {
        private final Path runDir;
        private final List<Map<String, Double>> recent = new ArrayList<>();

        VocoderSolver(Path runDir) {
            this.runDir = runDir;
        }

        @Override
        public long stepsDone() {
            return step;
        }

        @Override
        public Map<String, Double> step() {
            Map<String, Double> losses = VocoderTrainer.this.step();
            // ND4J frees native arrays when their Java objects are collected; a step allocates several GB
            // of short-lived arrays (weight gradients) while using little Java heap, so without a
            // collection per step the process grows far beyond its working set (measured 7 GB vs 1.8 GB).
            System.gc();
            recent.add(losses);
            if (recent.size() > 100) {
                recent.remove(0);
            }
            return losses;
        }

        @Override
        public Map<String, Double> shown(Map<String, Double> losses) {
            Map<String, Double> fig = new LinkedHashMap<>();
            if (losses.containsKey(LOSS_DISC_ALL)) {
                fig.put("D", losses.get(LOSS_DISC_ALL));
            }
            fig.put("G", losses.get(LOSS_GEN_ALL));
            fig.put("mel", losses.get(MEL_L1));
            return fig;
        }

        @Override
        public void saveCheckpoint() {
            checkpoint(runDir);
        }

        @Override
        public void validate(double seconds) {
            lastValid = VocoderTrainer.this.validate(generatorModel());
            logValidation(runDir, lastValid);
        }
    }

    /** One training step (one D update and one G update, or one G update during the mel-only phase). */
    Map<String, Double> step() {
        double lr = learningRate(step);
        adamG.setLr(lr);
        adamD.setLr(lr);
        Batch b = batch(step);
        Map<String, Double> out = new LinkedHashMap<>();
        if (step >= adversarialStart) {
            if (gen.mirror == null) {
                // The mel-only phase is over: the generator graph gains the discriminators' mirror.
                gen = new GeneratorGraph(config, gen.stateDict(), "(mel-only phase)", seed, disc);
            }
            INDArray yHat = gen.generate(b.mel);
            out.putAll(disc.step(b.audio, yHat, adamD));
        }
        out.putAll(gen.step(b, adamG, disc));
        step++;
        return out;
    }

    /** ExponentialLR per epoch: {@code learning_rate * lr_decay^floor(step * batch / clips)}. */
    double learningRate(long s) {
        long epoch = s * batch / train.size();
        return config.training().learningRate() * Math.pow(config.training().lrDecay(), epoch);
    }

    /** A batch: audio crops, their input log-mels and loss log-mels. */
    public record Batch(INDArray audio, INDArray mel, INDArray lossMel) {
    }

    /**
     * The batch of step {@code s}: clip {@link AudioDataset#index}(seed, s, B, b), crop offset from
     * {@link AudioDataset#rng}(seed, s, b), scaled to upstream's 0.95 peak of the whole clip.
     */
    Batch batch(long s) {
        int frames = segment / config.mel().hopSize();
        int mels = config.numMels();
        float[] audio = new float[batch * segment];
        float[] mel = new float[batch * mels * frames];
        float[] lmel = new float[batch * mels * frames];
        for (int b = 0; b < batch; b++) {
            int clip = train.index(seed, s, batch, b);
            SplittableRandom rng = AudioDataset.rng(seed, s, b);
            float[] crop = train.crop(clip, segment, rng);
            for (int i = 0; i < crop.length; i++) {
                crop[i] *= trainScale[clip];
            }
            System.arraycopy(crop, 0, audio, b * segment, segment);
            copyMel(inputMel.apply(crop), mel, b, frames);
            copyMel(lossMel.apply(crop), lmel, b, frames);
        }
        return new Batch(Nd4j.createFromArray(audio).reshape(batch, 1, segment),
                Nd4j.createFromArray(mel).reshape(batch, mels, frames), Nd4j.createFromArray(lmel).reshape(batch, mels, frames));
    }

    private static void copyMel(float[][] m, float[] dst, int b, int frames) {
        if (m[0].length != frames) {
            throw new IllegalStateException("mel has " + m[0].length + " frames, expected " + frames);
        }
        for (int k = 0; k < m.length; k++) {
            System.arraycopy(m[k], 0, dst, (b * m.length + k) * frames, frames);
        }
    }

    // ------------------------------------------------------------------ checkpoints, model, logs

    private void checkpoint(Path runDir) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        gen.stateDict().forEach((k, t) -> params.put(GENERATOR_PREFIX + k,
                new Tensor(GENERATOR_PREFIX + k, t.dtype(), t.shape(), t.data())));
        params.putAll(disc.stateDict());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("config", config.toJson().toString());
        meta.put("discriminator_channel_divisor", Integer.toString(divisor));
        meta.put("adversarial_start", Long.toString(adversarialStart));
        Map<String, Adam> opts = new LinkedHashMap<>();
        opts.put("g", adamG);
        opts.put("d", adamD);
        Checkpoint.save(runDir, KIND, step, params, opts, meta);
        generatorModel().save(runDir.resolve(MODEL_DIR));
    }

    private void logValidation(Path runDir, double error) {
        if (!Double.isNaN(error)) {
            StepLog.append(runDir.resolve(VALIDATION_FILE), "step\tvalid_mel_error", String.format(Locale.ROOT, "%d\t%.6f", step, error));
        }
    }

    /** G's current weights as an inference model. */
    HifiGan generatorModel() {
        return HifiGan.fromWeights(config, gen.stateDict(), "(training)");
    }

    /**
     * Mean L1 between the loss log-mels of each validation clip (peak 0.95) and of G's output for
     * its input log-mel, over the frames both have (upstream {@code train.py}'s validation error).
     */
    /** Mel frames per chunk when validation vocodes a clip (short, so that nearly every clip is chunked). */
    static final int VALIDATION_CHUNK_FRAMES = 64;

    double validate(HifiGan model) {
        if (valid == null) {
            return Double.NaN;
        }
        float[] scales = peakScales(valid);
        double sum = 0;
        long n = 0;
        for (int i = 0; i < valid.size(); i++) {
            float[] x = valid.clip(i).clone();
            if (x.length < config.mel().nFft()) {
                continue;
            }
            for (int j = 0; j < x.length; j++) {
                x[j] *= scales[i];
            }
            float[][] want = lossMel.apply(x);
            // short chunks: every clip longer than one window runs in windows of one shape (HifiGan#vocodeChunked), so
            // the native kernels built for it are reused instead of built and kept anew for every clip length
            float[][] got = lossMel.apply(model.vocodeChunked(inputMel.apply(x), VALIDATION_CHUNK_FRAMES, model.contextFrames()));
            int frames = Math.min(want[0].length, got[0].length);
            for (int m = 0; m < want.length; m++) {
                for (int t = 0; t < frames; t++) {
                    sum += Math.abs(want[m][t] - got[m][t]);
                }
            }
            n += (long) want.length * frames;
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** The columns of {@value #METRICS_FILE}. */
    private static String metricsHeader() {
        StringBuilder header = new StringBuilder("step\tepoch\tlr");
        METRIC_COLUMNS.forEach(c -> header.append('\t').append(c));
        return header.append("\tseconds").toString();
    }

    /** Step {@code s}'s row of {@value #METRICS_FILE}: epoch and learning rate of the update, losses, seconds. */
    private String metricsRow(long s, Map<String, Double> losses, double secs) {
        StringBuilder row = new StringBuilder();
        row.append(s).append('\t').append((s - 1) * batch / train.size()).append('\t')
                .append(String.format(Locale.ROOT, "%.6e", learningRate(s - 1)));
        for (String c : METRIC_COLUMNS) {
            Double v = losses.get(c);
            row.append('\t').append(v == null ? "" : String.format(Locale.ROOT, "%.6f", v));
        }
        row.append(String.format(Locale.ROOT, "\t%.3f", secs));
        return row.toString();
    }

    /** Updates done. */
    long stepsDone() {
        return step;
    }

    // ------------------------------------------------------------------ the two graphs

    /** Arrays of a graph by key, for {@link NormedWeight#refresh} and {@link NormedWeight#backward}. */
    private static Function<String, INDArray> arrays(SameDiff sd) {
        return key -> sd.getVariable(key).getArr();
    }

    /**
     * The discriminator graph: MPD and MSD on placeholders {@code y} and {@code y_hat}
     * ({@code [B, 1, segment]}), loss {@code L_D}. Trainable: the effective conv weights and biases;
     * the state-dict parameters are updated from them through {@link NormedWeight#backward}. Public, with
     * what {@code bench.VocoderTrainBench} times phase by phase.
     */
    public static final class DiscriminatorGraph {
        public final SameDiff sd = SameDiff.create();
        final Scope root;
        final int divisor;
        final DataType type;
        final List<NormedWeight> weights = new ArrayList<>();
        final List<String> params = new ArrayList<>();
        final List<String> buffers = new ArrayList<>();
        final List<String> biases = new ArrayList<>();
        final List<String> gradNames = new ArrayList<>();

        public DiscriminatorGraph(HifiGanConfig config, int divisor, Map<String, Tensor> weightsIn, String source, long seed) {
            this(config, divisor, weightsIn, source, seed, DataType.FLOAT);
        }

        /** With another float type (DOUBLE for gradient checks). */
        DiscriminatorGraph(HifiGanConfig config, int divisor, Map<String, Tensor> weightsIn, String source, long seed,
                DataType type) {
            int len = config.training().segmentSize();
            this.divisor = divisor;
            this.type = type;
            root = Scope.root(sd, weightsIn, source, type, false, seed + 1);
            SDVariable y = sd.placeHolder("y", type, -1, 1, len);
            SDVariable yHat = sd.placeHolder("y_hat", type, -1, 1, len);
            DiscriminatorOutputs f = new MultiPeriodDiscriminator(divisor).build(root.child("mpd"), y, yHat, len);
            DiscriminatorOutputs s = new MultiScaleDiscriminator(divisor).build(root.child("msd"), y, yHat, len);
            root.build().checkLoaded("mpd.", "msd.");
            SDVariable lf = sd.identity(LOSS_DISC_F, AdversarialLoss.discriminator(sd, f.realScores(), f.generatedScores()));
            SDVariable ls = sd.identity(LOSS_DISC_S, AdversarialLoss.discriminator(sd, s.realScores(), s.generatedScores()));
            sd.setLossVariables(sd.identity(LOSS_DISC_ALL, ls.add(lf)));
            weights.addAll(f.weights());
            weights.addAll(s.weights());
            for (String key : root.build().created().keySet()) {
                SDVariable v = sd.getVariable(key);
                if (v.getVariableType() == VariableType.VARIABLE) {
                    params.add(key);
                    if (key.endsWith(".bias")) {
                        biases.add(key);
                    }
                } else {
                    buffers.add(key);
                }
            }
            weights.forEach(w -> gradNames.addAll(w.graphNames()));
            gradNames.addAll(biases);
        }

        /** One AdamW update of D on (y, y_hat); returns the loss terms. */
        public Map<String, Double> step(INDArray y, INDArray yHat, Adam adam) {
            Map<String, INDArray> grads = new TreeMap<>();
            Map<String, Double> losses = gradients(y, yHat, true, grads);
            adam.step(paramArrays(), grads);
            // The masters' gradients are ours (NormedWeight.backward made them): free them now.
            weights.forEach(w -> w.masterKeys().forEach(k -> Adam.release(grads.get(k))));
            return losses;
        }

        /**
         * The loss terms of (y, y_hat) and, in {@code grads}, the gradient of {@code L_D} for every
         * parameter by upstream key. {@code training}: spectral norm's power iterations advance (the
         * step); otherwise u and v stay (for finite-difference checks).
         */
        Map<String, Double> gradients(INDArray y, INDArray yHat, boolean training, Map<String, INDArray> grads) {
            Function<String, INDArray> state = arrays(sd);
            weights.forEach(w -> w.refresh(state, training));
            OutAndGrad og = sd.calculateGradientsAndOutputs(Map.of("y", y, "y_hat", yHat),
                    List.of(LOSS_DISC_ALL, LOSS_DISC_F, LOSS_DISC_S), gradNames);
            for (String b : biases) {
                grads.put(b, og.getGradients().get(b));
            }
            weights.forEach(w -> w.backward(state, og.getGradients(), grads));
            return scalars(og.getOutputs());
        }

        Map<String, INDArray> paramArrays() {
            Map<String, INDArray> m = new LinkedHashMap<>();
            params.forEach(k -> m.put(k, sd.getVariable(k).getArr()));
            return m;
        }

        /** Parameters and buffers by upstream key ({@code mpd.*}, {@code msd.*}). */
        public Map<String, Tensor> stateDict() {
            Map<String, Tensor> m = new TreeMap<>();
            for (String k : root.build().created().keySet()) {
                m.put(k, Tensor.of(k, sd.getVariable(k).getArr()));
            }
            return m;
        }
    }

    /**
     * The generator graph: G on {@code mel}, the mel loss against {@code y_mel}, and (adversarial
     * phase) a frozen mirror of MPD and MSD judging {@code y} and G's output, with the adversarial and
     * feature-matching losses. Trainable: G's parameters only. Public, with what
     * {@code bench.VocoderTrainBench} times phase by phase.
     */
    public static final class GeneratorGraph {
        final SameDiff sd = SameDiff.create();
        final Scope root;
        final List<String> params;
        final String yHat;
        public final List<NormedWeight> mirror;
        final List<String> mirrorBiases = new ArrayList<>();
        final List<String> lossNames = new ArrayList<>();

        public GeneratorGraph(HifiGanConfig config, Map<String, Tensor> weightsIn, String source, long seed,
                DiscriminatorGraph disc) {
            this(config, weightsIn, source, seed, disc, DataType.FLOAT);
        }

        /** With another float type (DOUBLE for gradient checks; the mirror takes {@code disc}'s type). */
        GeneratorGraph(HifiGanConfig config, Map<String, Tensor> weightsIn, String source, long seed,
                DiscriminatorGraph disc, DataType type) {
            int len = config.training().segmentSize();
            int frames = len / config.mel().hopSize();
            root = Scope.root(sd, weightsIn, source, type, false, seed);
            SDVariable mel = sd.placeHolder("mel", type, -1, Generator.CONV_PRE_IN_CHANNELS, frames);
            SDVariable yMel = sd.placeHolder("y_mel", type, -1, config.numMels(), frames);
            SDVariable out = sd.identity("y_g_hat", new Generator(config).build(root, mel));   // [B, 1, len]
            root.build().checkLoaded();
            params = List.copyOf(root.build().created().keySet());
            yHat = out.name();
            SDVariable melErr = sd.identity(MEL_L1, new MelLoss(config.lossMelConfig()).l1(sd, "loss_mel_graph", yMel, out, len));
            SDVariable lossMel = sd.identity(LOSS_MEL, melErr.mul(MelLoss.WEIGHT));
            lossNames.add(MEL_L1);
            lossNames.add(LOSS_MEL);
            if (disc == null) {
                mirror = null;
                sd.setLossVariables(sd.identity(LOSS_GEN_ALL, lossMel));
            } else {
                // The discriminators as constants, loaded from D's current state; refreshed every step.
                Scope frozen = Scope.root(sd, disc.stateDict(), "(discriminator mirror)", type, true, seed + 1);
                SDVariable y = sd.placeHolder("y", type, -1, 1, len);
                DiscriminatorOutputs f = new MultiPeriodDiscriminator(disc.divisor).build(frozen.child("mpd"), y, out, len);
                DiscriminatorOutputs s = new MultiScaleDiscriminator(disc.divisor).build(frozen.child("msd"), y, out, len);
                mirror = new ArrayList<>(f.weights());
                mirror.addAll(s.weights());
                mirrorBiases.addAll(disc.biases);
                SDVariable fmF = sd.identity(LOSS_FM_F, FeatureMatchingLoss.of(sd, f.realFeatureMaps(), f.generatedFeatureMaps()));
                SDVariable fmS = sd.identity(LOSS_FM_S, FeatureMatchingLoss.of(sd, s.realFeatureMaps(), s.generatedFeatureMaps()));
                SDVariable genF = sd.identity(LOSS_GEN_F, AdversarialLoss.generator(sd, f.generatedScores()));
                SDVariable genS = sd.identity(LOSS_GEN_S, AdversarialLoss.generator(sd, s.generatedScores()));
                // Upstream's order: loss_gen_s + loss_gen_f + loss_fm_s + loss_fm_f + loss_mel.
                sd.setLossVariables(sd.identity(LOSS_GEN_ALL, genS.add(genF).add(fmS).add(fmF).add(lossMel)));
                lossNames.addAll(List.of(LOSS_FM_F, LOSS_FM_S, LOSS_GEN_F, LOSS_GEN_S));
            }
            lossNames.add(LOSS_GEN_ALL);
        }

        /** y_hat = G(mel), {@code [B, 1, segment]} (no gradient). */
        public INDArray generate(INDArray mel) {
            return sd.output(Map.of("mel", mel), yHat).get(yHat);
        }

        /** One AdamW update of G; the mirror is refreshed from {@code disc} first. */
        public Map<String, Double> step(Batch b, Adam adam, DiscriminatorGraph disc) {
            OutAndGrad og = sd.calculateGradientsAndOutputs(feeds(b, disc, true), lossNames, params);
            Map<String, INDArray> arrays = new LinkedHashMap<>();
            params.forEach(k -> arrays.put(k, sd.getVariable(k).getArr()));
            adam.step(arrays, og.getGradients());
            return scalars(og.getOutputs());
        }

        /**
         * The placeholders of a G step; in the adversarial phase the mirror is refreshed from
         * {@code disc} first ({@code training}: spectral norm's power iterations advance).
         */
        Map<String, INDArray> feeds(Batch b, DiscriminatorGraph disc, boolean training) {
            Map<String, INDArray> feeds = new LinkedHashMap<>();
            feeds.put("mel", b.mel());
            feeds.put("y_mel", b.lossMel());
            if (mirror != null) {
                Function<String, INDArray> state = arrays(disc.sd);
                mirror.forEach(w -> w.refresh(state, training));
                for (String k : mirrorBiases) {
                    sd.getVariable(k).getArr().assign(disc.sd.getVariable(k).getArr());
                }
                feeds.put("y", b.audio());
            }
            return feeds;
        }

        /** G's parameters by upstream key. */
        public Map<String, Tensor> stateDict() {
            Map<String, Tensor> m = new TreeMap<>();
            params.forEach(k -> m.put(k, Tensor.of(k, sd.getVariable(k).getArr())));
            return m;
        }
    }

    private static Map<String, Double> scalars(Map<String, INDArray> outputs) {
        Map<String, Double> m = new LinkedHashMap<>();
        outputs.forEach((k, v) -> m.put(k, v.getDouble(0)));
        return m;
    }
}
