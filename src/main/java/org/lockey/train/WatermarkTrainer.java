package org.lockey.train;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.lockey.LockeyException;
import org.lockey.audio.Spectrum;
import org.lockey.audio.Stft;
import org.lockey.audio.StftConfig;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.BandEq;
import org.lockey.distortion.Codecs;
import org.lockey.distortion.Distortion;
import org.lockey.distortion.GaussianNoise;
import org.lockey.distortion.Identity;
import org.lockey.distortion.Mp3;
import org.lockey.distortion.TimeJitter;
import org.lockey.io.Json;
import org.lockey.io.Tensor;
import org.lockey.metric.BitAccuracy;
import org.lockey.metric.WatermarkEval;
import org.lockey.model.silentcipher.DetectThreshold;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.nn.BatchNorm2d;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Trains a SilentCipher watermark model (carrier encoder {@code enc_c}, carrier decoder
 * {@code dec_c}, message decoder {@code dec_m_0}) from scratch: the recipe of the SilentCipher paper
 * (Sec. 3.3, 4) as recorded in {@code docs/silentcipher.md}, whose training code is not public.
 *
 * <p>One step (all random draws are functions of (seed, step), so a resumed run is exact):
 * <ol>
 * <li>B random crops of L samples from the {@code train} split ({@link AudioDataset#index},
 * {@link AudioDataset#crop}); an all-zero crop is redrawn;</li>
 * <li>per crop: power normalisation to {@link SilentCipher#AVERAGE_ENERGY_VCTK}, upstream's right
 * padding, STFT (double precision) -> carrier magnitude C and phase; a random payload of
 * {@code payloadBits} bits, its {@link PayloadCodec} classes tiled from a random period offset
 * (so the decoder cannot learn the position of the crop start) -> message M and the CE target;</li>
 * <li>pass 1 ({@link WatermarkGraph#watermarked}): the watermarked crops y;</li>
 * <li>one distortion for the whole batch, drawn uniformly from the enabled categories
 * ({@value #GAUS}: {@link GaussianNoise} 40 dB, {@value #JITTER}: {@link TimeJitter}, {@value #EQ}:
 * {@link BandEq} +-15 dB, {@value #CODEC}: MP3 or Ogg Vorbis uniformly, 64/128/256 kbit/s uniformly,
 * from the codec backend ({@code Codecs}); optionally {@value #NONE}), applied per crop -> residual {@code d(y) - y};</li>
 * <li>pass 2 ({@link WatermarkGraph#lossAndGradients}): the loss and gradients through the
 * straight-through distortion; one {@link Adam} update of every parameter;</li>
 * <li>the BatchNorm running statistics are updated as PyTorch's training mode does (momentum 0.1,
 * the unbiased batch variance, {@code num_batches_tracked + 1}), so the model can also run with
 * running statistics.</li>
 * </ol>
 * Every {@code checkpointEvery} steps and at the end: {@link Checkpoint} (parameters, buffers,
 * Adam moments, step) and the model directory ({@link WatermarkModel}) in the run directory, each
 * file atomically. Every {@code validateEvery} steps: bit accuracy on the {@code valid} split, clean
 * and after MP3 128 kbit/s, with the BatchNorm mode(s) chosen.
 */
public final class WatermarkTrainer {
    /** Checkpoint kind. */
    public static final String KIND = "watermark";
    /** Distortion category: additive Gaussian noise at 40 dB SNR. */
    public static final String GAUS = "gaus";
    /** Distortion category: time jitter. */
    public static final String JITTER = "time_jit";
    /** Distortion category: random +-15 dB band EQ. */
    public static final String EQ = "eq";
    /** Distortion category: MP3 or Ogg Vorbis at 64, 128 or 256 kbit/s. */
    public static final String CODEC = "codec";
    /** Distortion category: none (not in the paper's recipe; for tests and ablations). */
    public static final String NONE = "none";
    /** The paper's categories (Sec. 3.3): noise, jitter, EQ, compression. */
    public static final List<String> PAPER_DISTORTIONS = List.of(GAUS, JITTER, EQ, CODEC);
    /** Codec bit rates drawn in training (kbit/s). */
    static final int[] CODEC_KBPS = {64, 128, 256};
    /** Longest validation clip, in seconds (longer clips are cut to their start). */
    public static final double VALID_MAX_SECONDS = 10;

    /**
     * What to train and how.
     *
     * @param config           the model (its message_sdr is the SDR alpha used while training)
     * @param payloadBits      payload bits per message
     * @param batchSize        crops per step
     * @param cropSamples      samples per crop
     * @param steps            the step count to reach
     * @param checkpointEvery  steps between checkpoints (and model-directory writes)
     * @param validateEvery    steps between validations (0 = never; the end of a run always validates)
     * @param logEvery         steps between log lines
     * @param seed             the seed of the initialisation and of every draw
     * @param lr               Adam learning rate (paper: 1e-3)
     * @param msgWeight        weight of the message cross-entropy (hparams lambda_msg_loss: 20)
     * @param carrierWeight    weight of the carrier MSE (hparams lambda_carrier_loss 20; default 0, see docs)
     * @param distortions      enabled distortion categories
     * @param inferenceBnMode  the BatchNorm mode written into the model directory
     * @param sdrRamp          how the SDR alpha moves towards the config's message_sdr ({@link SdrRamp#NONE}: it
     *                         is the message_sdr from the first step)
     * @param init             a trained watermark model of the same architecture to start from instead of a
     *                         seeded initialisation (null: from scratch)
     */
    public record Settings(SilentCipherConfig config, int payloadBits, int batchSize, int cropSamples, long steps,
            int checkpointEvery, int validateEvery, int logEvery, long seed, double lr, double msgWeight,
            double carrierWeight, List<String> distortions, BatchNorm2d.Mode inferenceBnMode, SdrRamp sdrRamp,
            Path init) {
        /** Settings that train at the config's message_sdr from a seeded initialisation. */
        public Settings(SilentCipherConfig config, int payloadBits, int batchSize, int cropSamples, long steps,
                int checkpointEvery, int validateEvery, int logEvery, long seed, double lr, double msgWeight,
                double carrierWeight, List<String> distortions, BatchNorm2d.Mode inferenceBnMode) {
            this(config, payloadBits, batchSize, cropSamples, steps, checkpointEvery, validateEvery, logEvery, seed, lr,
                    msgWeight, carrierWeight, distortions, inferenceBnMode, SdrRamp.NONE, null);
        }

        public Settings {
            Objects.requireNonNull(sdrRamp, "sdrRamp");
            if (batchSize < 1 || steps < 0 || checkpointEvery < 1 || validateEvery < 0 || logEvery < 1) {
                throw new LockeyException("batch size and checkpoint/log intervals must be >= 1, steps and the "
                        + "validation interval >= 0");
            }
            if (config.frames(cropSamples) < config.messageLen()) {
                throw new LockeyException("a crop of " + cropSamples + " samples has " + config.frames(cropSamples)
                        + " frames, fewer than one message period (" + config.messageLen() + " frames); use longer crops");
            }
            new PayloadCodec(payloadBits);
            if (config.messageLen() != new PayloadCodec(payloadBits).period()
                    || config.messageDim() != PayloadCodec.MESSAGE_DIM) {
                throw new LockeyException("config message_dim/message_len do not match a " + payloadBits + "-bit payload");
            }
            if (distortions.isEmpty()) {
                throw new LockeyException("no training distortion enabled");
            }
            for (String d : distortions) {
                if (!List.of(GAUS, JITTER, EQ, CODEC, NONE).contains(d)) {
                    throw new LockeyException("unknown training distortion '" + d + "'; choose from gaus, time_jit, eq, "
                            + "codec, none");
                }
            }
            distortions = List.copyOf(distortions);
        }

        /** The settings that must not change when a run is resumed, as JSON. */
        ObjectNode identity() {
            ObjectNode n = Json.object();
            n.set("silentcipher", config.toJson());
            n.put("payload_bits", payloadBits);
            n.put("batch_size", batchSize);
            n.put("crop_samples", cropSamples);
            n.put("seed", seed);
            n.put("lr", lr);
            n.put("msg_weight", msgWeight);
            n.put("carrier_weight", carrierWeight);
            n.put("distortions", String.join(",", distortions));
            if (!sdrRamp.equals(SdrRamp.NONE)) {
                n.put("sdr_ramp_from", sdrRamp.fromDb());
                n.put("sdr_ramp_steps", sdrRamp.steps());
            }
            if (init != null) {
                n.put("init", init.toString());
            }
            return n;
        }

        /** The SDR alpha (dB) of the step that starts after {@code step} updates. */
        public double sdrAt(long step) {
            return sdrRamp.at(step, config.messageSdr());
        }
    }

    /**
     * A curriculum on the watermark's loudness: the SDR alpha moves linearly in dB from {@code fromDb} to the
     * model's message_sdr over the first {@code steps} steps, then stays there. Starting loud and growing quiet
     * lets a decoder that already reads a loud watermark follow it down, where a decoder trained quiet from
     * scratch stays at chance for a long time (docs/silentcipher.md, "A quieter watermark").
     *
     * @param fromDb the alpha of step 0
     * @param steps  steps of the ramp (0: none)
     */
    public record SdrRamp(double fromDb, long steps) {
        /** No ramp: the message_sdr from the first step. */
        public static final SdrRamp NONE = new SdrRamp(0, 0);

        public SdrRamp {
            if (steps < 0 || !Double.isFinite(fromDb)) {
                throw new LockeyException("an SDR ramp needs a finite start and >= 0 steps");
            }
        }

        /** The alpha after {@code step} updates, ramping towards {@code toDb}. */
        public double at(long step, double toDb) {
            if (steps == 0 || step >= steps) {
                return toDb;
            }
            return fromDb + (toDb - fromDb) * step / (double) steps;
        }
    }

    /**
     * What one step measured.
     *
     * @param step          the step number (1-based: updates done after it)
     * @param loss          the weighted loss
     * @param ce            the message cross-entropy (nats, per frame)
     * @param bitAccuracy   per-frame bit accuracy of the batch ({@link BitAccuracy#perFrame})
     * @param frameAccuracy share of frames whose argmax class is the target
     * @param distortion    the distortion applied
     */
    public record StepLog(long step, double loss, double ce, double bitAccuracy, double frameAccuracy,
            String distortion) {
    }

    /** A validation result: aligned bit accuracy per condition. */
    public record Validation(long step, Map<String, Double> accuracy) {
    }

    private final Settings settings;
    private final AudioDataset train;
    private final AudioDataset valid;
    private final PrintStream log;
    private final Codecs codecs;
    private final List<String> categories;
    private final Stft stft;
    private final List<Validation> validations = new ArrayList<>();
    private final List<StepLog> history = new ArrayList<>();

    /**
     * @param settings what to train
     * @param train    the training clips (at the model rate)
     * @param valid    the validation clips, or null for no validation
     * @param codecs   the engines of the codec distortions
     * @param log      where progress and notices go
     */
    public WatermarkTrainer(Settings settings, AudioDataset train, AudioDataset valid, Codecs codecs, PrintStream log) {
        if (train.sampleRate() != settings.config().sampleRate()) {
            throw new LockeyException("training data at " + train.sampleRate() + " Hz for a " + settings.config().sampleRate()
                    + " Hz model");
        }
        this.settings = settings;
        this.train = train;
        this.valid = valid;
        this.codecs = codecs;
        this.log = log;
        this.stft = new Stft(StftConfig.of(settings.config().nFft(), settings.config().hopLength()));
        List<String> cats = new ArrayList<>(settings.distortions());
        if (cats.contains(CODEC)) {
            Optional<String> problem = codecs.mp3(128).unavailable().or(() -> codecs.ogg(128).unavailable());
            if (problem.isPresent()) {
                log.println("notice: codec distortions skipped in training: " + problem.get());
                cats.remove(CODEC);
                if (cats.isEmpty()) {
                    throw new LockeyException("the only enabled training distortion, codec, needs its encoders: " + problem.get());
                }
            }
        }
        this.categories = List.copyOf(cats);
    }

    /** The distortion categories actually drawn from (codec dropped when its encoders cannot run). */
    public List<String> categories() {
        return categories;
    }

    /** The steps of the last {@link #run}. */
    public List<StepLog> history() {
        return List.copyOf(history);
    }

    /** The validations of the last {@link #run}. */
    public List<Validation> validations() {
        return List.copyOf(validations);
    }

    /** Random-number streams per step (see {@link AudioDataset#rng}). */
    private static final int STREAM_CROPS = 0;
    private static final int STREAM_PAYLOADS = 1;
    private static final int STREAM_DISTORTION = 2;
    private static final int STREAM_APPLY = 3;

    /** The training state that a checkpoint holds. */
    private static final class State {
        final WatermarkGraph graph;
        final Adam adam;
        final Map<String, INDArray> buffers = new LinkedHashMap<>();
        long step;

        State(WatermarkGraph graph, Adam adam) {
            this.graph = graph;
            this.adam = adam;
        }
    }

    /**
     * Trains from scratch, or from the run directory's checkpoint when {@code resume} is set, up to
     * {@code settings.steps()}, writing checkpoints and the model into {@code runDir}.
     *
     * @return the trained model
     */
    public WatermarkModel run(Path runDir, boolean resume) {
        Optional<Checkpoint> ckpt = Checkpoint.load(runDir, KIND);
        if (ckpt.isPresent() && !resume) {
            throw new LockeyException(runDir + " already holds a watermark checkpoint (step " + ckpt.get().step()
                    + "); pass --resume to continue it or choose another --out");
        }
        if (resume && ckpt.isEmpty()) {
            log.println("notice: no checkpoint in " + runDir + "; starting from step 0");
        }
        State state = ckpt.filter(c -> resume).map(this::restore).orElseGet(this::fresh);
        validations.clear();
        history.clear();
        long startStep = state.step;
        RunLoop.Schedule schedule = new RunLoop.Schedule(settings.steps(), settings.checkpointEvery(),
                settings.validateEvery(), RunLoop.Baseline.NONE);
        new RunLoop("train watermark", runDir, schedule).run(new WatermarkSolver(runDir, state));
        if (state.step == startStep) {
            // nothing to do (steps already reached, or 0): still write the model, and validate it
            save(runDir, state);
            validate(state);
        }
        return model(state);
    }

    /** This trainer as {@link RunLoop} drives it: a step also records its {@link StepLog} and prints every logEvery. */
    private final class WatermarkSolver implements RunLoop.Solver {
        private final Path runDir;
        private final State state;
        private long lastLogNanos = System.nanoTime();
        private long lastLogStep;

        WatermarkSolver(Path runDir, State state) {
            this.runDir = runDir;
            this.state = state;
            this.lastLogStep = state.step;
        }

        @Override
        public long stepsDone() {
            return state.step;
        }

        @Override
        public Map<String, Double> step() {
            StepResult r = WatermarkTrainer.this.step(state);
            state.step++;
            long s = state.step;
            history.add(new StepLog(s, r.loss, r.ce, r.bitAccuracy, r.frameAccuracy, r.distortion));
            if (s % settings.logEvery() == 0 || s == settings.steps()) {
                long now = System.nanoTime();
                double secsPerStep = (now - lastLogNanos) / 1e9 / (s - lastLogStep);
                lastLogNanos = now;
                lastLogStep = s;
                log.printf(Locale.ROOT, "step %d  loss %.4f  ce %.4f  frame-bit-acc %.3f  frame-acc %.3f  [%s]  alpha %.1f dB  "
                        + "%.2f s/step%n", s, r.loss, r.ce, r.bitAccuracy, r.frameAccuracy, r.distortion,
                        settings.sdrAt(s - 1), secsPerStep);
            }
            return Map.of("loss", r.loss, "bitacc", r.bitAccuracy);
        }

        @Override
        public void saveCheckpoint() {
            save(runDir, state);
        }

        @Override
        public void validate(double seconds) {
            WatermarkTrainer.this.validate(state);
        }
    }

    private State fresh() {
        Map<String, Tensor> start = settings.init() == null ? null : initialWeights(settings.init());
        WatermarkGraph graph = new WatermarkGraph(settings.config(), settings.cropSamples(), settings.msgWeight(),
                settings.carrierWeight(), start, settings.seed());
        State s = new State(graph, new Adam(Adam.Config.adam(settings.lr())));
        for (String key : graph.stateDict().keySet()) {
            if (!graph.parameters().contains(key)) {
                s.buffers.put(key, start != null
                        ? start.get(key).toNd(key.endsWith("num_batches_tracked") ? DataType.INT64 : DataType.FLOAT)
                        : graph.sd().getVariable(key).getArr().dup());
            }
        }
        if (start != null) {
            log.println("starting from the weights of " + settings.init());
        }
        return s;
    }

    /** The weights of the model in {@code dir}, refused unless its architecture is the one being trained. */
    private Map<String, Tensor> initialWeights(Path dir) {
        WatermarkModel m = WatermarkModel.load(dir);
        SilentCipherConfig c = settings.config();
        SilentCipherConfig mc = m.config();
        if (mc.sampleRate() != c.sampleRate() || mc.carrierWidth() != c.carrierWidth()
                || mc.msgDecoderChannels() != c.msgDecoderChannels() || mc.msgDecoderLayers() != c.msgDecoderLayers()
                || mc.nFft() != c.nFft() || mc.hopLength() != c.hopLength()) {
            throw new LockeyException(dir + ": --init model has another architecture (" + mc.sampleRate() + " Hz, carrier width "
                    + mc.carrierWidth() + ", message decoder " + mc.msgDecoderChannels() + " x " + mc.msgDecoderLayers()
                    + ") than the one being trained (" + c.sampleRate() + " Hz, " + c.carrierWidth() + ", "
                    + c.msgDecoderChannels() + " x " + c.msgDecoderLayers() + ")");
        }
        return m.weights();
    }

    private State restore(Checkpoint c) {
        String saved = c.metadata().getOrDefault("settings", "");
        String now = settings.identity().toString();
        if (!saved.equals(now)) {
            throw new LockeyException("the checkpoint was trained with other settings; cannot resume.\n  checkpoint: "
                    + saved + "\n  now:        " + now);
        }
        WatermarkGraph graph = new WatermarkGraph(settings.config(), settings.cropSamples(), settings.msgWeight(),
                settings.carrierWeight(), c.params(), settings.seed());
        State s = new State(graph, new Adam(Adam.Config.adam(settings.lr())));
        s.adam.restore(c.optimiser(), c.adamSteps(), DataType.FLOAT);
        for (String key : graph.stateDict().keySet()) {
            if (!graph.parameters().contains(key)) {
                Tensor t = c.params().get(key);
                s.buffers.put(key, t.toNd(key.endsWith("num_batches_tracked") ? DataType.INT64 : DataType.FLOAT));
            }
        }
        s.step = c.step();
        log.println("resumed from step " + s.step);
        return s;
    }

    private record StepResult(double loss, double ce, double bitAccuracy, double frameAccuracy, String distortion) {
    }

    /** One optimisation step at {@code state.step}. */
    private StepResult step(State state) {
        long step = state.step;
        WatermarkGraph graph = state.graph;
        int b = settings.batchSize();
        int length = settings.cropSamples();
        SilentCipherConfig config = settings.config();
        int bins = config.bins();
        int frames = graph.frames();
        int dim = config.messageDim();
        PayloadCodec codec = new PayloadCodec(settings.payloadBits());
        SplittableRandom crops = AudioDataset.rng(settings.seed(), step, STREAM_CROPS);
        SplittableRandom payloads = AudioDataset.rng(settings.seed(), step, STREAM_PAYLOADS);
        float[] carrier = new float[b * bins * frames];
        float[] cos = new float[b * bins * frames];
        float[] sin = new float[b * bins * frames];
        float[] message = new float[b * dim * frames];
        int[] target = new int[b * frames];
        for (int i = 0; i < b; i++) {
            double[] x = normalisedCrop(step, i, crops);
            Spectrum spec = stft.forward(padRight(x, config.paddedLength(length)));
            boolean[] bits = new boolean[settings.payloadBits()];
            for (int k = 0; k < bits.length; k++) {
                bits[k] = payloads.nextBoolean();
            }
            int[] classes = PayloadCodec.tile(codec.periodClasses(bits), frames, payloads.nextInt(codec.period()));
            for (int f = 0; f < bins; f++) {
                for (int t = 0; t < frames; t++) {
                    double re = spec.re()[f][t];
                    double im = spec.im()[f][t];
                    double m = Math.hypot(re, im);
                    int at = (i * bins + f) * frames + t;
                    carrier[at] = (float) m;
                    // the phase as cos/sin = X/|X|; an exactly-zero bin has phase 0 (as atan2(0, 0))
                    cos[at] = m > 0 ? (float) (re / m) : 1f;
                    sin[at] = m > 0 ? (float) (im / m) : 0f;
                }
            }
            for (int t = 0; t < frames; t++) {
                message[(i * dim + classes[t]) * frames + t] = 1f;
                target[i * frames + t] = classes[t];
            }
        }
        WatermarkGraph.Inputs in = new WatermarkGraph.Inputs(
                Nd4j.create(carrier, new long[] {b, 1, bins, frames}, DataType.FLOAT),
                Nd4j.create(cos, new long[] {b, 1, bins, frames}, DataType.FLOAT),
                Nd4j.create(sin, new long[] {b, 1, bins, frames}, DataType.FLOAT),
                Nd4j.create(message, new long[] {b, 1, dim, frames}, DataType.FLOAT),
                Nd4j.scalar(DataType.FLOAT, Math.pow(10, -settings.sdrAt(step) / 20)),
                Nd4j.createFromArray(target).reshape(b, frames));
        INDArray y = graph.watermarked(in); // [B, L]
        SplittableRandom pick = AudioDataset.rng(settings.seed(), step, STREAM_DISTORTION);
        Distortion d = drawDistortion(pick);
        float[] residual = new float[b * length];
        for (int i = 0; i < b; i++) {
            float[] yi = y.getRow(i).toFloatVector();
            float[] di = d.apply(yi, config.sampleRate(), AudioDataset.rng(settings.seed(), step, STREAM_APPLY + i));
            for (int n = 0; n < length; n++) {
                residual[i * length + n] = di[n] - yi[n];
            }
        }
        WatermarkGraph.Pass pass = graph.lossAndGradients(in, Nd4j.create(residual, new long[] {b, length}, DataType.FLOAT));
        state.adam.step(graph.parameterArrays(), pass.gradients());
        updateRunningStatistics(state, pass, b);
        int[] predicted = argmax(pass.logits(), b, dim, frames);
        int right = 0;
        for (int k = 0; k < predicted.length; k++) {
            right += predicted[k] == target[k] ? 1 : 0;
        }
        return new StepResult(pass.loss(), pass.ce(), BitAccuracy.perFrame(predicted, target),
                right / (double) predicted.length, d.name());
    }

    /** A crop of the step's example i, power-normalised; all-zero crops are redrawn (up to 100 times). */
    private double[] normalisedCrop(long step, int i, SplittableRandom crops) {
        int clip = train.index(settings.seed(), step, settings.batchSize(), i);
        for (int attempt = 0; attempt < 100; attempt++) {
            float[] x = train.crop(clip, settings.cropSamples(), crops);
            double power = 0;
            for (float v : x) {
                power += (double) v * v;
            }
            power /= x.length;
            if (power > 0) {
                double gain = Math.sqrt(SilentCipher.AVERAGE_ENERGY_VCTK / power);
                double[] out = new double[x.length];
                for (int n = 0; n < x.length; n++) {
                    out[n] = x[n] * gain;
                }
                return out;
            }
            clip = crops.nextInt(train.size());
        }
        throw new LockeyException(train.root() + ": 100 crops in a row were silent; is the training data all zeros?");
    }

    private static double[] padRight(double[] x, int length) {
        double[] out = new double[length];
        System.arraycopy(x, 0, out, 0, x.length);
        return out;
    }

    /** One distortion for the step: a category uniformly, then (codec) a format and a bit rate uniformly. */
    Distortion drawDistortion(SplittableRandom r) {
        return drawDistortion(categories, codecs, r);
    }

    /** {@link #drawDistortion(SplittableRandom)} for given categories (codecs from {@code codecs}). */
    static Distortion drawDistortion(List<String> categories, Codecs codecs, SplittableRandom r) {
        String cat = categories.get(r.nextInt(categories.size()));
        return switch (cat) {
            case GAUS -> GaussianNoise.tableI();
            case JITTER -> new TimeJitter();
            case EQ -> BandEq.tableI();
            case CODEC -> {
                int kbps = CODEC_KBPS[r.nextInt(CODEC_KBPS.length)];
                yield r.nextBoolean() ? codecs.mp3(kbps) : codecs.ogg(kbps);
            }
            default -> new Identity();
        };
    }

    /**
     * PyTorch's training-mode update: {@code running = (1 - 0.1) running + 0.1 batch}, with the
     * unbiased variance {@code var * n / (n - 1)}; {@code num_batches_tracked += 1}.
     */
    private static void updateRunningStatistics(State state, WatermarkGraph.Pass pass, int batch) {
        for (String bn : state.graph.bnPrefixes()) {
            String[] keys = WatermarkGraph.batchStatistics(bn);
            updateRunningStatistics(state.buffers, bn, pass.batchStatistics().get(keys[0]),
                    pass.batchStatistics().get(keys[1]), state.graph.statisticCount(bn, batch));
        }
    }

    /** BatchNorm momentum of the running statistics (PyTorch's default). */
    static final double BN_MOMENTUM = 0.1;

    /**
     * One BatchNorm's update in {@code buffers} ({@code <bn>.running_mean}, {@code .running_var},
     * {@code .num_batches_tracked}) from its batch mean and biased variance over {@code n} elements.
     */
    static void updateRunningStatistics(Map<String, INDArray> buffers, String bn, INDArray batchMean,
            INDArray batchVar, long n) {
        INDArray rm = buffers.get(bn + ".running_mean");
        INDArray rv = buffers.get(bn + ".running_var");
        rm.muli(1 - BN_MOMENTUM).addi(batchMean.reshape(-1).castTo(rm.dataType()).mul(BN_MOMENTUM));
        rv.muli(1 - BN_MOMENTUM).addi(batchVar.reshape(-1).castTo(rv.dataType()).mul(BN_MOMENTUM * n / (n - 1.0)));
        INDArray count = buffers.get(bn + ".num_batches_tracked");
        buffers.put(bn + ".num_batches_tracked", Nd4j.scalar(count.getLong(0) + 1));
    }

    private static int[] argmax(INDArray logits, int b, int dim, int frames) {
        float[] v = logits.reshape(b, dim, frames).dup().data().asFloat();
        int[] out = new int[b * frames];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < frames; t++) {
                int best = 0;
                for (int c = 1; c < dim; c++) {
                    if (v[(i * dim + c) * frames + t] > v[(i * dim + best) * frames + t]) {
                        best = c;
                    }
                }
                out[i * frames + t] = best;
            }
        }
        return out;
    }

    /** Parameters and buffers by key, float32 (int64 for the counters). */
    private static Map<String, Tensor> weights(State state) {
        Map<String, Tensor> out = new TreeMap<>();
        state.graph.parameterArrays().forEach((k, a) -> out.put(k, Tensor.of(k, a)));
        state.buffers.forEach((k, a) -> out.put(k, Tensor.of(k, a)));
        return out;
    }

    private WatermarkModel model(State state) {
        ObjectNode training = settings.identity();
        training.put("step", state.step);
        training.put("distortions_used", String.join(",", categories));
        return new WatermarkModel(settings.config(), settings.payloadBits(), settings.inferenceBnMode(),
                DetectThreshold.uniform(WatermarkModel.DEFAULT_DETECT_THRESHOLD), weights(state), training);
    }

    private void save(Path runDir, State state) {
        try {
            Files.createDirectories(runDir);
        } catch (java.io.IOException e) {
            throw new LockeyException(runDir + ": cannot create (" + e.getMessage() + ")");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("settings", settings.identity().toString());
        Checkpoint.save(runDir, KIND, state.step, weights(state), state.adam, meta);
        model(state).save(runDir);
    }

    /** Bit accuracy on the validation clips, clean and after MP3 128k, with both BatchNorm modes. */
    private void validate(State state) {
        if (valid == null) {
            return;
        }
        WatermarkModel m = model(state);
        Map<String, Double> acc = new LinkedHashMap<>();
        List<Distortion> conditions = new ArrayList<>(List.of(new Identity()));
        Mp3 mp3 = codecs.mp3(128);
        if (mp3.unavailable().isEmpty()) {
            conditions.add(mp3);
        }
        for (BatchNorm2d.Mode mode : BatchNorm2d.Mode.values()) {
            String tag = mode == BatchNorm2d.Mode.BATCH_STATISTICS ? "batch-bn" : "running-bn";
            Map<String, Double> r = WatermarkEval.bitAccuracy(m.withBnMode(mode), valid, conditions, settings.seed(),
                    VALID_MAX_SECONDS);
            r.forEach((k, v) -> acc.put(k + "/" + tag, v));
        }
        validations.add(new Validation(state.step, acc));
        StringBuilder sb = new StringBuilder("valid step " + state.step + ":");
        acc.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %s %.3f", k, v)));
        if (mp3.unavailable().isPresent()) {
            sb.append("  (").append(mp3.unavailable().get()).append(')');
        }
        log.println(sb);
    }
}
