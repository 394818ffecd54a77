package org.lockey.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.Codebooks;
import org.lockey.model.encodec.KMeansCodebooks;
import org.lockey.model.encodec.RvqConfig;

/**
 * The residual vector quantiser's codebooks as EnCodec learns them while the codec trains (Défossez et al.
 * 2022, §3.2; van den Oord et al. 2017, appendix A.1: codebooks as exponential moving averages), on plain
 * arrays outside the graph: codebooks receive no gradient upstream either. Upstream: audiocraft
 * {@code audiocraft/quantization/core_vq.py} ({@code EuclideanCodebook.forward}, {@code
 * ResidualVectorQuantization.forward}); the facts are listed in {@code docs/encodec.md}, section "Training the
 * codec".
 *
 * <p>One training call ({@link #train}) on the batch's latent vectors {@code x [N][D]} (N = batch x frames) runs
 * the stages in order, stage k on the residual {@code r_k} left by stages 0..k-1 ({@code r_0 = x}):
 * <pre>
 *   if stage k was never initialised:  k-means of r_k (bins means, {@code kmeansIterations}), embed = embed_avg = means,
 *                                      cluster_size = the last assignment's counts         (upstream init_embed_)
 *   c_n    = argmin_j ||r_k,n - embed_j||^2            codes with the codebook as it was before this step
 *   q_k,n  = embed_c_n                                 what the decoder receives (summed over stages)
 *   dead   = { j : cluster_size_j < threshold }        decided on the sizes before this step's update
 *   for j in dead:  embed_j = s_j,  embed_avg_j = threshold s_j,  cluster_size_j = threshold
 *                                      s_j a random vector of r_k (upstream sample_vectors: distinct vectors of a
 *                                      random permutation when N >= bins, else draws with replacement)
 *   cluster_size = decay cluster_size + (1 - decay) counts          counts_j = #{n : c_n = j}
 *   embed_avg    = decay embed_avg    + (1 - decay) sums            sums_j   = sum_{n : c_n = j} r_k,n
 *   embed_j      = embed_avg_j / (n (cluster_size_j + eps) / (n + bins eps)),   n = sum_j cluster_size_j
 *                                                                               (Laplace smoothing)
 *   r_k+1  = r_k - q_k
 * </pre>
 * <b>Dead codes: a deliberate difference.</b> Upstream's {@code expire_codes_} writes the random vectors into
 * {@code embed} only, and the same call then overwrites all of {@code embed} with {@code embed_avg / size}, so the
 * replacement never takes effect (facebookresearch/encodec issue #61, "Codebook expiration does not take effect
 * at all"; audiocraft has the same code). Here the replaced entry's moving averages are reset with it (sum
 * {@code threshold s_j} over {@code threshold} vectors), so after the update the entry is {@code s_j} up to the
 * Laplace smoothing, and stays there until vectors move it. With {@code threshold = 0} nothing is replaced (as
 * upstream).
 *
 * <p>Every buffer is float32 as upstream keeps it (the per-step sums are accumulated in double and rounded
 * once), so a checkpoint holds the state exactly and a resumed run continues bit for bit. Nearest entries are
 * found by {@link Codebooks#nearest} (double precision, lowest index on a tie): the codes training computes are
 * the codes {@code ./lockey codec encode} later computes with the same codebooks.
 */
public final class LearnedCodebooks {

    /**
     * The quantiser's training settings (upstream names in brackets).
     *
     * @param decay             [decay] of the moving averages
     * @param epsilon           [epsilon] of the Laplace smoothing of the cluster sizes
     * @param deadCodeThreshold [threshold_ema_dead_code] an entry whose moving-average cluster size is below it is
     *                          replaced by a vector of the batch (0 = never)
     * @param kmeansIterations  [kmeans_iters] of the initialisation
     */
    public record Settings(double decay, double epsilon, double deadCodeThreshold, int kmeansIterations) {
        public Settings {
            if (!(decay >= 0 && decay < 1) || !(epsilon > 0) || !(deadCodeThreshold >= 0) || kmeansIterations < 1) {
                throw new LockeyException("invalid quantiser settings: decay " + decay + " (in [0, 1)), epsilon "
                        + epsilon + " (> 0), dead-code threshold " + deadCodeThreshold + " (>= 0), k-means iterations "
                        + kmeansIterations + " (>= 1)");
            }
        }

        /**
         * audiocraft's EnCodec values: decay 0.99, threshold 2, k-means 50 iterations ({@code
         * config/model/encodec/default.yaml}, section {@code rvq}); epsilon 1e-5 ({@code core_vq.py}, the
         * {@code EuclideanCodebook} default, which no config overrides).
         */
        public static Settings audiocraft() {
            return new Settings(0.99, 1e-5, UPSTREAM_DEAD_CODE_THRESHOLD, KMeansCodebooks.UPSTREAM_ITERATIONS);
        }

        /**
         * audiocraft's settings with the dead-code threshold scaled to {@code vectorsPerStep} latent vectors per
         * step: {@code 2 x vectorsPerStep / 3200}. The threshold counts vectors per step (a moving average of how many
         * vectors an entry receives), so it only means what it meant upstream at upstream's batch: MusicGen's 32 kHz
         * recipe takes 64 crops of 1 s at 50 frames/s, 3,200 vectors per step. Unscaled, at 4 crops (200 vectors for
         * 1,024 entries, 0.2 per entry on average) every entry would count as dead at every step.
         */
        public static Settings audiocraftScaledTo(long vectorsPerStep) {
            Settings a = audiocraft();
            return new Settings(a.decay(), a.epsilon(),
                    UPSTREAM_DEAD_CODE_THRESHOLD * vectorsPerStep / UPSTREAM_VECTORS_PER_STEP, a.kmeansIterations());
        }
    }

    /** audiocraft's {@code threshold_ema_dead_code} ({@code config/model/encodec/default.yaml}). */
    public static final double UPSTREAM_DEAD_CODE_THRESHOLD = 2.0;
    /**
     * Latent vectors per step of audiocraft's MusicGen 32 kHz compression recipe: batch 64 ({@code
     * config/solver/compression/default.yaml}, {@code dataset.batch_size}) of 1-s segments ({@code
     * segment_duration: 1}) at 50 frames/s.
     */
    public static final double UPSTREAM_VECTORS_PER_STEP = 64 * 50;

    /**
     * What one training call computed.
     *
     * @param quantized  [N][D] the quantised latent {@code sum_k q_k} (float32 sums in stage order, as upstream)
     * @param cumulative [n_q][N][D] {@code sum_{j <= k} q_j}: stage k's commitment compares the latent with it
     *                   ({@code r_k - q_k = x - cumulative_k})
     * @param codes      [n_q][N] the codes
     * @param replaced   [n_q] dead entries replaced in each stage
     * @param initialised [n_q] whether the stage was initialised by k-means in this call
     */
    public record Step(float[][] quantized, float[][][] cumulative, int[][] codes, int[] replaced,
            boolean[] initialised) {
    }

    private final RvqConfig config;
    private final Settings settings;
    private final float[][][] embed;      // [n_q][bins][D]
    private final float[][][] embedAvg;   // [n_q][bins][D]
    private final float[][] clusterSize;  // [n_q][bins]
    private final boolean[] inited;       // [n_q]

    private LearnedCodebooks(RvqConfig config, Settings settings) {
        this.config = config;
        this.settings = settings;
        this.embed = new float[config.nQ()][config.bins()][config.dimension()];
        this.embedAvg = new float[config.nQ()][config.bins()][config.dimension()];
        this.clusterSize = new float[config.nQ()][config.bins()];
        this.inited = new boolean[config.nQ()];
    }

    /** Codebooks that k-means will initialise on the first batch (upstream {@code kmeans_init=True}: zeros, not inited). */
    public static LearnedCodebooks uninitialised(RvqConfig config, Settings settings) {
        return new LearnedCodebooks(config, settings);
    }

    /**
     * Reads {@code <prefix>vq.layers.K._codebook.{inited, cluster_size, embed, embed_avg}} (shapes [1], [bins],
     * [bins, D], [bins, D]); every missing or mis-shaped buffer is reported at once.
     */
    public static LearnedCodebooks from(Map<String, Tensor> tensors, String prefix, RvqConfig config, Settings settings,
            String sourceName) {
        LearnedCodebooks c = new LearnedCodebooks(config, settings);
        int bins = config.bins();
        int d = config.dimension();
        List<String> problems = new ArrayList<>();
        for (int k = 0; k < config.nQ(); k++) {
            String base = prefix + "vq.layers." + k + "._codebook.";
            float[] init = read(tensors, base + "inited", new long[] {1}, problems);
            float[] size = read(tensors, base + "cluster_size", new long[] {bins}, problems);
            float[] emb = read(tensors, base + "embed", new long[] {bins, d}, problems);
            float[] avg = read(tensors, base + "embed_avg", new long[] {bins, d}, problems);
            if (init == null || size == null || emb == null || avg == null) {
                continue;
            }
            c.inited[k] = init[0] != 0;
            c.clusterSize[k] = size;
            for (int j = 0; j < bins; j++) {
                System.arraycopy(emb, j * d, c.embed[k][j], 0, d);
                System.arraycopy(avg, j * d, c.embedAvg[k][j], 0, d);
            }
        }
        if (!problems.isEmpty()) {
            throw new LockeyException(sourceName + ": quantiser buffers do not match " + config + ": "
                    + String.join("; ", problems));
        }
        return c;
    }

    private static float[] read(Map<String, Tensor> tensors, String key, long[] shape, List<String> problems) {
        Tensor t = tensors.get(key);
        if (t == null) {
            problems.add("missing " + key);
            return null;
        }
        if (!Arrays.equals(t.shape(), shape)) {
            problems.add(key + " is " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
            return null;
        }
        return t.toFloatArray();
    }

    /** The buffers under upstream keys ({@code <prefix>vq.layers.K._codebook.*}), float32. */
    public Map<String, Tensor> tensors(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        int bins = config.bins();
        int d = config.dimension();
        for (int k = 0; k < config.nQ(); k++) {
            String base = prefix + "vq.layers." + k + "._codebook.";
            float[] emb = new float[bins * d];
            float[] avg = new float[bins * d];
            for (int j = 0; j < bins; j++) {
                System.arraycopy(embed[k][j], 0, emb, j * d, d);
                System.arraycopy(embedAvg[k][j], 0, avg, j * d, d);
            }
            out.put(base + "inited", Tensor.ofFloats(base + "inited", new float[] {inited[k] ? 1f : 0f}, 1));
            out.put(base + "cluster_size", Tensor.ofFloats(base + "cluster_size", clusterSize[k].clone(), bins));
            out.put(base + "embed", Tensor.ofFloats(base + "embed", emb, bins, d));
            out.put(base + "embed_avg", Tensor.ofFloats(base + "embed_avg", avg, bins, d));
        }
        return out;
    }

    /** n_q, bins, dimension. */
    public RvqConfig config() {
        return config;
    }

    /** The training settings. */
    public Settings settings() {
        return settings;
    }

    /** Whether stage k has been initialised. */
    public boolean initialised(int k) {
        return inited[k];
    }

    /** Stage k's entry j (a copy). */
    public float[] entry(int k, int j) {
        return embed[k][j].clone();
    }

    /** Stage k's moving-average sum of entry j (a copy). */
    public float[] entrySum(int k, int j) {
        return embedAvg[k][j].clone();
    }

    /** Stage k's moving-average cluster size of entry j. */
    public float clusterSize(int k, int j) {
        return clusterSize[k][j];
    }

    /**
     * One training call on the latent vectors {@code x [N][D]} of a batch (the class comment's steps): codes, the
     * quantised latent and the commitment targets with the codebooks as they were, then the codebook update.
     *
     * @param kmeansSeed seed of an initialisation in this call (stage k uses {@code kmeansSeed + k})
     * @param deadCodes  draws the vectors that replace dead entries
     */
    public Step train(float[][] x, long kmeansSeed, SplittableRandom deadCodes) {
        int n = x.length;
        int d = config.dimension();
        if (n == 0) {
            throw new LockeyException("the quantiser needs at least one latent vector");
        }
        float[][] residual = new float[n][];
        for (int i = 0; i < n; i++) {
            if (x[i].length != d) {
                throw new LockeyException("latent vector " + i + " has " + x[i].length + " components, the quantiser "
                        + "dimension is " + d);
            }
            residual[i] = x[i].clone();
        }
        int nq = config.nQ();
        float[][] sum = new float[n][d];
        float[][][] cumulative = new float[nq][][];
        int[][] codes = new int[nq][];
        int[] replaced = new int[nq];
        boolean[] initialisedNow = new boolean[nq];
        for (int k = 0; k < nq; k++) {
            if (!inited[k]) {
                initialise(k, residual, kmeansSeed + k);
                initialisedNow[k] = true;
            }
            codes[k] = Codebooks.nearest(residual, embed[k]);
            float[][] q = new float[n][];
            for (int i = 0; i < n; i++) {
                q[i] = embed[k][codes[k][i]].clone();              // before this step's update
            }
            replaced[k] = expire(k, residual, deadCodes);
            update(k, residual, codes[k]);
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < d; c++) {
                    residual[i][c] -= q[i][c];
                    sum[i][c] += q[i][c];
                }
            }
            cumulative[k] = new float[n][];
            for (int i = 0; i < n; i++) {
                cumulative[k][i] = sum[i].clone();
            }
        }
        return new Step(sum, cumulative, codes, replaced, initialisedNow);
    }

    /** Upstream {@code init_embed_}: k-means of the stage's first vectors. */
    private void initialise(int k, float[][] vectors, long seed) {
        KMeansCodebooks.Fit fit = KMeansCodebooks.fit(vectors, new RvqConfig(1, config.bins(), config.dimension()),
                settings.kmeansIterations(), seed);
        for (int j = 0; j < config.bins(); j++) {
            embed[k][j] = fit.embed()[0][j].clone();
            embedAvg[k][j] = fit.embed()[0][j].clone();
            clusterSize[k][j] = fit.clusterSize()[0][j];
        }
        inited[k] = true;
    }

    /** Replaces the entries whose moving-average size is below the threshold; returns how many. */
    private int expire(int k, float[][] vectors, SplittableRandom rng) {
        double threshold = settings.deadCodeThreshold();
        if (threshold == 0) {
            return 0;
        }
        int bins = config.bins();
        boolean any = false;
        for (int j = 0; j < bins && !any; j++) {
            any = clusterSize[k][j] < threshold;
        }
        if (!any) {
            return 0;                                   // upstream draws nothing then either
        }
        int[] pick = sample(vectors.length, bins, rng);
        int count = 0;
        float t = (float) threshold;
        for (int j = 0; j < bins; j++) {
            if (clusterSize[k][j] < threshold) {
                float[] s = vectors[pick[j]];
                embed[k][j] = s.clone();
                for (int c = 0; c < s.length; c++) {
                    embedAvg[k][j][c] = t * s[c];
                }
                clusterSize[k][j] = t;
                count++;
            }
        }
        return count;
    }

    /**
     * {@code bins} indices into {@code n} vectors as upstream's {@code sample_vectors} draws them: the first
     * {@code bins} of a random permutation (distinct) when {@code n >= bins}, otherwise independent uniform draws.
     */
    static int[] sample(int n, int bins, SplittableRandom rng) {
        int[] out = new int[bins];
        if (n >= bins) {
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            for (int i = 0; i < bins; i++) {
                int j = i + rng.nextInt(n - i);
                int tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
                out[i] = perm[i];
            }
        } else {
            for (int i = 0; i < bins; i++) {
                out[i] = rng.nextInt(n);
            }
        }
        return out;
    }

    /** The moving averages and the Laplace-smoothed normalisation. */
    private void update(int k, float[][] vectors, int[] codes) {
        int bins = config.bins();
        int d = config.dimension();
        long[] counts = new long[bins];
        double[][] sums = new double[bins][d];
        for (int i = 0; i < vectors.length; i++) {
            int j = codes[i];
            counts[j]++;
            for (int c = 0; c < d; c++) {
                sums[j][c] += vectors[i][c];
            }
        }
        float decay = (float) settings.decay();
        float keep = (float) (1 - settings.decay());            // upstream's alpha = 1 - decay, in double first
        double total = 0;
        for (int j = 0; j < bins; j++) {
            clusterSize[k][j] = clusterSize[k][j] * decay + keep * counts[j];
            total += clusterSize[k][j];
            for (int c = 0; c < d; c++) {
                embedAvg[k][j][c] = embedAvg[k][j][c] * decay + keep * (float) sums[j][c];
            }
        }
        double eps = settings.epsilon();
        for (int j = 0; j < bins; j++) {
            float smoothed = (float) ((clusterSize[k][j] + eps) / (total + bins * eps) * total);
            for (int c = 0; c < d; c++) {
                embed[k][j][c] = embedAvg[k][j][c] / smoothed;
            }
        }
    }
}
