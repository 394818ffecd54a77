package org.lockey.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.io.Json;
import org.lockey.io.Tensor;
import org.lockey.metric.MelDistance;
import org.lockey.metric.Sdr;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.SEANetDecoder;
import org.lockey.model.encodec.SEANetEncoder;
import org.lockey.model.encodec.SeanetConfig;
import org.lockey.nn.Reduce;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDIndex;
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
 * Trains a whole EnCodec — SEANet encoder, residual vector quantiser, SEANet decoder — together as a codec:
 * {@code ./lockey train codec}. The audiocraft compression recipe (Défossez et al. 2022, §3; audiocraft
 * {@code solvers/compression.py}) without its adversarial and feature-matching terms (no discriminator yet):
 * <pre>
 *   z = E(x)                                       [B, D, C]   encoder graph
 *   q, codes = RVQ(z)                              [B, D, C]   on the host ({@link LearnedCodebooks}): codes from the
 *                                                              codebooks as they were, then their EMA update
 *   x^ = G(q)                                      [B, 1, L]   decoder graph, q fed as a variable
 *   L_rec = lambda_wav mean|x^ - x| + lambda_stft (mag + log)        ({@link MultiScaleStftLoss})
 *   L_commit = (1 / n_q) sum_k mean((z - sum_{j <= k} q_j)^2)        (upstream: per stage mse(q_k, r_k), averaged)
 *   L = L_rec + beta L_commit
 * </pre>
 * <b>Straight-through estimator.</b> The quantiser has no gradient; upstream passes the decoder's gradient at q
 * to the encoder as if q were z ({@code quantized_out = x + (quantized_out - x).detach()}). Here that is two
 * graphs: the decoder graph gives the gradient {@code g_q = dL_rec/dq} (q is a graph variable, so its gradient can
 * be asked for), and the encoder graph's loss is {@code sum(z * g_q) + beta L_commit} with {@code g_q} and the
 * commitment targets {@code sum_{j<=k} q_j} fed as constants, whose parameter gradients are exactly
 * {@code (dz/dtheta)^T g_q + beta dL_commit/dtheta}. One Adam step then updates encoder and decoder together.
 * The encoder runs forward twice per step (once for z, once inside its gradient pass); a single graph with
 * {@code q = z + (q_host - z)} would need the same two passes, since q_host depends on z.
 *
 * <p><b>Data.</b> Step s takes B crops of C latent frames ({@code C hop} samples) from the {@code train} split:
 * clip {@link AudioDataset#index}(seed, s, B, b), start from {@link AudioDataset#rng}(seed, s, 300 + b) (a clip
 * shorter than a crop is zero-padded); the vectors replacing dead codes are drawn from {@code rng(seed, s, 400)}; the
 * k-means initialisation (the first step, or a later one for a codebook loaded as not initialised) uses seed
 * {@code seed + 1 + k}. So every step is a function of (seed, step) and the state, and a resumed run repeats
 * exactly the steps of an uninterrupted one.
 *
 * <p><b>Validation.</b> The first {@code validationClips} clips of the {@code valid} split (all when 0) go through
 * the model as {@code ./lockey codec encode} and {@code decode} run it ({@link Encodec}: whole clips, chunked
 * inference); reported are the mean SDR ({@link Sdr}) and the mean log-mel distance ({@link MelDistance#between}).
 */
public final class CodecTrainer {
    /** Checkpoint kind. */
    public static final String KIND = "codec";
    /** Per-step losses, one row per step. */
    public static final String METRICS_FILE = "metrics.tsv";
    /** One row per validation pass. */
    public static final String VALIDATION_FILE = "validation.tsv";
    private static final int STREAM_CROP = 300;
    private static final int STREAM_DEAD_CODES = 400;
    /** Stage k's k-means initialisation draws from seed {@code seed + KMEANS_SEED + k}. */
    static final long KMEANS_SEED = 1;
    private static final String Q = "quantized";
    private static final String[] FIGURES = {"loss", "l1", "mag", "log", "commit", "qerr", "replaced", "used"};
    private static final int VALIDATION_CHUNK_FRAMES = 50;

    /**
     * Hyper-parameters.
     *
     * @param batchSize        crops per step
     * @param cropFrames       latent frames per crop (samples: cropFrames x hop)
     * @param steps            total optimiser steps
     * @param checkpointEvery  steps between checkpoints
     * @param validateEvery    steps between validation passes (0 = only at the end)
     * @param seed             seed of data order, crops, dead codes and k-means
     * @param adam             optimiser settings (one Adam over encoder and decoder)
     * @param lambdaWav        weight of the waveform L1
     * @param lambdaStft       weight of the multi-scale STFT loss
     * @param stftLoss         the STFT loss's scales and floor
     * @param commitmentWeight beta, the weight of the commitment loss
     * @param quantizer        the codebooks' EMA decay, Laplace epsilon, dead-code threshold, k-means iterations
     * @param validationClips  clips of the valid split per validation (0 = all)
     */
    public record Config(int batchSize, int cropFrames, long steps, int checkpointEvery, int validateEvery, long seed,
            Adam.Config adam, double lambdaWav, double lambdaStft, MultiScaleStftLoss stftLoss, double commitmentWeight,
            LearnedCodebooks.Settings quantizer, int validationClips) {
        public Config {
            if (batchSize < 1 || cropFrames < 1 || steps < 1 || checkpointEvery < 1 || validateEvery < 0
                    || validationClips < 0 || lambdaWav < 0 || lambdaStft < 0 || lambdaWav + lambdaStft == 0
                    || !(commitmentWeight >= 0)) {
                throw new LockeyException("invalid codec training settings: batch " + batchSize + ", crop "
                        + cropFrames + " frames, steps " + steps + ", checkpoint every " + checkpointEvery
                        + ", validate every " + validateEvery + ", weights " + lambdaWav + "/" + lambdaStft
                        + ", commitment " + commitmentWeight);
            }
        }

        /**
         * The recipe's defaults ({@code docs/encodec.md}, "Training the codec"): Adam lr 1e-3, betas (0.5, 0.9)
         * (audiocraft's betas; its lr is 3e-4), lambda_wav 0.1, lambda_stft 1 (as {@code train codec-decoder}),
         * commitment weight 1 and audiocraft's quantiser settings with the dead-code threshold scaled to the
         * batch's vectors ({@link LearnedCodebooks.Settings#audiocraftScaledTo}: 0.125 for 4 crops of 50 frames).
         */
        public static Config defaults(int batchSize, int cropFrames, long steps, int checkpointEvery, int validateEvery,
                long seed) {
            return new Config(batchSize, cropFrames, steps, checkpointEvery, validateEvery, seed,
                    new Adam.Config(1e-3, 0.5, 0.9, 1e-8, 0), 0.1, 1.0, MultiScaleStftLoss.standard(), 1.0,
                    LearnedCodebooks.Settings.audiocraftScaledTo((long) batchSize * cropFrames), 0);
        }

        /** The same run with another length and schedule (what may change on resume). */
        public Config withSchedule(long newSteps, int newCheckpointEvery, int newValidateEvery) {
            return new Config(batchSize, cropFrames, newSteps, newCheckpointEvery, newValidateEvery, seed, adam,
                    lambdaWav, lambdaStft, stftLoss, commitmentWeight, quantizer, validationClips);
        }

        /** The settings as JSON (checkpoint metadata). */
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("batch_size", batchSize).put("crop_frames", cropFrames).put("steps", steps)
                    .put("checkpoint_every", checkpointEvery).put("validate_every", validateEvery).put("seed", seed)
                    .put("lr", adam.lr()).put("beta1", adam.beta1()).put("beta2", adam.beta2()).put("eps", adam.eps())
                    .put("lambda_wav", lambdaWav).put("lambda_stft", lambdaStft).put("stft_floor", stftLoss.floor())
                    .put("commitment_weight", commitmentWeight).put("decay", quantizer.decay())
                    .put("epsilon", quantizer.epsilon()).put("threshold_ema_dead_code", quantizer.deadCodeThreshold())
                    .put("kmeans_iters", quantizer.kmeansIterations()).put("validation_clips", validationClips);
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
                        o.get("commitment_weight").doubleValue(),
                        new LearnedCodebooks.Settings(o.get("decay").doubleValue(), o.get("epsilon").doubleValue(),
                                o.get("threshold_ema_dead_code").doubleValue(), o.get("kmeans_iters").intValue()),
                        o.get("validation_clips").intValue());
            } catch (NullPointerException e) {
                throw new LockeyException("codec checkpoint: incomplete training settings " + o);
            }
        }
    }

    /**
     * One validation pass.
     *
     * @param step        steps done
     * @param seconds     seconds since this process started training
     * @param trainLoss   mean training loss since the previous pass (NaN before any step)
     * @param sdrDb       mean SDR (dB) of the encoded and decoded valid clips against the originals
     * @param melDistance mean log-mel distance ({@link MelDistance#between})
     */
    public record Validation(long step, double seconds, double trainLoss, double sdrDb, double melDistance) {
        /** A log line. */
        public String line() {
            return String.format(Locale.ROOT, "step %d (%.0f s): train loss %.4f | valid SDR %.2f dB, mel distance "
                    + "%.4f", step, seconds, trainLoss, sdrDb, melDistance);
        }

        /** A tab-separated row under {@link #TSV_HEADER}. */
        public String tsv() {
            return String.format(Locale.ROOT, "%d\t%.1f\t%.6f\t%.4f\t%.6f", step, seconds, trainLoss, sdrDb,
                    melDistance);
        }

        /** Column names of {@link #tsv()}. */
        public static final String TSV_HEADER = "step\tseconds\ttrain_loss\tvalid_sdr_db\tvalid_mel_distance";
    }

    private final Config cfg;
    private final CompressionConfig model;
    private final SeanetConfig seanet;
    private final DataType dtype;
    private final int hop;
    private final int length;
    private final AudioDataset train;
    private final List<float[]> validAudio = new ArrayList<>();
    private final Adam adam;

    private SameDiff encoderGraph;
    private SameDiff decoderGraph;
    private List<String> encoderParams;
    private List<String> decoderParams;
    private String latentName;
    private List<String> decoderOutputs;
    private LearnedCodebooks codebooks;
    private long step;

    /**
     * A trainer; call {@link #start} or {@link #resume} before training.
     *
     * @param model the codec's architecture
     * @param train training clips at the codec's rate
     * @param valid validation clips at the codec's rate
     */
    public CodecTrainer(Config cfg, CompressionConfig model, AudioDataset train, AudioDataset valid) {
        this(cfg, model, train, valid, DataType.FLOAT);
    }

    /** With another float type for the graphs (DOUBLE for gradient checks). */
    CodecTrainer(Config cfg, CompressionConfig model, AudioDataset train, AudioDataset valid, DataType dtype) {
        this.cfg = cfg;
        this.model = model;
        this.seanet = model.seanet();
        this.dtype = dtype;
        this.hop = seanet.hopLength();
        this.length = cfg.cropFrames() * hop;
        this.train = train;
        if (seanet.channels() != 1) {
            throw new LockeyException("codec training is for mono models; this one has " + seanet.channels()
                    + " channels");
        }
        int rate = model.sampleRate();
        if (train.sampleRate() != rate || valid.sampleRate() != rate) {
            throw new LockeyException("training data must be loaded at the codec's rate " + rate + " Hz");
        }
        if (length < cfg.stftLoss().minLength()) {
            throw new LockeyException("crops of " + cfg.cropFrames() + " frames (" + length + " samples) are too short "
                    + "for the STFT loss, which needs " + cfg.stftLoss().minLength() + " samples");
        }
        int clips = cfg.validationClips() == 0 ? valid.size() : Math.min(cfg.validationClips(), valid.size());
        for (int i = 0; i < clips; i++) {
            float[] x = valid.clip(i);
            validAudio.add(x.length >= MelDistance.N_FFT ? x : java.util.Arrays.copyOf(x, MelDistance.N_FFT));
        }
        this.adam = new Adam(cfg.adam());
    }

    /**
     * Encoder and decoder drawn with upstream's initialisation ({@link Encodec#random}, {@code seed}), without
     * codebooks: the first step initialises them by k-means.
     */
    public static Map<String, Tensor> initialWeights(CompressionConfig model, long seed) {
        Map<String, Tensor> w = new LinkedHashMap<>();
        Encodec.random(model, seed, true).weights().forEach((k, t) -> {
            if (!k.startsWith("quantizer.")) {
                w.put(k, t);
            }
        });
        return w;
    }

    /** Steps done. */
    public long step() {
        return step;
    }

    /** The settings. */
    public Config config() {
        return cfg;
    }

    /** The codebooks and their moving averages (live: updated by every step). */
    public LearnedCodebooks codebooks() {
        return codebooks;
    }

    /**
     * Starts at step 0 from encoder and decoder weights ({@code encoder.model.*}, {@code decoder.model.*}) and, when
     * {@code weights} has them, the quantiser's buffers ({@code quantizer.vq.layers.K._codebook.*}: a stage whose
     * {@code inited} is 0 is initialised by k-means on the first batch); without them every stage is.
     *
     * @param source the weights' origin, for error messages
     */
    public void start(Map<String, Tensor> weights, String source) {
        boolean hasQuantizer = weights.keySet().stream().anyMatch(k -> k.startsWith("quantizer."));
        codebooks = hasQuantizer
                ? LearnedCodebooks.from(weights, "quantizer.", model.rvq(), cfg.quantizer(), source)
                : LearnedCodebooks.uninitialised(model.rvq(), cfg.quantizer());
        build(weights, source);
        adam.reset();
        step = 0;
    }

    /** Continues from a checkpoint: the same weights, codebooks and their moving averages, optimiser state and step. */
    public void resume(Checkpoint ck) {
        if (!ck.kind().equals(KIND)) {
            throw new LockeyException("a '" + ck.kind() + "' checkpoint cannot resume codec training");
        }
        String source = "checkpoint (step " + ck.step() + ")";
        codebooks = LearnedCodebooks.from(ck.params(), "quantizer.", model.rvq(), cfg.quantizer(), source);
        build(ck.params(), source);
        adam.restore(ck.optimiser(), ck.adamSteps(), DataType.FLOAT);
        step = ck.step();
    }

    private void build(Map<String, Tensor> weights, String source) {
        int b = cfg.batchSize();
        int frames = cfg.cropFrames();
        int d = seanet.dimension();
        int nq = model.rvq().nQ();

        // Encoder: z = E(x); its loss carries the decoder's gradient at q and the commitment.
        encoderGraph = SameDiff.create();
        SameDiff se = encoderGraph;
        Scope re = Scope.root(se, weights, source, dtype, false, 0);
        SDVariable audio = se.placeHolder("audio", dtype, b, 1, length);                             // [B, 1, L]
        SDVariable z = new SEANetEncoder(seanet).build(re.child("encoder"), audio, length);          // [B, D, C]
        re.build().checkLoaded("encoder.");
        z = se.identity("latent", z);
        latentName = z.name();
        SDVariable gradQ = se.placeHolder("grad_q", dtype, b, d, frames);                             // [B, D, C]
        SDVariable targets = se.placeHolder("commit_targets", dtype, nq, b, d, frames);              // [n_q, B, D, C]
        SDVariable link = z.mul(gradQ).sum();                       // d/dz = g_q: the straight-through gradient
        SDVariable commit = null;
        for (int k = 0; k < nq; k++) {
            SDVariable diff = z.sub(targets.get(SDIndex.point(k)));                                   // r_k - q_k
            SDVariable term = Reduce.meanSquare(diff, false, 0, 1, 2);
            commit = commit == null ? term : commit.add(term);
        }
        commit = commit.div(nq);
        se.setLossVariables(link.add("encoder_loss", commit.mul(cfg.commitmentWeight())));
        encoderParams = trainable(se);

        // Decoder: x^ = G(q), q a variable so that dL/dq can be asked for.
        decoderGraph = SameDiff.create();
        SameDiff sdd = decoderGraph;
        Scope rd = Scope.root(sdd, weights, source, dtype, false, 0);
        SDVariable q = sdd.var(Q, Nd4j.zeros(dtype, b, d, frames));                                   // [B, D, C]
        SDVariable target = sdd.placeHolder("target", dtype, b, length);                              // [B, L]
        SDVariable y = new SEANetDecoder(seanet).build(rd.child("decoder"), q, frames).reshape(b, length);
        rd.build().checkLoaded("decoder.");
        SDVariable l1 = sdd.identity("loss.l1", Reduce.mean(sdd.math().abs(y.sub(target)), false, 0, 1));
        MultiScaleStftLoss.Terms st = cfg.stftLoss().build(sdd, "stft", y, target, length);
        SDVariable total = l1.mul(cfg.lambdaWav()).add("loss.reconstruction", st.total().mul(cfg.lambdaStft()));
        sdd.setLossVariables(total);
        decoderOutputs = List.of(total.name(), l1.name(), st.magnitude().name(), st.logMagnitude().name());
        decoderParams = trainable(sdd).stream().filter(k -> !k.equals(Q)).toList();
    }

    private static List<String> trainable(SameDiff sd) {
        return sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE).map(SDVariable::name)
                .toList();
    }

    /** Names of the trainable parameters: the encoder's, then the decoder's. */
    public List<String> trainableNames() {
        List<String> all = new ArrayList<>(encoderParams);
        all.addAll(decoderParams);
        return all;
    }

    /** Encoder and decoder weights by key, float32. */
    public Map<String, Tensor> networkWeights() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        for (String k : encoderParams) {
            w.put(k, Tensor.of(k, encoderGraph.getVariable(k).getArr().castTo(DataType.FLOAT)));
        }
        for (String k : decoderParams) {
            w.put(k, Tensor.of(k, decoderGraph.getVariable(k).getArr().castTo(DataType.FLOAT)));
        }
        return w;
    }

    /** Everything a checkpoint and a model hold: encoder, decoder and the quantiser's buffers. */
    public Map<String, Tensor> allWeights() {
        Map<String, Tensor> w = networkWeights();
        w.putAll(codebooks.tensors("quantizer."));
        return w;
    }

    /** The codec as it stands: what a run writes and {@code ./lockey codec encode|decode} use. */
    public Encodec model() {
        return Encodec.of(model, allWeights(), "(codec training, step " + step + ")");
    }

    /** One batch: the crops as encoder input [B, 1, L] and as target [B, L]. */
    record Batch(INDArray audio, INDArray target) {
    }

    Batch batch(long s) {
        int b = cfg.batchSize();
        float[] aud = new float[b * length];
        for (int i = 0; i < b; i++) {
            int idx = train.index(cfg.seed(), s, b, i);
            float[] crop = train.crop(idx, length, AudioDataset.rng(cfg.seed(), s, STREAM_CROP + i));
            System.arraycopy(crop, 0, aud, i * length, length);
        }
        INDArray a = Nd4j.create(aud, new long[] {b, 1, length}, 'c').castTo(dtype);
        return new Batch(a, a.reshape(b, length));
    }

    /** The encoder's latent [B, D, C] of a batch. */
    INDArray encode(INDArray audio) {
        return encoderGraph.output(Map.of("audio", audio), latentName).get(latentName);
    }

    /**
     * Every gradient of one step for given inputs: the decoder's parameters and {@value #Q} (dL_rec/dq) from the
     * decoder graph at {@code quantized}, then the encoder's from {@code sum(z * dL_rec/dq) + beta L_commit}.
     *
     * @param quantized          q [B, D, C]
     * @param commitmentTargets  {@code sum_{j <= k} q_j} [n_q, B, D, C]
     * @return gradients by name, and the decoder's loss terms under {@code "outputs"}-prefixed keys
     */
    Map<String, INDArray> gradients(Batch bt, INDArray quantized, INDArray commitmentTargets) {
        decoderGraph.getVariable(Q).getArr().assign(quantized);
        List<String> wanted = new ArrayList<>(decoderParams);
        wanted.add(Q);
        OutAndGrad dec = decoderGraph.calculateGradientsAndOutputs(Map.of("target", bt.target()), decoderOutputs,
                wanted);
        INDArray gq = dec.getGradients().get(Q);
        Map<String, INDArray> enc = encoderGraph.calculateGradients(Map.of("audio", bt.audio(), "grad_q", gq,
                "commit_targets", commitmentTargets), encoderParams);
        Map<String, INDArray> all = new LinkedHashMap<>(dec.getGradients());
        all.putAll(enc);
        for (int i = 0; i < decoderOutputs.size(); i++) {
            all.put("outputs." + i, dec.getOutputs().get(decoderOutputs.get(i)));
        }
        return all;
    }

    /**
     * Runs one step and returns its figures: {@code loss} (L_rec + beta L_commit), {@code l1}, {@code mag},
     * {@code log} (the reconstruction terms), {@code commit} (L_commit), {@code qerr} (||z - q||^2 / ||z||^2),
     * {@code replaced} (dead entries replaced, all stages), {@code used} (distinct codes per vector of the batch,
     * mean over stages: 1 when every vector has its own entry).
     */
    public Map<String, Double> trainStep() {
        Batch bt = batch(step);
        StepParts parts = update(bt, rows -> codebooks.train(rows, cfg.seed() + KMEANS_SEED,
                AudioDataset.rng(cfg.seed(), step, STREAM_DEAD_CODES)));
        step++;
        float[][] rows = parts.rows();
        LearnedCodebooks.Step qs = parts.quantised();
        Map<String, INDArray> grads = parts.gradients();
        double commit = commitment(rows, qs.cumulative());
        double err = 0;
        double energy = 0;
        for (int n = 0; n < rows.length; n++) {
            for (int c = 0; c < rows[n].length; c++) {
                double e = (double) rows[n][c] - qs.quantized()[n][c];
                err += e * e;
                energy += (double) rows[n][c] * rows[n][c];
            }
        }
        int replaced = 0;
        for (int r : qs.replaced()) {
            replaced += r;
        }
        double used = 0;
        for (int[] codes : qs.codes()) {
            used += java.util.Arrays.stream(codes).distinct().count() / (double) codes.length;
        }
        double rec = grads.get("outputs.0").getDouble(0);
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("loss", rec + cfg.commitmentWeight() * commit);
        f.put("l1", grads.get("outputs.1").getDouble(0));
        f.put("mag", grads.get("outputs.2").getDouble(0));
        f.put("log", grads.get("outputs.3").getDouble(0));
        f.put("commit", commit);
        f.put("qerr", energy > 0 ? err / energy : 0);
        f.put("replaced", (double) replaced);
        f.put("used", used / qs.codes().length);
        return f;
    }

    /**
     * One update on a given batch with a given quantisation: what {@link #trainStep} does between drawing the batch
     * and reporting, without the codebooks' own training when {@code quantise} does not do it. Public for
     * {@code bench.TrainingCases}, which times it with fixed codebooks (their EMA update, dead-code replacement and
     * k-means initialisation are host-side bookkeeping left out of the benchmark).
     *
     * @param audio    the crops [B, 1, L]
     * @param quantise the latent rows [B C][D] (row b C + t) to their quantisation and commitment targets
     * @return the loss of the update, L_rec + beta L_commit
     */
    public double updateOn(INDArray audio, Function<float[][], LearnedCodebooks.Step> quantise) {
        StepParts parts = update(new Batch(audio, audio.reshape(cfg.batchSize(), length)), quantise);
        step++;
        return parts.gradients().get("outputs.0").getDouble(0)
                + cfg.commitmentWeight() * commitment(parts.rows(), parts.quantised().cumulative());
    }

    /** What one update computed: the latent rows, their quantisation, and the gradients with the decoder's outputs. */
    private record StepParts(float[][] rows, LearnedCodebooks.Step quantised, Map<String, INDArray> gradients) {
    }

    /** Encoder forward, quantisation, both graphs' gradients and one Adam update of encoder and decoder. */
    private StepParts update(Batch bt, Function<float[][], LearnedCodebooks.Step> quantise) {
        INDArray z = encode(bt.audio());                                                              // [B, D, C]
        float[][] rows = rows(z);                                                                     // [B C][D]
        LearnedCodebooks.Step qs = quantise.apply(rows);
        INDArray q = toBdc(qs.quantized());
        INDArray targets = toKbdc(qs.cumulative());
        Map<String, INDArray> grads = gradients(bt, q, targets);
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String k : encoderParams) {
            params.put(k, encoderGraph.getVariable(k).getArr());
        }
        for (String k : decoderParams) {
            params.put(k, decoderGraph.getVariable(k).getArr());
        }
        adam.step(params, grads);
        return new StepParts(rows, qs, grads);
    }

    /** Upstream's penalty value: the mean over stages of mean((r_k - q_k)^2) = mean((z - sum_{j<=k} q_j)^2). */
    static double commitment(float[][] z, float[][][] cumulative) {
        double total = 0;
        for (float[][] c : cumulative) {
            double s = 0;
            for (int n = 0; n < z.length; n++) {
                for (int d = 0; d < z[n].length; d++) {
                    double e = (double) z[n][d] - c[n][d];
                    s += e * e;
                }
            }
            total += s / ((double) z.length * z[0].length);
        }
        return total / cumulative.length;
    }

    /** [B, D, C] to rows [B C][D] (row b C + t). */
    static float[][] rows(INDArray bdc) {
        long[] s = bdc.shape();
        int b = (int) s[0];
        int d = (int) s[1];
        int c = (int) s[2];
        float[] flat = bdc.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[][] out = new float[b * c][d];
        for (int i = 0; i < b; i++) {
            for (int ch = 0; ch < d; ch++) {
                int base = (i * d + ch) * c;
                for (int t = 0; t < c; t++) {
                    out[i * c + t][ch] = flat[base + t];
                }
            }
        }
        return out;
    }

    private INDArray toBdc(float[][] rows) {
        int b = cfg.batchSize();
        int c = cfg.cropFrames();
        int d = seanet.dimension();
        return Nd4j.create(flatBdc(rows, b, d, c), new long[] {b, d, c}, 'c').castTo(dtype);
    }

    private INDArray toKbdc(float[][][] perStage) {
        int b = cfg.batchSize();
        int c = cfg.cropFrames();
        int d = seanet.dimension();
        float[] flat = new float[perStage.length * b * d * c];
        for (int k = 0; k < perStage.length; k++) {
            System.arraycopy(flatBdc(perStage[k], b, d, c), 0, flat, k * b * d * c, b * d * c);
        }
        return Nd4j.create(flat, new long[] {perStage.length, b, d, c}, 'c').castTo(dtype);
    }

    private static float[] flatBdc(float[][] rows, int b, int d, int c) {
        float[] flat = new float[b * d * c];
        for (int i = 0; i < b; i++) {
            for (int ch = 0; ch < d; ch++) {
                int base = (i * d + ch) * c;
                for (int t = 0; t < c; t++) {
                    flat[base + t] = rows[i * c + t][ch];
                }
            }
        }
        return flat;
    }

    /** Encodes and decodes the validation clips with the current model; {@code trainLoss} and time are the caller's. */
    public Validation validate(double seconds, double trainLoss) {
        // Chunks of 50 frames: the same result as one pass (Chunked), and 0.45 instead of 1.5 GB resident per stage
        // for the small codec on 8-s clips (measured with the default 250-frame chunks).
        Encodec codec = model().withChunkFrames(VALIDATION_CHUNK_FRAMES);
        double sdr = 0;
        double mel = 0;
        for (float[] ref : validAudio) {
            float[] est = java.util.Arrays.copyOf(codec.decode(codec.encode(ref)), ref.length);
            sdr += Sdr.db(ref, est);
            mel += MelDistance.between(ref, est, model.sampleRate());
        }
        int n = Math.max(1, validAudio.size());
        return new Validation(step, seconds, trainLoss, sdr / n, mel / n);
    }

    /**
     * Runs to {@code cfg.steps()} in {@link RunLoop}: validates first when starting at step 0, appends a row per step
     * to {@code runDir/metrics.tsv} and per validation to {@code runDir/validation.tsv} (rows of steps after the
     * starting step, left by a run killed after its last checkpoint, are dropped first), checkpoints into
     * {@code runDir} (atomically) every {@code checkpointEvery} steps and at the end, validates every
     * {@code validateEvery} steps and at the end.
     *
     * @param metadata     extra checkpoint metadata (the run's origin)
     * @param log          receives each validation
     * @param onCheckpoint called after each checkpoint (the CLI writes the model directory there)
     */
    public List<Validation> run(Path runDir, Map<String, String> metadata, Consumer<Validation> log,
            Runnable onCheckpoint) {
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("config", cfg.toJson().toString());
        meta.put("model_config", model.toJson().toString());
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
                // ND4J frees native arrays when their Java handles are collected; a step allocates far more native
                // memory than heap, so without a collection per step the process grows far beyond its working set.
                System.gc();
                validations.addTrainLoss(f.get("loss"));
                return f;
            }

            @Override
            public Map<String, Double> shown(Map<String, Double> f) {
                Map<String, Double> shown = new LinkedHashMap<>();
                shown.put("loss", f.get("loss"));
                shown.put("commit", f.get("commit"));
                shown.put("qerr", f.get("qerr"));
                return shown;
            }

            @Override
            public void saveCheckpoint() {
                Checkpoint.save(runDir, KIND, step, allWeights(), adam, meta);
                onCheckpoint.run();
            }

            @Override
            public void validate(double seconds) {
                validations.add(CodecTrainer.this.validate(seconds, validations.meanTrainLoss()));
            }
        };
        StringBuilder header = new StringBuilder("step");
        for (String f : FIGURES) {
            header.append('\t').append(f);
        }
        header.append("\tseconds");
        RunLoop.Schedule schedule = new RunLoop.Schedule(cfg.steps(), cfg.checkpointEvery(), cfg.validateEvery(),
                RunLoop.Baseline.VALIDATE_UNTRAINED);
        new RunLoop("train codec", runDir, schedule)
                .withMetrics(new RunLoop.MetricsTable(runDir.resolve(METRICS_FILE), header.toString(), CodecTrainer::row))
                .withTableByStep(validationFile)
                .run(solver);
        return validations.history();
    }

    /** A step's row of {@value #METRICS_FILE}: its figures ({@code replaced} a count) and its seconds. */
    private static String row(long step, Map<String, Double> f, double seconds) {
        StringBuilder row = new StringBuilder().append(step);
        for (String k : FIGURES) {
            row.append('\t').append(k.equals("replaced") ? String.valueOf(f.get(k).longValue())
                    : String.format(Locale.ROOT, "%.6g", f.get(k)));
        }
        row.append(String.format(Locale.ROOT, "\t%.3f", seconds));
        return row.toString();
    }
}
