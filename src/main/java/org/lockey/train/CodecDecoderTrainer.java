package org.lockey.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.io.Json;
import org.lockey.io.Tensor;
import org.lockey.metric.Sdr;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.KMeansCodebooks;
import org.lockey.model.encodec.RvqConfig;
import org.lockey.model.encodec.SEANetDecoder;
import org.lockey.model.encodec.SeanetConfig;
import org.lockey.nn.Reduce;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Fits an EnCodec SEANet decoder to the codes of a frozen encoder and quantiser:
 * {@code ./lockey train codec-decoder}. Of EnCodec's training objective (Défossez et al. 2022: a
 * time-domain L1, a multi-scale spectral reconstruction loss, adversarial and feature-matching losses)
 * only the two reconstruction terms are used; there is no discriminator.
 *
 * <p><b>Frozen part.</b> The encoder and the RVQ codebooks come from a given model ({@code --codec},
 * e.g. an imported checkpoint) or from {@link #seededCodec}: a seeded random encoder whose codebooks
 * are fitted once by k-means ({@link KMeansCodebooks}). They are never updated: every training clip is
 * encoded once, whole, to codes ({@link Encodec#encode}, exactly what {@code ./lockey codec encode}
 * produces), and the quantised latent {@code sum_k embed_k[code_k]} ({@link Encodec#latentOf}) is what
 * the decoder sees. Only the decoder's variables ({@code decoder.model.N...}) are in the training graph.
 *
 * <p><b>Step.</b> A batch of B crops of C latent frames from the {@code train} split (clip order:
 * {@link AudioDataset#index}; crop start: a whole frame drawn from {@link AudioDataset#rng}(seed, step,
 * 300 + b), so that the latent frames {@code [s, s + C)} and the samples {@code [s hop, (s + C) hop)}
 * line up); the decoder maps the latent {@code [B, D, C]} to audio {@code [B, 1, C hop]}; the loss is
 * <pre>
 *   L = lambda_wav * mean |y^ - y|  +  lambda_stft * (mag + log)          ({@link MultiScaleStftLoss})
 * </pre>
 * and one Adam step updates the decoder. Clips shorter than a crop are zero-padded to the crop length
 * before encoding (as {@link AudioDataset#crop} pads).
 *
 * <p><b>Validation.</b> The first {@code validationClips} clips of the {@code valid} split, encoded
 * once, are decoded whole by {@link #model()} (the same chunked inference as {@code codec decode});
 * reported are the mean SDR ({@link Sdr}), the STFT loss {@code mag + log} in double precision and the
 * waveform L1 against the original audio.
 *
 * <p><b>Resume.</b> Decoder weights, Adam moments and the step are in the {@link Checkpoint}; crops
 * are functions of (seed, step) and the codes of the frozen model, so a resumed run repeats exactly
 * the steps the uninterrupted run would have made.
 */
public final class CodecDecoderTrainer {
    /** Checkpoint kind. */
    public static final String KIND = "codec-decoder";
    /** One row per validation pass. */
    public static final String VALIDATION_FILE = "validation.tsv";
    private static final int STREAM_CROP = 300;
    /** The decoder initialiser's seed is {@code seed + DECODER_SEED}. */
    static final long DECODER_SEED = 2;
    /** {@link #seededCodec}: the encoder is drawn with {@code seed}, the k-means with {@code seed + KMEANS_SEED}. */
    static final long KMEANS_SEED = 1;

    /**
     * The frozen codec's architecture when no model is given ({@code --preset}).
     */
    public enum Preset {
        /**
         * For a fit of about half an hour on two cores: MusicGen's 32 kHz SEANet (ratios [8, 5, 4, 4],
         * hop 640, 50 frames/s, ELU, weight norm, constant padding) narrowed to n_filters 8 (decoder
         * widths 128 -> 64 -> 32 -> 16 -> 8 after the first conv) and dimension 32, one LSTM layer, one
         * residual layer per stage; RVQ with 4 codebooks of 1024 entries (40 bits per frame, 2.0 kbps,
         * next to MusicGen's 2.2 kbps). Step times are in {@code docs/encodec.md}.
         */
        SMALL,
        /** MusicGen's 32 kHz compression model at full size ({@link CompressionConfig#musicgen32k()}). */
        MUSICGEN32K;

        /** The compression model config. */
        public CompressionConfig config() {
            if (this == MUSICGEN32K) {
                return CompressionConfig.musicgen32k();
            }
            SeanetConfig s = SeanetConfig.musicgen32k().withSize(32, 8).withDepth(1, 1);
            return new CompressionConfig(32_000, s, new RvqConfig(4, 1024, 32));
        }

        /** The option spelling: {@code small}, {@code musicgen32k}. */
        public String optionName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@link #optionName()}. */
        public static Preset parse(String name) {
            for (Preset p : values()) {
                if (p.optionName().equals(name)) {
                    return p;
                }
            }
            throw new LockeyException("--preset: '" + name + "' is not one of small, musicgen32k");
        }
    }

    /**
     * Hyper-parameters.
     *
     * @param batchSize       crops per step
     * @param cropFrames      latent frames per crop (samples: cropFrames x hop)
     * @param steps           total optimiser steps
     * @param checkpointEvery steps between checkpoints
     * @param validateEvery   steps between validation passes (0 = only at the end)
     * @param seed            seed of data order, crops and the decoder's initialisation
     * @param adam            optimiser settings
     * @param lambdaWav       weight of the waveform L1
     * @param lambdaStft      weight of the multi-scale STFT loss
     * @param stftLoss        the STFT loss's scales and floor
     * @param validationClips clips of the valid split decoded per validation (0 = all)
     */
    public record Config(int batchSize, int cropFrames, long steps, int checkpointEvery, int validateEvery, long seed,
            Adam.Config adam, double lambdaWav, double lambdaStft, MultiScaleStftLoss stftLoss, int validationClips) {
        public Config {
            if (batchSize < 1 || cropFrames < 1 || steps < 1 || checkpointEvery < 1 || validateEvery < 0
                    || validationClips < 0 || lambdaWav < 0 || lambdaStft < 0 || lambdaWav + lambdaStft == 0) {
                throw new LockeyException("invalid codec-decoder training settings: batch " + batchSize + ", crop "
                        + cropFrames + " frames, steps " + steps + ", checkpoint every " + checkpointEvery
                        + ", validate every " + validateEvery + ", weights " + lambdaWav + "/" + lambdaStft);
            }
        }

        /**
         * The recipe's defaults ({@code docs/encodec.md}, section Training): Adam lr 1e-3 with betas
         * (0.5, 0.9) (audiocraft's EnCodec betas), lambda_wav 0.1, lambda_stft 1, the standard STFT scales.
         */
        public static Config defaults(int batchSize, int cropFrames, long steps, int checkpointEvery, int validateEvery,
                long seed) {
            return new Config(batchSize, cropFrames, steps, checkpointEvery, validateEvery, seed,
                    new Adam.Config(1e-3, 0.5, 0.9, 1e-8, 0), 0.1, 1.0, MultiScaleStftLoss.standard(), 0);
        }

        /** The same run with another length and schedule (what may change on resume). */
        public Config withSchedule(long newSteps, int newCheckpointEvery, int newValidateEvery) {
            return new Config(batchSize, cropFrames, newSteps, newCheckpointEvery, newValidateEvery, seed, adam,
                    lambdaWav, lambdaStft, stftLoss, validationClips);
        }

        /** The settings as JSON (checkpoint metadata). */
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("batch_size", batchSize).put("crop_frames", cropFrames).put("steps", steps)
                    .put("checkpoint_every", checkpointEvery).put("validate_every", validateEvery).put("seed", seed)
                    .put("lr", adam.lr()).put("beta1", adam.beta1()).put("beta2", adam.beta2()).put("eps", adam.eps())
                    .put("lambda_wav", lambdaWav).put("lambda_stft", lambdaStft)
                    .put("stft_floor", stftLoss.floor()).put("validation_clips", validationClips);
            ArrayNode n = o.putArray("stft_n_fft");
            stftLoss.nFfts().forEach(n::add);
            return o;
        }

        /** Reads {@link #toJson()}. */
        public static Config fromJson(JsonNode o) {
            try {
                List<Integer> nFfts = new ArrayList<>();
                o.get("stft_n_fft").forEach(v -> nFfts.add(v.intValue()));
                return new Config(o.get("batch_size").intValue(), o.get("crop_frames").intValue(),
                        o.get("steps").longValue(), o.get("checkpoint_every").intValue(),
                        o.get("validate_every").intValue(), o.get("seed").longValue(),
                        new Adam.Config(o.get("lr").doubleValue(), o.get("beta1").doubleValue(),
                                o.get("beta2").doubleValue(), o.get("eps").doubleValue(), 0),
                        o.get("lambda_wav").doubleValue(), o.get("lambda_stft").doubleValue(),
                        new MultiScaleStftLoss(nFfts, o.get("stft_floor").doubleValue()),
                        o.get("validation_clips").intValue());
            } catch (NullPointerException e) {
                throw new LockeyException("codec-decoder checkpoint: incomplete training settings " + o);
            }
        }
    }

    /**
     * One validation pass.
     *
     * @param step      steps done
     * @param seconds   seconds since this process started training
     * @param trainLoss mean training loss over the steps since the previous pass (NaN before any step)
     * @param sdrDb     mean SDR (dB) of the decoded valid clips against the originals
     * @param stftLoss  mean multi-scale STFT loss (mag + log)
     * @param l1        mean waveform L1
     */
    public record Validation(long step, double seconds, double trainLoss, double sdrDb, double stftLoss, double l1) {
        /** A log line. */
        public String line() {
            return String.format(Locale.ROOT, "step %d (%.0f s): train loss %.4f | valid SDR %.2f dB, STFT loss %.4f, "
                    + "L1 %.5f", step, seconds, trainLoss, sdrDb, stftLoss, l1);
        }

        /** A tab-separated row under {@link #TSV_HEADER}. */
        public String tsv() {
            return String.format(Locale.ROOT, "%d\t%.1f\t%.6f\t%.4f\t%.6f\t%.6f", step, seconds, trainLoss, sdrDb,
                    stftLoss, l1);
        }

        /** Column names of {@link #tsv()}. */
        public static final String TSV_HEADER = "step\tseconds\ttrain_loss\tvalid_sdr_db\tvalid_stft_loss\tvalid_l1";
    }

    private final Config cfg;
    private final Encodec frozen;
    private final SeanetConfig seanet;
    private final int hop;
    private final int length;
    private final List<float[][]> trainLatents = new ArrayList<>();
    private final List<float[]> trainAudio = new ArrayList<>();
    private final List<long[][][]> validCodes = new ArrayList<>();
    private final List<float[]> validAudio = new ArrayList<>();
    private final AudioDataset train;
    private final Adam adam;

    private SameDiff sd;
    private List<String> trainable;
    private List<String> outputs;
    private long step;

    /**
     * A trainer; call {@link #start} or {@link #resume} before training. Encodes every training clip
     * and the validation clips once with the frozen model.
     *
     * @param frozen the frozen encoder and quantiser (its decoder weights are not used)
     * @param train  training clips at the codec's rate
     * @param valid  validation clips at the codec's rate
     */
    public CodecDecoderTrainer(Config cfg, Encodec frozen, AudioDataset train, AudioDataset valid) {
        this.cfg = cfg;
        this.frozen = frozen;
        this.seanet = frozen.config().seanet();
        this.hop = seanet.hopLength();
        this.length = cfg.cropFrames() * hop;
        this.train = train;
        if (!frozen.hasEncoder()) {
            throw new LockeyException("the frozen codec has no encoder: decoder training needs the encoder's codes");
        }
        int rate = frozen.config().sampleRate();
        if (train.sampleRate() != rate || valid.sampleRate() != rate) {
            throw new LockeyException("training data must be loaded at the codec's rate " + rate + " Hz");
        }
        if (length < cfg.stftLoss().minLength()) {
            throw new LockeyException("crops of " + cfg.cropFrames() + " frames (" + length + " samples) are too short "
                    + "for the STFT loss, which needs " + cfg.stftLoss().minLength() + " samples");
        }
        for (int i = 0; i < train.size(); i++) {
            float[] x = padTo(train.clip(i), length);
            trainAudio.add(x);
            trainLatents.add(frozen.latentOf(frozen.encode(x)));                     // [D][ceil(N / hop)]
        }
        int clips = cfg.validationClips() == 0 ? valid.size() : Math.min(cfg.validationClips(), valid.size());
        for (int i = 0; i < clips; i++) {
            float[] x = padTo(valid.clip(i), length);
            validAudio.add(x);
            validCodes.add(frozen.encode(x));
        }
        this.adam = new Adam(cfg.adam());
    }

    private static float[] padTo(float[] x, int min) {
        return x.length >= min ? x : java.util.Arrays.copyOf(x, min);
    }

    /**
     * The default frozen codec: a seeded random encoder (upstream initialisation, {@link Encodec#random}
     * with {@code seed}) whose RVQ codebooks are fitted by greedy residual k-means
     * ({@link KMeansCodebooks#fit}, seed {@code seed + 1}) to the encoder's latents of every training clip.
     *
     * @param iterations k-means iterations per codebook
     * @param report     receives a line per codebook (quantisation error)
     */
    public static Encodec seededCodec(CompressionConfig config, AudioDataset train, long seed, int iterations,
            Consumer<String> report) {
        Encodec random = Encodec.random(config, seed, true);
        List<float[][]> latents = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            latents.add(random.encodeLatent(train.clip(i)));
        }
        float[][] vectors = KMeansCodebooks.frames(latents);
        KMeansCodebooks.Fit fit = KMeansCodebooks.fit(vectors, config.rvq(), iterations, seed + KMEANS_SEED);
        report.accept(String.format(Locale.ROOT, "k-means codebooks on %d latent frames of %d clips: mean squared "
                + "latent norm %.4g", vectors.length, train.size(), fit.energy()));
        for (int k = 0; k < fit.stageError().length; k++) {
            report.accept(String.format(Locale.ROOT, "  with %d codebook(s): quantisation error %.4g (%.3g%% of the "
                    + "latent energy)", k + 1, fit.stageError()[k], 100 * fit.stageError()[k] / fit.energy()));
        }
        return KMeansCodebooks.withCodebooks(random, fit, "(seeded codec, seed " + seed + ", k-means codebooks)");
    }

    /** Steps done. */
    public long step() {
        return step;
    }

    /** The settings. */
    public Config config() {
        return cfg;
    }

    /** Starts with a freshly initialised decoder (seed {@code seed + 2}). */
    public void start() {
        build(null, "(initialised)");
        step = 0;
    }

    /** Continues from a checkpoint: same decoder weights, optimiser state and step. */
    public void resume(Checkpoint ck) {
        if (!ck.kind().equals(KIND)) {
            throw new LockeyException("a '" + ck.kind() + "' checkpoint cannot resume codec-decoder training");
        }
        build(ck.params(), "checkpoint");
        adam.restore(ck.optimiser(), ck.adamSteps(), DataType.FLOAT);
        step = ck.step();
    }

    private void build(Map<String, Tensor> weights, String source) {
        sd = SameDiff.create();
        int b = cfg.batchSize();
        int frames = cfg.cropFrames();
        Scope root = Scope.root(sd, weights, source, DataType.FLOAT, false, cfg.seed() + DECODER_SEED);
        SDVariable latent = sd.placeHolder("latent", DataType.FLOAT, b, seanet.dimension(), frames);   // [B, D, C]
        SDVariable target = sd.placeHolder("target", DataType.FLOAT, b, length);                      // [B, L]
        SDVariable audio = new SEANetDecoder(seanet).build(root.child("decoder"), latent, frames);     // [B, 1, L]
        root.build().checkLoaded();
        SDVariable y = audio.reshape(b, length);                                                       // [B, L]
        SDVariable l1 = Reduce.mean(sd.math().abs(y.sub(target)), false, 0, 1);
        l1 = sd.identity("loss.l1", l1);
        MultiScaleStftLoss.Terms st = cfg.stftLoss().build(sd, "stft", y, target, length);
        SDVariable total = l1.mul(cfg.lambdaWav()).add("loss.total", st.total().mul(cfg.lambdaStft()));
        sd.setLossVariables(total);
        outputs = List.of(total.name(), l1.name(), st.magnitude().name(), st.logMagnitude().name());
        trainable = sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .map(SDVariable::name).toList();
    }

    /** The decoder's weights by key ({@code decoder.model.N...}). */
    public Map<String, Tensor> decoderWeights() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        for (String k : trainable) {
            w.put(k, Tensor.of(k, sd.getVariable(k).getArr()));
        }
        return w;
    }

    /** Names of the trainable variables (the decoder's, nothing of the encoder or quantiser). */
    public List<String> trainableNames() {
        return trainable;
    }

    /** The frozen encoder and quantiser with the current decoder: the model a run writes. */
    public Encodec model() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        frozen.weights().forEach((k, t) -> {
            if (!k.startsWith("decoder.")) {
                w.put(k, t);
            }
        });
        w.putAll(decoderWeights());
        return Encodec.of(frozen.config(), w, "(codec-decoder training, step " + step + ")");
    }

    /** One batch: the quantised latents [B, D, C] and the audio [B, C hop] of step {@code s}'s crops. */
    record Batch(INDArray latent, INDArray target) {
    }

    Batch batch(long s) {
        int b = cfg.batchSize();
        int frames = cfg.cropFrames();
        int d = seanet.dimension();
        float[] lat = new float[b * d * frames];
        float[] aud = new float[b * length];
        for (int i = 0; i < b; i++) {
            int idx = train.index(cfg.seed(), s, b, i);
            float[][] z = trainLatents.get(idx);
            float[] x = trainAudio.get(idx);
            // Only frames whose hop lies wholly inside the clip: the last, partial frame has no full target.
            int whole = x.length / hop;
            SplittableRandom r = AudioDataset.rng(cfg.seed(), s, STREAM_CROP + i);
            int start = r.nextInt(whole - frames + 1);
            for (int c = 0; c < d; c++) {
                System.arraycopy(z[c], start, lat, (i * d + c) * frames, frames);
            }
            System.arraycopy(x, start * hop, aud, i * length, length);
        }
        return new Batch(Nd4j.create(lat, new long[] {b, d, frames}, 'c'), Nd4j.create(aud, new long[] {b, length}, 'c'));
    }

    /** Runs one step and returns its loss terms: loss, l1, mag, log. */
    public Map<String, Double> trainStep() {
        Batch bt = batch(step);
        OutAndGrad og = sd.calculateGradientsAndOutputs(Map.of("latent", bt.latent(), "target", bt.target()), outputs,
                trainable);
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String k : trainable) {
            params.put(k, sd.getVariable(k).getArr());
        }
        adam.step(params, og.getGradients());
        step++;
        return figures(og.getOutputs());
    }

    /** The loss terms on the batch of step {@code s} with the current weights, without an update. */
    public Map<String, Double> evaluate(long s) {
        Batch bt = batch(s);
        return figures(sd.output(Map.of("latent", bt.latent(), "target", bt.target()), outputs));
    }

    private Map<String, Double> figures(Map<String, INDArray> out) {
        Map<String, Double> f = new LinkedHashMap<>();
        String[] labels = {"loss", "l1", "mag", "log"};
        for (int i = 0; i < labels.length; i++) {
            f.put(labels[i], out.get(outputs.get(i)).getDouble(0));
        }
        return f;
    }

    /** Decodes the validation clips with the current decoder; {@code trainLoss} and time are the caller's. */
    public Validation validate(double seconds, double trainLoss) {
        Encodec model = model();
        double sdr = 0;
        double stft = 0;
        double l1 = 0;
        for (int i = 0; i < validCodes.size(); i++) {
            float[] ref = validAudio.get(i);
            float[] est = java.util.Arrays.copyOf(model.decode(validCodes.get(i)), ref.length);
            sdr += Sdr.db(ref, est);
            double[] ml = cfg.stftLoss().value(est, ref);
            stft += ml[0] + ml[1];
            double s = 0;
            for (int j = 0; j < ref.length; j++) {
                s += Math.abs((double) est[j] - ref[j]);
            }
            l1 += s / ref.length;
        }
        int n = validCodes.size();
        return new Validation(step, seconds, trainLoss, sdr / n, stft / n, l1 / n);
    }

    /**
     * Runs to {@code cfg.steps()} in {@link RunLoop}: validates first when starting at step 0, checkpoints into
     * {@code runDir} (atomically) every {@code checkpointEvery} steps and at the end, validates every
     * {@code validateEvery} steps and at the end, appending a row per validation to {@code runDir/validation.tsv}
     * (rows of steps after the starting step, left by a run killed after its last checkpoint, are dropped first).
     *
     * @param metadata     extra checkpoint metadata (the frozen codec's origin)
     * @param log          receives each validation
     * @param onCheckpoint called after each checkpoint (the CLI writes the model directory there)
     */
    public List<Validation> run(Path runDir, Map<String, String> metadata, Consumer<Validation> log,
            Runnable onCheckpoint) {
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("config", cfg.toJson().toString());
        Path validationFile = runDir.resolve(VALIDATION_FILE);
        ValidationLog<Validation> validations = new ValidationLog<>(validationFile, Validation.TSV_HEADER,
                Validation::tsv, log);
        RunLoop.Solver solver = new RunLoop.Solver() {
            @Override
            public long stepsDone() {
                return step;
            }

            @Override
            public Map<String, Double> step() {
                Map<String, Double> f = trainStep();
                validations.addTrainLoss(f.get("loss"));
                return f;
            }

            @Override
            public void saveCheckpoint() {
                Checkpoint.save(runDir, KIND, step, decoderWeights(), adam, meta);
                onCheckpoint.run();
            }

            @Override
            public void validate(double seconds) {
                validations.add(CodecDecoderTrainer.this.validate(seconds, validations.meanTrainLoss()));
            }
        };
        RunLoop.Schedule schedule = new RunLoop.Schedule(cfg.steps(), cfg.checkpointEvery(), cfg.validateEvery(),
                RunLoop.Baseline.VALIDATE_UNTRAINED);
        new RunLoop("codec-decoder", runDir, schedule).withTableByStep(validationFile).run(solver);
        return validations.history();
    }
}
