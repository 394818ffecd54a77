package org.lockey.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.io.AtomicFiles;
import org.lockey.io.Json;
import org.lockey.io.Tensor;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyClock;
import org.lockey.metric.BitAccuracy;
import org.lockey.metric.OutputLevel;
import org.lockey.metric.Sdr;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.lockey.KeyedGenerator;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.nn.Inference;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * LOCKEY fine-tuning of a generator (paper §III-IV, docs/lockey.md, "Decisions and why"): a HiFi-GAN
 * vocoder or the Encodec decoder, through a {@link FinetuneBranch}.
 *
 * <p>Per step: a batch of random crops of the training clips, each with a key drawn valid or invalid
 * with probability 1/2 (valid: uniform over the registry's valid set; invalid: uniform over the other
 * keys); the generator's input for each crop (mel, or Encodec latent); the teacher output {@code y_t} — the frozen base generator G0(x),
 * watermarked with the key by the frozen SilentCipher embedder for valid keys — computed outside the
 * training graph; then the student graph: the keyed generator (initialised from G0, key modules fresh), the frozen message decoder D_m on the generated audio (per example, its weights graph
 * constants), the loss of Eq. 4 with the curriculum bound tau, and one Adam step on the student's
 * variables only.
 *
 * <p>Data order, crops and key draws are functions of (seed, step) ({@link AudioDataset#rng}), so
 * {@link #run} resumed from a checkpoint continues exactly as the uninterrupted run.
 */
public final class LockeyTrainer {
    /** Checkpoint kind. */
    public static final String KIND = "lockey";
    private static final int STREAM_CROP = 100;
    private static final int STREAM_KEY = 10_000;

    /**
     * The optimisation run.
     *
     * @param batchSize       examples per step
     * @param steps           total optimiser steps
     * @param checkpointEvery steps between checkpoints
     * @param validateEvery   steps between validation passes (0 = only at the end)
     * @param seed            seed of data order, crops, keys and the key modules' initialisation
     * @param lr              Adam learning rate (paper 1e-4)
     */
    public record Run(int batchSize, long steps, int checkpointEvery, int validateEvery, long seed, double lr) {
    }

    /** Whether the payload clock ({@link KeyClock}, ours) is added to the paper's broadcast key vector. */
    public enum PayloadClock {
        /** The paper's key vector alone. */
        OFF,
        /** The key vector and the clock track of the key's symbols. */
        ON
    }

    /**
     * The key path's size and its warm-up.
     *
     * @param keyDim    d, the key embedding size
     * @param keyHidden h, the key encoder's hidden channels
     * @param clock     whether the payload clock is on
     * @param keyWarmup steps of {@link KeyWarmup} (the key path alone on the verification CE, batch
     *                  {@link #WARMUP_BATCH}) before fine-tuning starts; 0 = none (the paper)
     */
    public record KeyPath(int keyDim, int keyHidden, PayloadClock clock, int keyWarmup) {
        public KeyPath {
            Objects.requireNonNull(clock, "clock");
        }
    }

    /**
     * What a validation pass looks at.
     *
     * @param clips held-out clips per pass
     * @param keys  valid and invalid keys per pass (each)
     */
    public record ValidationSet(int clips, int keys) {
    }

    /**
     * Hyper-parameters.
     *
     * @param run        batch, length, cadence, seed and learning rate
     * @param curriculum the invalid-key bound schedule
     * @param lambdas    the loss weights of Eq. 4
     * @param sdrDb      the watermark SDR of the teacher's embedding
     * @param keyPath    the key path's size, the payload clock and the key warm-up
     * @param validation what each validation pass looks at
     * @param design     the key path's form, its warm-up and the invalid-key bound ({@link Design#PAPER} for the
     *                   paper's)
     */
    public record Config(Run run, Curriculum curriculum, LockeyLoss.Lambdas lambdas, double sdrDb, KeyPath keyPath,
            ValidationSet validation, Design design) {
        /** This config with another design. */
        public Config with(Design d) {
            return new Config(run, curriculum, lambdas, sdrDb, keyPath, validation, d);
        }

        public int batchSize() {
            return run.batchSize();
        }

        public long steps() {
            return run.steps();
        }

        public int checkpointEvery() {
            return run.checkpointEvery();
        }

        public int validateEvery() {
            return run.validateEvery();
        }

        public long seed() {
            return run.seed();
        }

        public double lr() {
            return run.lr();
        }

        public int keyDim() {
            return keyPath.keyDim();
        }

        public int keyHidden() {
            return keyPath.keyHidden();
        }

        /** Whether the payload clock is on. */
        public boolean payloadClock() {
            return keyPath.clock() == PayloadClock.ON;
        }

        public int keyWarmup() {
            return keyPath.keyWarmup();
        }

        public int validationClips() {
            return validation.clips();
        }

        public int validationKeys() {
            return validation.keys();
        }

        public Config {
            Objects.requireNonNull(run, "run");
            Objects.requireNonNull(curriculum, "curriculum");
            Objects.requireNonNull(lambdas, "lambdas");
            Objects.requireNonNull(keyPath, "keyPath");
            Objects.requireNonNull(validation, "validation");
            Objects.requireNonNull(design, "design");
            int batchSize = run.batchSize();
            long steps = run.steps();
            int checkpointEvery = run.checkpointEvery();
            int validateEvery = run.validateEvery();
            int keyDim = keyPath.keyDim();
            int keyHidden = keyPath.keyHidden();
            int keyWarmup = keyPath.keyWarmup();
            int validationClips = validation.clips();
            int validationKeys = validation.keys();
            if (keyWarmup < 0) {
                throw new LockeyException("invalid fine-tuning settings: key warm-up steps must be 0 or more");
            }
            if (batchSize < 1 || steps < 1 || checkpointEvery < 1 || validateEvery < 0
                    || validationClips < 1 || validationKeys < 1 || keyDim < 1 || keyHidden < 1) {
                throw new LockeyException("invalid fine-tuning settings: sizes and counts must be positive");
            }
        }

        /** The settings as JSON (checkpoint metadata and the run's config.json). */
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("batch_size", batchSize()).put("steps", steps())
                    .put("checkpoint_every", checkpointEvery()).put("validate_every", validateEvery()).put("seed", seed())
                    .put("lr", lr()).put("tau0", curriculum.tau0()).put("tau_period", curriculum.period())
                    .put("lambda_wm", lambdas.wm()).put("lambda_p", lambdas.p()).put("lambda_s", lambdas.s())
                    .put("lambda_v", lambdas.v()).put("sdr_db", sdrDb).put("key_dim", keyDim()).put("key_hidden", keyHidden())
                    .put("payload_clock", payloadClock()).put("key_warmup", keyWarmup());
            design.putInto(o);
            return o;
        }
    }

    /**
     * The choices that make the keyed generator start as its teacher, learn a large valid set and degrade
     * invalid-key audio audibly (docs/lockey.md): E_k's pooling, how the key term is injected, the key warm-up,
     * the invalid-key bound and how the key path is trained beside the generator.
     *
     * @param pooling      E_k's last layer
     * @param injection    added as is (paper) or through a zero-initialised gain (step-0 identity)
     * @param warmup       the key warm-up's batches and learning rate
     * @param invalidBound the invalid-key term
     * @param waveformMse  how Eq. 2's waveform MSE is scaled
     * @param keyTraining  the key path's learning rate, its vector shaping and how keys are paired in a batch
     * @param balance      how the loss terms are combined: Eq. 4's weighted sum or gradient shares
     * @param clockForm    how the payload clock (when on) acts on the generator's activation
     */
    public record Design(KeyConfig.Pooling pooling, KeyConfig.Injection injection, Warmup warmup,
            InvalidBound invalidBound, LockeyLoss.WaveformMse waveformMse, KeyTraining keyTraining, LossBalance balance,
            KeyConfig.ClockForm clockForm) {
        /** The paper's forms (mean pooling, added, Eq. 3 with the curriculum) and the earlier warm-up. */
        public static final Design PAPER = new Design(KeyConfig.Pooling.MEAN, KeyConfig.Injection.ADDED,
                new Warmup(WARMUP_BATCH, 0.5, 1e-3, 0), new InvalidBound.Absolute(), LockeyLoss.WaveformMse.ABSOLUTE,
                KeyTraining.PAPER, LossBalance.SUM, KeyConfig.ClockForm.ADDITIVE);
        /**
         * Ours, the default of {@code ./lockey train lockey}: flat pooling, gated injection, warm-up batches of 1024
         * keys a fifth valid at 3e-3, the relative bound, a shaped key vector trained 3x faster than the generator on
         * paired batches with the invalid-key push on the key path alone, gradient-balanced terms.
         */
        public static final Design DEFAULT = new Design(KeyConfig.Pooling.FLAT, KeyConfig.Injection.GATED,
                new Warmup(1024, 0.2, 3e-3, 0.5), InvalidBound.Relative.DEFAULT, LockeyLoss.WaveformMse.RELATIVE,
                KeyTraining.DEFAULT, LossBalance.DEFAULT, KeyConfig.ClockForm.ADDITIVE);

        public Design {
            Objects.requireNonNull(pooling, "pooling");
            Objects.requireNonNull(injection, "injection");
            Objects.requireNonNull(warmup, "warmup");
            Objects.requireNonNull(invalidBound, "invalidBound");
            Objects.requireNonNull(waveformMse, "waveformMse");
            Objects.requireNonNull(keyTraining, "keyTraining");
            Objects.requireNonNull(balance, "balance");
            Objects.requireNonNull(clockForm, "clockForm");
            if (keyTraining.invalidPush() == InvalidPush.KEY_PATH && balance.mode() != LossBalance.Mode.GRADIENT) {
                throw new LockeyException("invalid fine-tuning settings: --invalid-push key_path needs --balance gradient");
            }
        }

        /** This design with another injection. */
        public Design with(KeyConfig.Injection i) {
            return new Design(pooling, i, warmup, invalidBound, waveformMse, keyTraining, balance, clockForm);
        }

        /** This design with another pooling. */
        public Design with(KeyConfig.Pooling p) {
            return new Design(p, injection, warmup, invalidBound, waveformMse, keyTraining, balance, clockForm);
        }

        /** This design with another way of combining the losses. */
        public Design with(LossBalance b) {
            return new Design(pooling, injection, warmup, invalidBound, waveformMse, keyTraining, b, clockForm);
        }

        /** This design with another way of training the key path. */
        public Design with(KeyTraining k) {
            return new Design(pooling, injection, warmup, invalidBound, waveformMse, k, balance, clockForm);
        }

        /** This design with another form of the payload clock. */
        public Design with(KeyConfig.ClockForm f) {
            return new Design(pooling, injection, warmup, invalidBound, waveformMse, keyTraining, balance, f);
        }

        void putInto(ObjectNode o) {
            o.put("pooling", pooling.name().toLowerCase(Locale.ROOT));
            o.put("clock_form", clockForm.name().toLowerCase(Locale.ROOT));
            o.put("injection_form", injection.name().toLowerCase(Locale.ROOT));
            o.put("waveform_mse", waveformMse.name().toLowerCase(Locale.ROOT));
            o.put("warmup_batch", warmup.batch()).put("warmup_valid_share", warmup.validShare())
                    .put("warmup_lr", warmup.lr()).put("warmup_near_miss_share", warmup.nearMissShare());
            if (invalidBound instanceof InvalidBound.Relative r) {
                o.put("invalid_bound", "relative").put("invalid_target_sdr_db", r.targetSdrDb())
                        .put("invalid_logmag_bound", r.logmagBound());
            } else {
                o.put("invalid_bound", "paper");
            }
            KeyRates rates = keyTraining.rates();
            o.put("key_lr_scale", rates.encoder()).put("gate_lr_scale", rates.gate()).put("clock_lr_scale", rates.clock())
                    .put("key_shape_weight", keyTraining.shapeWeight())
                    .put("key_pairing", keyTraining.pairing().name().toLowerCase(Locale.ROOT))
                    .put("invalid_push", keyTraining.invalidPush().name().toLowerCase(Locale.ROOT));
            o.put("balance", balance.mode().name().toLowerCase(Locale.ROOT)).put("invalid_share", balance.invalidShare())
                    .put("balance_ema", balance.emaDecay());
            if (balance.watermarkForcing() > 0) {
                o.put("watermark_forcing", balance.watermarkForcing());
            }
        }
    }

    /**
     * How the terms of Eq. 4 are combined.
     *
     * @param mode         the weighted sum of Eq. 4 (the lambdas multiply the terms; the invalid term has weight 1) or
     *                     {@link LossBalancer} gradient shares at the audio (the lambdas and {@code invalidShare} are the
     *                     shares of the watermark CE, the waveform and log-magnitude MSEs and the invalid-key term;
     *                     lambda_v still multiplies the verification CE, which does not reach the audio)
     * @param invalidShare the invalid-key term's share (balanced mode; 1 in the sum)
     * @param emaDecay     the balancer's moving-average decay per step
     * @param watermarkForcing steps over which the teacher's watermark residual, added to the student's audio where the
     *                     loss terms read it, fades from all of it at step 0 to none ({@link #forcing}; balanced mode;
     *                     0 = off)
     */
    public record LossBalance(Mode mode, double invalidShare, double emaDecay, int watermarkForcing) {
        /** The two ways. */
        public enum Mode {
            /** Eq. 4 as printed. */
            SUM,
            /** Gradient shares ({@link LossBalancer}). */
            GRADIENT
        }

        /** Eq. 4. */
        public static final LossBalance SUM = new LossBalance(Mode.SUM, 1, 0.99, 0);
        /** Ours: gradient shares, the invalid-key term as heavy as the three valid-key terms together. */
        public static final LossBalance DEFAULT = new LossBalance(Mode.GRADIENT, 1, 0.99, 0);

        /** Gradient shares without watermark forcing. */
        public LossBalance(Mode mode, double invalidShare, double emaDecay) {
            this(mode, invalidShare, emaDecay, 0);
        }

        public LossBalance {
            Objects.requireNonNull(mode, "mode");
            if (mode == Mode.SUM && invalidShare != 1) {
                throw new LockeyException("invalid fine-tuning settings: --invalid-share belongs to --balance gradient");
            }
            if (watermarkForcing < 0 || (mode == Mode.SUM && watermarkForcing > 0)) {
                throw new LockeyException("invalid fine-tuning settings: --watermark-forcing takes a number of steps >= 0 "
                        + "and belongs to --balance gradient");
            }
            if (!(invalidShare >= 0) || !(emaDecay >= 0 && emaDecay < 1)) {
                throw new LockeyException("invalid fine-tuning settings: the invalid share must be >= 0 and the "
                        + "balancer's EMA decay in [0, 1)");
            }
        }
    }

    /**
     * The share alpha of the teacher's watermark residual {@code r = y_t - G0(x)} (valid keys; 0 for invalid ones) that
     * the loss terms of step {@code step} read on top of the student's audio: {@code y' = G(x, k) + alpha r},
     * {@code alpha = max(0, 1 - step / N)} for {@code N = watermarkForcing > 0}, else 0. At step 0 a student that is
     * still its base generator then reads as the watermarked teacher, and the watermark the decoder reads is taken
     * over by the student as alpha falls (teacher forcing of the watermark, ours). The gradients at y' are those at
     * the student's audio, and the model never sees r: from step N on, and in every validation, the student is alone.
     */
    static double forcing(LossBalance balance, long step) {
        int n = balance.watermarkForcing();
        return n <= 0 ? 0 : Math.max(0, 1 - step / (double) n);
    }

    /**
     * The key warm-up's batches ({@link KeyWarmup.Recipe}; its steps are {@link Config#keyWarmup}).
     *
     * @param batch         keys per step
     * @param validShare    expected share of valid keys in a batch
     * @param lr            the first learning rate (cosine decay)
     * @param nearMissShare the share of invalid draws that are near misses of valid keys
     */
    public record Warmup(int batch, double validShare, double lr, double nearMissShare) {
        public Warmup {
            new KeyWarmup.Recipe(0, batch, validShare, lr, 0, nearMissShare, 0);     // validates the values
        }

        /** The warm-up recipe of {@code steps} steps. */
        public KeyWarmup.Recipe recipe(int steps, long seed, double shapeWeight) {
            return new KeyWarmup.Recipe(steps, batch, validShare, lr, seed, nearMissShare, shapeWeight);
        }
    }

    /** How the examples of a batch get their keys. */
    public enum Pairing {
        /** Each example draws valid or invalid with probability 1/2 (the paper). */
        INDEPENDENT,
        /**
         * Examples come in pairs on the same crop, one with a valid key and one with an invalid key: the
         * generator's weights get the valid-key pull and the invalid-key push on the same input, so only the key
         * path can satisfy both.
         */
        PAIRED
    }

    /** Which weights the invalid-key term of Eq. 4 trains. */
    public enum InvalidPush {
        /** All of them, as Eq. 4's gradient does. */
        EVERY_WEIGHT,
        /**
         * The key path only (embedding, E_k, verifier, clock, gate): the generator's own weights learn from the
         * valid-key terms alone, so the push away from the teacher cannot degrade every key's audio alike; only the
         * key term can make invalid keys differ (needs {@code --balance gradient}).
         */
        KEY_PATH
    }

    /**
     * The key path's learning rates as multiples of the generator's (ours).
     *
     * @param encoder the key embedding, E_k and the verifier; 0 holds them at what the key warm-up learnt (the
     *                split between valid and invalid keys is then fixed)
     * @param gate    the gain {@link KeyedGenerator#GATE}: it starts at 0 and must open within the run
     * @param clock   the payload clock's tables ({@link KeyClock#PREFIX})
     */
    public record KeyRates(double encoder, double gate, double clock) {
        public KeyRates {
            if (!(encoder >= 0) || !(gate > 0) || !(clock > 0)) {
                throw new LockeyException("invalid fine-tuning settings: the key path's learning-rate scales must be "
                        + ">= 0 for E_k (0 holds it) and > 0 for the gate and the clock");
            }
        }

        /** One multiple for the whole key path. */
        public static KeyRates uniform(double scale) {
            return new KeyRates(scale, scale, scale);
        }

        /** The learning-rate multiple of one parameter (a generator layer: 1). */
        double of(String param) {
            if (KeyedGenerator.isGeneratorLayer(param)) {
                return 1.0;
            }
            String root = param.contains(".") ? param.substring(0, param.indexOf('.')) : param;
            return root.equals(KeyedGenerator.GATE) ? gate : root.equals(KeyClock.PREFIX) ? clock : encoder;
        }
    }

    /**
     * How the key path trains beside the generator (ours).
     *
     * @param rates       the key modules' learning rates as multiples of the generator's ({@link
     *                    KeyedGenerator#KEY_MODULES})
     * @param shapeWeight the weight of {@link KeyShapeLoss} in the warm-up and in fine-tuning (0 = none)
     * @param pairing     how keys are drawn per batch
     * @param invalidPush which weights the invalid-key term trains
     */
    public record KeyTraining(KeyRates rates, double shapeWeight, Pairing pairing, InvalidPush invalidPush) {
        /** The paper: one learning rate, no shaping, independent draws, every weight. */
        public static final KeyTraining PAPER = new KeyTraining(1, 0, Pairing.INDEPENDENT, InvalidPush.EVERY_WEIGHT);
        /** Ours. */
        public static final KeyTraining DEFAULT = new KeyTraining(3, 1, Pairing.PAIRED, InvalidPush.KEY_PATH);

        /** One learning-rate multiple for the whole key path. */
        public KeyTraining(double lrScale, double shapeWeight, Pairing pairing, InvalidPush invalidPush) {
            this(KeyRates.uniform(lrScale), shapeWeight, pairing, invalidPush);
        }

        /** One multiple for the key path, every weight for the invalid-key term (Eq. 4). */
        public KeyTraining(double lrScale, double shapeWeight, Pairing pairing) {
            this(KeyRates.uniform(lrScale), shapeWeight, pairing, InvalidPush.EVERY_WEIGHT);
        }

        public KeyTraining {
            Objects.requireNonNull(rates, "rates");
            Objects.requireNonNull(pairing, "pairing");
            Objects.requireNonNull(invalidPush, "invalidPush");
            if (!(shapeWeight >= 0)) {
                throw new LockeyException("invalid fine-tuning settings: the key shape weight must be >= 0");
            }
        }
    }

    /**
     * One validation pass.
     *
     * @param step        the step it followed
     * @param sdrValid    mean SDR (dB) of valid-key outputs against the watermarked teacher
     * @param sdrInvalid  mean SDR (dB) of invalid-key outputs against the teacher
     * @param bitAccuracy mean aligned bit accuracy ({@link BitAccuracy#aligned}) of the key decoded from
     *                    valid-key outputs
     * @param verifierAccuracy share of keys the verification head classifies right
     * @param invalidLevel     what the invalid-key outputs look like beside the teacher
     */
    public record Validation(long step, double sdrValid, double sdrInvalid, double bitAccuracy,
            double verifierAccuracy, OutputLevel invalidLevel) {
        public String line() {
            return String.format(Locale.ROOT, "step %d: SDR_valid %.2f dB, SDR_invalid %.2f dB, bit accuracy %.3f, "
                    + "verifier accuracy %.3f, invalid RMS ratio %.2f, DC %.4f, clipped %.4f", step, sdrValid, sdrInvalid,
                    bitAccuracy, verifierAccuracy, invalidLevel.rmsRatio(), invalidLevel.dc(), invalidLevel.clippedFraction());
        }
    }


    private final Config cfg;
    private final FinetuneBranch branch;
    private final SilentCipher watermark;
    private final KeyRegistry registry;
    private final AudioDataset train;
    private final AudioDataset valid;
    private final KeyConfig keyCfg;
    private final PayloadCodec codec;
    private final int length;
    private final int wmFrames;

    private SameDiff sd;
    private LockeyLoss.Terms terms;                // the weighted sum of Eq. 4 (LossBalance.Mode.SUM)
    private SameDiff lossGraph;                    // the terms on the audio (LossBalance.Mode.GRADIENT)
    private LockeyLoss.Separate separate;
    private SDVariable ceVerify;
    private LossBalancer balancer;
    private KeyedGenerator keyed;
    private KeyedGenerator.Outputs outputs;
    private Map<String, INDArray> clock;
    private List<String> trainable;
    private final Adam adam;
    private long step;

    /**
     * A trainer; call {@link #start} or {@link #resume} before {@link #run}.
     *
     * @param branch    the generator: its input, its frozen base G0 (teacher and starting point)
     * @param watermark the trained SilentCipher (frozen embedder of the teacher and message decoder)
     * @param registry  the key registry (its valid keys)
     * @param train     training clips at the generator's rate
     * @param valid     held-out clips for validation
     */
    public LockeyTrainer(Config cfg, FinetuneBranch branch, SilentCipher watermark, KeyRegistry registry,
            AudioDataset train, AudioDataset valid) {
        Inference.uncachedSessions();
        this.cfg = cfg;
        this.branch = branch;
        this.watermark = watermark;
        this.registry = registry;
        this.train = train;
        this.valid = valid;
        int rate = branch.sampleRate();
        if (watermark.config().sampleRate() != rate) {
            throw new LockeyException("the watermark model runs at " + watermark.config().sampleRate()
                    + " Hz but the generator at " + rate + " Hz");
        }
        if (train.sampleRate() != rate || valid.sampleRate() != rate) {
            throw new LockeyException("training data must be loaded at the generator rate " + rate + " Hz");
        }
        this.keyCfg = new KeyConfig(registry.bits(), cfg.keyDim(), cfg.keyHidden(), branch.injectionChannels(),
                cfg.payloadClock() ? watermark.config().hopLength() : 0).with(cfg.design().pooling())
                .with(cfg.design().injection()).with(cfg.design().clockForm());
        this.codec = new PayloadCodec(registry.bits());
        if (codec.period() != watermark.config().messageLen()) {
            throw new LockeyException("the watermark model's message period is " + watermark.config().messageLen()
                    + " frames but " + registry.bits() + "-bit keys need " + codec.period());
        }
        this.length = branch.cropSamples();
        this.wmFrames = watermark.config().frames(length);
        if (wmFrames < codec.period()) {
            throw new LockeyException("crops of " + length + " samples are shorter than one message period ("
                    + codec.period() + " watermark frames); use longer crops");
        }
        this.adam = new Adam(Adam.Config.adam(cfg.lr()));
    }

    public KeyConfig keyConfig() {
        return keyCfg;
    }

    /** Steps done. */
    /** The key registry whose valid set this trainer learns. */
    public KeyRegistry registry() {
        return registry;
    }

    public long step() {
        return step;
    }

    /** Held-out clips per validation pass of {@code ./lockey train lockey}. */
    public static final int VALIDATION_CLIPS = 2;
    /** The run directory's copy of its step-0 checkpoint, written right after the key warm-up. */
    public static final String AFTER_WARMUP = "after-warmup.safetensors";

    /** Valid (and as many invalid) keys per validation pass of {@code ./lockey train lockey}. */
    public static final int VALIDATION_KEYS = 3;

    /** Keys per step of the key warm-up (half valid on average). */
    public static final int WARMUP_BATCH = 64;

    /** Starts from the base generator with fresh key modules (no log). */
    public void start() {
        start(line -> { });
    }

    /**
     * Starts from the base generator with fresh key modules, first warmed up by {@link KeyWarmup} when
     * {@code keyWarmup > 0} (its progress and result go to {@code log}).
     */
    public void start(java.util.function.Consumer<String> log) {
        Map<String, Tensor> baseWeights = branch.baseWeights();
        build(baseWeights, "base generator");
        for (String k : trainable) {
            if (!baseWeights.containsKey(k) && KeyedGenerator.isGeneratorLayer(k)) {
                throw new LockeyException("base generator lacks " + k);
            }
        }
        if (cfg.keyWarmup() > 0) {
            Design d = cfg.design();
            KeyWarmup.Trained w = KeyWarmup.train(registry, keyCfg, d.warmup().recipe(cfg.keyWarmup(), cfg.seed(),
                    d.keyTraining().shapeWeight()), line -> log.accept("key warm-up " + line));
            w.weights().forEach((k, a) -> {
                if (!trainable.contains(k)) {
                    throw new LockeyException("key warm-up produced " + k + ", which the keyed generator lacks");
                }
                sd.getVariable(k).getArr().assign(a);
            });
            log.accept(String.format(Locale.ROOT, "key warm-up: %d steps, verifier accuracy valid %.3f, invalid %.3f",
                    cfg.keyWarmup(), w.result().validAccuracy(), w.result().invalidAccuracy()));
        }
        step = 0;
    }

    /**
     * Trains the spectral clock alone on the base generator's outputs ({@link ClockWarmup}) and sets its gains; call
     * after {@link #start} or {@link #startFromKeyPath}, before the first step.
     */
    public ClockWarmup.Trained warmUpClock(ClockWarmup.Recipe recipe, Consumer<String> log) {
        if (step != 0) {
            throw new LockeyException("--clock-warmup initialises a fresh run; a resumed run keeps its clock");
        }
        ClockWarmup.Trained t = ClockWarmup.train(branch, watermark, registry, train, keyCfg, recipe, log);
        t.weights().forEach((k, a) -> sd.getVariable(k).getArr().assign(a));
        log.accept(String.format(Locale.ROOT, "clock warm-up: %d steps of %d crops, frame accuracy %.3f at %.1f dB SDR "
                + "(the last 20 steps)", recipe.steps(), recipe.batch(), t.frameAccuracy(), t.sdrDb()));
        log.accept("clock warm-up: frames read per target class (the last 20 steps), " + t.confusionLines());
        return t;
    }

    /** Roots of the key path's trained parts that a warm-up produces: the embedding, E_k and the verification head. */
    public static final List<String> WARMED_MODULES = List.of("key_embedding", "key_encoder", "verifier");

    /**
     * Starts from the base generator with the key path's embedding, E_k and verification head taken from
     * {@code source} (another run's {@value #AFTER_WARMUP}, checkpoint or keyed model: any weights with these
     * modules' keys and shapes) instead of a warm-up, so several fine-tuning settings start from one warm-up. Every
     * other key module (gate, clock tables) starts fresh, as in {@link #start}.
     *
     * @param sourceName names the source in messages (its path)
     */
    public void startFromKeyPath(Map<String, Tensor> source, String sourceName, Consumer<String> log) {
        if (cfg.keyWarmup() > 0) {
            throw new LockeyException("a key path taken from " + sourceName + " replaces the key warm-up; drop --key-warmup");
        }
        start(log);
        int copied = 0;
        for (String k : trainable) {
            String root = k.contains(".") ? k.substring(0, k.indexOf('.')) : k;
            if (!WARMED_MODULES.contains(root)) {
                continue;
            }
            Tensor t = source.get(k);
            INDArray target = sd.getVariable(k).getArr();
            if (t == null) {
                throw new LockeyException(sourceName + ": has no " + k + " (not a keyed model or warm-up of this key path)");
            }
            if (!java.util.Arrays.equals(t.shape(), target.shape())) {
                throw new LockeyException(sourceName + ": " + k + " has shape " + java.util.Arrays.toString(t.shape())
                        + ", this run's key path needs " + java.util.Arrays.toString(target.shape())
                        + " (other --key-dim, --key-hidden, --pooling or key size?)");
            }
            target.assign(t.toNd(target.dataType()));
            copied++;
        }
        log.accept("key path (" + copied + " tensors of " + String.join(", ", WARMED_MODULES) + ") from " + sourceName);
    }

    /**
     * Starts the optimiser afresh (moments and bias correction), keeping the weights and the step: for a new
     * phase with other loss weights, whose gradients the old second moments would scale wrongly (Adam's
     * second moment forgets with beta2 = 0.999, a time constant of 1000 steps).
     */
    public void resetOptimizer() {
        adam.reset();
    }

    /** Continues from a checkpoint: same weights, optimiser state and step. */
    public void resume(Checkpoint ck) {
        checkSameDesign(ck);
        build(ck.params(), "checkpoint");
        adam.restore(ck.optimiser(), ck.adamSteps(), DataType.FLOAT);
        if (balancer != null && ck.metadata().containsKey(BALANCER_STATE)) {
            balancer.restore(ck.metadata().get(BALANCER_STATE));
        }
        step = ck.step();
    }

    /**
     * Refuses a checkpoint whose key path or invalid-key bound differs from this run's (a checkpoint written
     * before these settings existed has the paper's).
     */
    private void checkSameDesign(Checkpoint ck) {
        ObjectNode saved;
        try {
            saved = (ObjectNode) Json.tree(ck.metadata().getOrDefault("config", "{}"));
        } catch (java.io.IOException | ClassCastException e) {
            throw new LockeyException("checkpoint: its 'config' metadata is not a JSON object");
        }
        ObjectNode paper = Json.object();
        Design.PAPER.putInto(paper);
        ObjectNode now = Json.object();
        cfg.design().putInto(now);
        ObjectNode before = saved.has("pooling") ? saved : paper;        // older checkpoints: the paper's design
        if (!before.has("clock_form")) {
            before.put("clock_form", "additive");                        // written before the modulated clock existed
        }
        for (String field : List.of("pooling", "injection_form", "clock_form", "waveform_mse", "invalid_bound",
                "invalid_target_sdr_db", "invalid_logmag_bound")) {
            String was = before.path(field).asText("");
            String is = now.path(field).asText("");
            if (!was.equals(is)) {
                throw new LockeyException("the checkpoint was trained with " + field.replace('_', '-') + " '" + was
                        + "', this run asks for '" + is + "'; resume with the run's own settings (see its run.json)");
            }
        }
    }

    private void build(Map<String, Tensor> weights, String source) {
        sd = SameDiff.create();
        int b = cfg.batchSize();
        Scope student = Scope.root(sd, weights, source, DataType.FLOAT, false, cfg.seed());
        SDVariable input = sd.placeHolder("input", DataType.FLOAT, branch.inputShape(b));
        SDVariable keyBits = sd.placeHolder("key_bits", DataType.INT64, b, keyCfg.keyBits());
        SDVariable validFlag = sd.placeHolder("valid", DataType.INT64, b);
        keyed = branch.keyed(keyCfg);
        outputs = keyed.build(student, input, keyBits);
        long[] inShape = branch.inputShape(b);
        clock = keyed.clockFeed(0, inShape[inShape.length - 1]);   // every crop starts at its frame 0
        double shape = cfg.design().keyTraining().shapeWeight();
        SDVariable shaping = KeyShapeLoss.perExample(sd, outputs.keyVector(), validFlag).mean().mul(shape);
        if (balanced()) {
            // The student graph ends at the audio: its loss is <audio, G>, G the balanced gradient of the terms.
            ceVerify = VerificationLoss.perExample(sd, outputs.verifierLogits(), validFlag);
            SDVariable audioGrad = sd.placeHolder("audio_grad", DataType.FLOAT, b, 1, length);
            SDVariable surrogate = outputs.audio().mul(audioGrad).sum().reshape(1)
                    .add(ceVerify.mean().mul(cfg.lambdas().v())).add(shaping);
            sd.setLossVariables(sd.identity("loss.trained", surrogate));
            buildLossGraph();
        } else {
            SDVariable teacher = sd.placeHolder("teacher", DataType.FLOAT, b, 1, length);
            SDVariable symbols = sd.placeHolder("symbols", DataType.INT64, b, wmFrames);
            SDVariable tau = sd.placeHolder("tau", DataType.FLOAT, 1);
            SDVariable logits = WatermarkLoss.decoderLogits(sd, watermark, outputs.audio(), cfg.batchSize(), length);
            terms = LockeyLoss.build(sd, "loss", outputs.audio(), teacher, logits, symbols, watermark.config().messageDim(),
                    validFlag, outputs.verifierLogits(), tau, length, SpectralLoss.paper(), cfg.lambdas(),
                    cfg.design().invalidBound(), cfg.design().waveformMse());
            sd.setLossVariables(sd.identity("loss.trained", shape > 0 ? terms.total().add(shaping) : terms.total()));
        }
        trainable = sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .map(SDVariable::name).toList();
    }

    private boolean balanced() {
        return cfg.design().balance().mode() == LossBalance.Mode.GRADIENT;
    }

    /** The loss graph of the balanced mode: the four terms of Eq. 4 on copies of the audio, and the balancer. */
    private void buildLossGraph() {
        lossGraph = SameDiff.create();
        int b = cfg.batchSize();
        SDVariable teacher = lossGraph.placeHolder("teacher", DataType.FLOAT, b, 1, length);
        SDVariable symbols = lossGraph.placeHolder("symbols", DataType.INT64, b, wmFrames);
        SDVariable validFlag = lossGraph.placeHolder("valid", DataType.INT64, b);
        SDVariable tau = lossGraph.placeHolder("tau", DataType.FLOAT, 1);
        separate = LockeyLoss.buildSeparate(lossGraph, "loss", b, teacher,
                a -> WatermarkLoss.decoderLogits(lossGraph, watermark, a, b, length), symbols, watermark.config().messageDim(), validFlag, tau, length, SpectralLoss.paper(), cfg.design().invalidBound(),
                cfg.design().waveformMse());
        lossGraph.setLossVariables(separate.total());
        LockeyLoss.Lambdas l = cfg.lambdas();
        Map<String, Double> shares = new LinkedHashMap<>();
        shares.put("wm", l.wm());
        shares.put("p", l.p());
        shares.put("s", l.s());
        shares.put("inv", cfg.design().balance().invalidShare());
        balancer = new LossBalancer(shares, cfg.design().balance().emaDecay());
    }

    /** The student's trainable variables by key (the keyed model's weights). */
    public Map<String, Tensor> weights() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        for (String k : trainable) {
            w.put(k, Tensor.of(k, sd.getVariable(k).getArr()));
        }
        return w;
    }

    /** Names of the trainable variables (never a teacher or message-decoder weight). */
    public List<String> trainableNames() {
        return trainable;
    }

    /** The graph (for tests). */
    public SameDiff graph() {
        return sd;
    }

    /**
     * One batch of inputs for a step: everything a step needs, drawn from (seed, step).
     *
     * @param input   the generator input [B, ...] (mel or latent)
     * @param keys    the key of each example
     * @param valid   whether each key is valid
     * @param teacher y_t [B, 1, L]
     * @param symbols the watermark class of every frame [B, T_w] (valid examples; 0 for invalid ones)
     * @param watermarkResidual y_t - G0(x) [B, 1, L] (0 for invalid keys), what watermark forcing adds; may be null
     *                when the run does not force
     */
    public record Batch(INDArray input, Key[] keys, boolean[] valid, INDArray teacher, INDArray symbols,
            INDArray watermarkResidual) {
        /** A batch without the residual (runs without watermark forcing). */
        public Batch(INDArray input, Key[] keys, boolean[] valid, INDArray teacher, INDArray symbols) {
            this(input, keys, valid, teacher, symbols, null);
        }
    }

    /** The batch of step {@code s} (a function of the seed and {@code s}). */
    public Batch batch(long s) {
        int b = cfg.batchSize();
        List<float[]> crops = new ArrayList<>();
        Key[] keys = new Key[b];
        boolean[] isValid = new boolean[b];
        boolean paired = cfg.design().keyTraining().pairing() == Pairing.PAIRED;
        for (int i = 0; i < b; i++) {
            SplittableRandom r = AudioDataset.rng(cfg.seed(), s, STREAM_KEY + i);
            if (paired && i % 2 == 1) {
                crops.add(crops.get(i - 1));                 // the crop of the example before, with the other kind of key
                isValid[i] = !isValid[i - 1];
            } else {
                int idx = train.index(cfg.seed(), s, b, i);
                crops.add(train.crop(idx, length, AudioDataset.rng(cfg.seed(), s, STREAM_CROP + i)));
                isValid[i] = r.nextBoolean();
            }
            keys[i] = isValid[i] ? registry.validKeys().get(r.nextInt(registry.validKeys().size()))
                    : registry.randomInvalid(r);
        }
        INDArray input = branch.inputs(crops);
        INDArray y0 = branch.teacher(input);
        INDArray teacher = watermarked(y0, keys, isValid);
        INDArray symbols = Nd4j.create(DataType.INT64, b, wmFrames);
        for (int i = 0; i < b; i++) {
            if (isValid[i]) {
                int[] classes = codec.frameClasses(keys[i].bitFlags(), wmFrames);
                for (int t = 0; t < wmFrames; t++) {
                    symbols.putScalar(new long[] {i, t}, classes[t]);
                }
            }
        }
        return new Batch(input, keys, isValid, teacher, symbols,
                cfg.design().balance().watermarkForcing() > 0 ? teacher.sub(y0) : null);
    }

    /** y_t: G0(x), watermarked with the key for valid keys; [B, 1, L]. */
    INDArray teachers(INDArray input, Key[] keys, boolean[] isValid) {
        return watermarked(branch.teacher(input), keys, isValid);
    }

    /** {@code y0} [B, 1, L] with each valid key's watermark embedded (a copy). */
    private INDArray watermarked(INDArray y0, Key[] keys, boolean[] isValid) {
        INDArray out = y0.dup();
        for (int i = 0; i < keys.length; i++) {
            if (isValid[i]) {
                float[] wm = watermark.embed(row(y0, i), keys[i].bitFlags(), cfg.sdrDb()).watermarked();
                out.get(NDArrayIndex.point(i), NDArrayIndex.point(0), NDArrayIndex.all())
                        .assign(Nd4j.createFromArray(wm));
            }
        }
        return out;
    }

    private static float[] row(INDArray audio, int i) {
        return audio.get(NDArrayIndex.point(i), NDArrayIndex.point(0), NDArrayIndex.all()).toFloatVector();
    }

    /** Runs one step and returns its loss terms (batch means) and tau. */
    public Map<String, Double> trainStep() {
        return trainStep(batch(step));
    }

    /**
     * One optimiser step on the given batch (forward, backward, Adam), at the current step's tau;
     * returns its loss terms (batch means) and tau. {@link #trainStep()} with the step's own batch.
     */
    public Map<String, Double> trainStep(Batch bt) {
        double tau = cfg.curriculum().tau(step);
        Map<String, INDArray> feed = new LinkedHashMap<>();
        long[] validFlags = new long[bt.keys().length];
        for (int i = 0; i < validFlags.length; i++) {
            validFlags[i] = bt.valid()[i] ? 1 : 0;
        }
        feed.put("input", bt.input());
        feed.put("key_bits", Key.bitMatrix(bt.keys()));
        feed.put("teacher", bt.teacher());
        feed.put("symbols", bt.symbols());
        feed.put("valid", Nd4j.createFromArray(validFlags));
        feed.put("tau", Nd4j.createFromArray(new float[] {(float) tau}));
        feed.putAll(clock);
        if (balanced()) {
            double alpha = forcing(cfg.design().balance(), step);
            if (alpha > 0 && bt.watermarkResidual() == null) {
                throw new IllegalArgumentException("watermark forcing needs the batch's watermark residual");
            }
            return balancedStep(feed, validFlags, tau, alpha, bt.watermarkResidual());
        }
        List<String> outs = List.of(terms.total().name(), terms.ceWm().name(), terms.mse().name(),
                terms.mseLogmag().name(), terms.ceVerify().name());
        OutAndGrad og = sd.calculateGradientsAndOutputs(feed, outs, trainable);
        applyAdam(og.getGradients());
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("loss", og.getOutputs().get(terms.total().name()).getDouble(0));
        figures.put("ce_wm", masked(og.getOutputs().get(terms.ceWm().name()), validFlags, 1));
        figures.put("mse", masked(og.getOutputs().get(terms.mse().name()), validFlags, 1));
        figures.put("mse_inv", masked(og.getOutputs().get(terms.mse().name()), validFlags, 0));
        figures.put("ce_v", og.getOutputs().get(terms.ceVerify().name()).meanNumber().doubleValue());
        figures.put("tau", tau);
        return figures;
    }

    /**
     * The balanced step: the student's audio; each term's gradient at the audio (the loss graph); their balanced
     * sum G ({@link LossBalancer}); the student's gradients of {@code <audio, G>} plus the verification CE; Adam.
     */
    private Map<String, Double> balancedStep(Map<String, INDArray> feed, long[] validFlags, double tau, double alpha,
            INDArray residual) {
        Map<String, INDArray> studentFeed = new LinkedHashMap<>(clock);
        studentFeed.put("input", feed.get("input"));
        studentFeed.put("key_bits", feed.get("key_bits"));
        String audioName = outputs.audio().name();
        INDArray audio = sd.output(studentFeed, audioName).get(audioName);
        INDArray read = alpha > 0 ? audio.add(residual.mul(alpha)) : audio;     // what the loss terms read (forcing)
        for (SDVariable copy : separate.audios()) {
            copy.getArr().assign(read);
        }
        Map<String, INDArray> lossFeed = new LinkedHashMap<>();
        for (String k : List.of("teacher", "symbols", "valid", "tau")) {
            lossFeed.put(k, feed.get(k));
        }
        List<String> outs = List.of(separate.wm().name(), separate.p().name(), separate.s().name(), separate.inv().name(),
                separate.total().name(), separate.ceWm().name(), separate.mse().name());
        List<String> audioNames = separate.audios().stream().map(SDVariable::name).toList();
        OutAndGrad terms = lossGraph.calculateGradientsAndOutputs(lossFeed, outs, audioNames);
        Map<String, INDArray> termGrads = new LinkedHashMap<>();
        for (int i = 0; i < audioNames.size(); i++) {
            termGrads.put(LockeyLoss.Separate.NAMES.get(i), terms.getGradients().get(audioNames.get(i)));
        }
        LossBalancer.Combined balancedGrad = balancer.combineWithParts(termGrads);
        studentFeed.put("valid", feed.get("valid"));
        studentFeed.put("audio_grad", balancedGrad.total());
        boolean keyPathOnly = cfg.design().keyTraining().invalidPush() == InvalidPush.KEY_PATH;
        // With the push on the key path only, this backward serves the key modules and a second one, without the
        // invalid-key term's part of G, the generator's weights.
        List<String> firstPass = keyPathOnly
                ? trainable.stream().filter(k -> !KeyedGenerator.isGeneratorLayer(k)).toList()
                : trainable;
        OutAndGrad og = sd.calculateGradientsAndOutputs(studentFeed, List.of(ceVerify.name()), firstPass);
        Map<String, INDArray> grads = new LinkedHashMap<>(og.getGradients());
        if (keyPathOnly) {
            studentFeed.put("audio_grad", balancedGrad.total().sub(balancedGrad.parts().get("inv")));
            grads.putAll(sd.calculateGradients(studentFeed, trainable.stream()
                    .filter(KeyedGenerator::isGeneratorLayer).toList()));
        }
        applyAdam(grads);
        Map<String, INDArray> o = terms.getOutputs();
        Map<String, Double> figures = new LinkedHashMap<>();
        double ceV = og.getOutputs().get(ceVerify.name()).meanNumber().doubleValue();
        figures.put("loss", o.get(separate.total().name()).getDouble(0) + cfg.lambdas().v() * ceV);
        figures.put("ce_wm", masked(o.get(separate.ceWm().name()), validFlags, 1));
        figures.put("mse", masked(o.get(separate.mse().name()), validFlags, 1));
        figures.put("mse_inv", masked(o.get(separate.mse().name()), validFlags, 0));
        figures.put("inv", o.get(separate.inv().name()).getDouble(0));
        figures.put("ce_v", ceV);
        figures.put("tau", tau);
        if (cfg.design().balance().watermarkForcing() > 0) {
            figures.put("forcing", alpha);
        }
        return figures;
    }

    private void applyAdam(Map<String, INDArray> grads) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String k : trainable) {
            params.put(k, sd.getVariable(k).getArr());
        }
        KeyRates rates = cfg.design().keyTraining().rates();
        adam.step(params, grads, rates::of);
        step++;
    }

    private static double masked(INDArray perExample, long[] valid, int want) {
        double s = 0;
        int n = 0;
        for (int i = 0; i < valid.length; i++) {
            if (valid[i] == want) {
                s += perExample.getDouble(i);
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /**
     * Runs to {@code cfg.steps()}, checkpointing into {@code runDir} (atomically) every
     * {@code checkpointEvery} steps and at the end, validating every {@code validateEvery} steps.
     *
     * @param onCheckpoint called after each checkpoint (the CLI writes the model directory there)
     */
    public List<Validation> run(Path runDir, Consumer<String> log, Runnable onCheckpoint) {
        return run(runDir, log, onCheckpoint, v -> { });
    }

    /** As {@link #run(Path, Consumer, Runnable)}, passing every validation to {@code onValidation} as well. */
    public List<Validation> run(Path runDir, Consumer<String> log, Runnable onCheckpoint,
            Consumer<Validation> onValidation) {
        List<Validation> history = new ArrayList<>();
        if (step == 0) {
            // The warm-up's result is kept: a run stopped before its first checkpoint resumes after the warm-up.
            Checkpoint.save(runDir, KIND, step, weights(), adam, checkpointMetadata());
            if (cfg.keyWarmup() > 0) {
                // A copy that later checkpoints do not overwrite: other fine-tuning settings can start from the same
                // warm-up (copy it as checkpoint.safetensors into a new run directory and --resume).
                Path copy = runDir.resolve(AFTER_WARMUP);
                AtomicFiles.write(copy, out -> Files.copy(Checkpoint.file(runDir), out));
            }
        }
        RunLoop.Solver solver = new RunLoop.Solver() {
            @Override
            public long stepsDone() {
                return step;
            }

            @Override
            public Map<String, Double> step() {
                return trainStep();
            }

            @Override
            public void saveCheckpoint() {
                Checkpoint.save(runDir, KIND, step, weights(), adam, checkpointMetadata());
                onCheckpoint.run();
            }

            @Override
            public void validate(double seconds) {
                Validation v = LockeyTrainer.this.validate(); // at step 0: where the run starts (the base generator, if gated)
                history.add(v);
                log.accept(v.line());
                onValidation.accept(v);
                log.accept(keyPathLine());
                if (balancer != null && step > 0) {       // the balancer has no averages before the first step
                    log.accept(balancerLine());
                }
            }
        };
        RunLoop.Schedule schedule = new RunLoop.Schedule(cfg.steps(), cfg.checkpointEvery(), cfg.validateEvery(),
                RunLoop.Baseline.VALIDATE_UNTRAINED);
        new RunLoop("finetune", runDir, schedule)
                .withMetrics(new RunLoop.MetricsTable(runDir.resolve(METRICS_FILE), String.join("\t", METRICS_COLUMNS),
                        LockeyTrainer::metricsRow))
                .run(solver);
        return history;
    }

    /** The per-step table of a run: the step's loss terms (batch means) and its wall time. */
    public static final String METRICS_FILE = "metrics.tsv";
    /** Its columns: the step, then {@link #trainStep}'s figures (empty where a mode has none), then the seconds. */
    static final List<String> METRICS_COLUMNS = List.of("step", "loss", "ce_wm", "mse", "mse_inv", "inv", "ce_v", "tau",
            "forcing", "seconds");

    private static String metricsRow(long step, Map<String, Double> figures, double seconds) {
        StringBuilder b = new StringBuilder(Long.toString(step));
        for (String c : METRICS_COLUMNS.subList(1, METRICS_COLUMNS.size() - 1)) {
            Double v = figures.get(c);
            b.append('\t').append(v == null ? "" : String.format(Locale.ROOT, "%.6g", v));
        }
        return b.append('\t').append(String.format(Locale.ROOT, "%.3f", seconds)).toString();
    }

    /**
     * What the key path does at this step, for the log: the RMS of E_k's vector over the registry's first valid
     * keys and as many seeded invalid keys, and the mean |gain| of a gated injection.
     */
    public String keyPathLine() {
        int n = Math.min(64, registry.validKeys().size());
        SplittableRandom r = new SplittableRandom(cfg.seed() ^ 0x9E3779B97F4A7C15L);
        Key[] invalidKeys = new Key[n];
        for (int i = 0; i < n; i++) {
            invalidKeys[i] = registry.randomInvalid(r);
        }
        String line = String.format(Locale.ROOT, "step %d: key vector RMS valid %.4f, invalid %.4f", step,
                vectorRms(registry.validKeys().subList(0, n).toArray(new Key[0])), vectorRms(invalidKeys));
        if (keyCfg.injection() != KeyConfig.Injection.ADDED) {
            line += String.format(Locale.ROOT, ", gate mean |g| %.4f",
                    sd.getVariable(KeyedGenerator.GATE + ".weight").getArr().ameanNumber().doubleValue());
        }
        if (keyCfg.injection() == KeyConfig.Injection.VERIFIED && keyCfg.clocked()) {
            line += String.format(Locale.ROOT, ", clock table mean |s| %.4f",
                    sd.getVariable(KeyClock.PREFIX + ".symbols").getArr().ameanNumber().doubleValue());
        }
        return line;
    }

    private double vectorRms(Key[] keys) {
        int b = cfg.batchSize();
        String name = outputs.keyVector().name();
        double sum = 0;
        long count = 0;
        for (int from = 0; from < keys.length; from += b) {
            Key[] ks = graphBatch(keys, from);
            INDArray v = sd.output(Map.of("key_bits", Key.bitMatrix(ks)), name).get(name);      // [B, C]
            for (int j = 0; j < b && from + j < keys.length; j++) {
                INDArray row = v.getRow(j);
                sum += row.mul(row).sumNumber().doubleValue();
                count += row.length();
            }
        }
        return Math.sqrt(sum / count);
    }

    /** Checkpoint metadata key of the loss balancer's moving averages. */
    static final String BALANCER_STATE = "balancer";

    private Map<String, String> checkpointMetadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("config", cfg.toJson().toString());
        meta.put("branch", branch.kind());
        if (balancer != null) {
            meta.put(BALANCER_STATE, balancer.state());
        }
        return meta;
    }

    /** The loss balancer's averaged gradient norms, for the log ("" without a balancer). */
    public String balancerLine() {
        return balancer == null ? "" : "step " + step + ": balancer " + balancer;
    }

    /** The verification head's logits {@code [B, 2]} for key bits {@code [B, K]} (B = the batch size). */
    public INDArray verifierLogits(INDArray keyBits) {
        String name = outputs.verifierLogits().name();
        return sd.output(Map.of("key_bits", keyBits), name).get(name);
    }

    /**
     * The current student's audio for inputs and keys, {@code [N, 1, L]}, through the training graph's
     * forward (in batches of the graph's batch size).
     */
    public INDArray generate(INDArray inputs, Key[] keys) {
        int n = keys.length;
        int b = cfg.batchSize();
        INDArray out = Nd4j.create(DataType.FLOAT, n, 1, length);
        for (int from = 0; from < n; from += b) {
            INDArray in = Nd4j.create(DataType.FLOAT, branch.inputShape(b));
            Key[] ks = new Key[b];
            for (int j = 0; j < b; j++) {
                int src = Math.min(from + j, n - 1);                   // the last batch repeats its last example
                in.get(NDArrayIndex.point(j)).assign(inputs.get(NDArrayIndex.point(src)));
                ks[j] = keys[src];
            }
            Map<String, INDArray> feed = new LinkedHashMap<>(clock);
            feed.put("input", in);
            feed.put("key_bits", Key.bitMatrix(ks));
            INDArray y = sd.output(feed, outputs.audio().name()).get(outputs.audio().name());
            for (int j = 0; j < b && from + j < n; j++) {
                out.get(NDArrayIndex.point(from + j)).assign(y.get(NDArrayIndex.point(j)));
            }
        }
        return out;
    }

    /** The graph's batch of keys starting at {@code from}; a short last batch repeats its last key. */
    private Key[] graphBatch(Key[] keys, int from) {
        Key[] ks = new Key[cfg.batchSize()];
        for (int j = 0; j < ks.length; j++) {
            ks[j] = keys[Math.min(from + j, keys.length - 1)];
        }
        return ks;
    }

    /** The verification head's probability of "valid" for each key. */
    public double[] validity(Key[] keys) {
        int b = cfg.batchSize();
        double[] p = new double[keys.length];
        for (int from = 0; from < keys.length; from += b) {
            Key[] ks = graphBatch(keys, from);
            INDArray logits = sd.output(Map.of("key_bits", Key.bitMatrix(ks)), outputs.verifierLogits().name())
                    .get(outputs.verifierLogits().name());
            for (int j = 0; j < b && from + j < keys.length; j++) {
                p[from + j] = 1 / (1 + Math.exp(logits.getDouble(j, 1) - logits.getDouble(j, 0)));
            }
        }
        return p;
    }

    /**
     * SDR_valid, SDR_invalid, bit accuracy and verifier accuracy on the first held-out clips, for the
     * first {@code validationKeys} valid keys and as many seeded invalid keys.
     */
    public Validation validate() {
        int clips = Math.min(cfg.validationClips(), valid.size());
        int nk = Math.min(cfg.validationKeys(), registry.validKeys().size());
        SplittableRandom r = new SplittableRandom(cfg.seed() ^ 0x5DEECE66DL);
        Key[] validKeys = registry.validKeys().subList(0, nk).toArray(new Key[0]);
        Key[] invalidKeys = new Key[nk];
        for (int i = 0; i < nk; i++) {
            invalidKeys[i] = registry.randomInvalid(r);
        }
        List<float[]> crops = new ArrayList<>();
        for (int c = 0; c < clips; c++) {
            crops.add(valid.crop(c, length, new SplittableRandom(c)));
        }
        INDArray inputs = branch.inputs(crops);
        INDArray y0 = branch.teacher(inputs);
        // Every (clip, key) pair: valid keys first, then invalid keys.
        int pairs = clips * nk;
        INDArray pairInputs = Nd4j.create(DataType.FLOAT, branch.inputShape(2 * pairs));
        Key[] pairKeys = new Key[2 * pairs];
        for (int c = 0; c < clips; c++) {
            for (int k = 0; k < nk; k++) {
                int i = c * nk + k;
                pairInputs.get(NDArrayIndex.point(i)).assign(inputs.get(NDArrayIndex.point(c)));
                pairInputs.get(NDArrayIndex.point(pairs + i)).assign(inputs.get(NDArrayIndex.point(c)));
                pairKeys[i] = validKeys[k];
                pairKeys[pairs + i] = invalidKeys[k];
            }
        }
        INDArray y = generate(pairInputs, pairKeys);
        double sdrV = 0;
        double sdrI = 0;
        double acc = 0;
        List<float[]> invalidOut = new ArrayList<>();
        List<float[]> invalidTeacher = new ArrayList<>();
        for (int c = 0; c < clips; c++) {
            float[] teacher = row(y0, c);
            for (int k = 0; k < nk; k++) {
                int i = c * nk + k;
                float[] yt = watermark.embed(teacher, validKeys[k].bitFlags(), cfg.sdrDb()).watermarked();
                float[] yv = row(y, i);
                sdrV += Sdr.db(yt, yv);
                acc += BitAccuracy.aligned(watermark.decode(yv).frameClasses(), validKeys[k].bitFlags(), 0);
                sdrI += Sdr.db(teacher, row(y, pairs + i));
                invalidOut.add(row(y, pairs + i));
                invalidTeacher.add(teacher);
            }
        }
        double[] pValid = validity(validKeys);
        double[] pInvalid = validity(invalidKeys);
        int right = 0;
        for (int i = 0; i < nk; i++) {
            right += (pValid[i] > 0.5 ? 1 : 0) + (pInvalid[i] <= 0.5 ? 1 : 0);
        }
        return new Validation(step, sdrV / pairs, sdrI / pairs, acc / pairs, right / (2.0 * nk),
                OutputLevel.of(invalidOut, invalidTeacher));
    }

}
