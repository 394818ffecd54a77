package org.lockey.model.encodec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.lockey.LockeyException;
import org.lockey.io.Tensor;

/**
 * Residual-VQ codebooks fitted to a set of latent vectors by k-means, one greedy residual stage after
 * the other: stage 0 clusters the latents, stage i clusters what stages 0..i-1 left over. This is how
 * a frozen quantiser is made for an encoder that has no trained codebooks (a seeded random encoder):
 * codebooks drawn at random (upstream's {@code kmeans_init=False}, kaiming-uniform) do not sit where
 * the encoder's latents are, so most entries would never be used.
 *
 * <p>Upstream facts this follows (audiocraft {@code quantization/core_vq.py}; facebookresearch/encodec
 * has the same functions): with {@code kmeans_init} each {@code EuclideanCodebook} runs
 * {@code kmeans(data, bins, kmeans_iters)} once, on the vectors it receives in the first training
 * batch ({@code init_embed_}); the first codebook receives the latents and each later one the residual
 * {@code x - quantized} of the stages before it ({@code ResidualVectorQuantization.forward}), so the
 * stages are initialised greedily in order. {@code kmeans} starts from {@code bins} distinct
 * randomly chosen vectors ({@code sample_vectors}: a random permutation's first {@code bins}, or draws
 * with replacement when there are fewer vectors than bins), then alternates nearest-mean assignment
 * (squared Euclidean) and mean update; a cluster that receives no vector keeps its previous mean. After
 * the fit {@code embed} and {@code embed_avg} are the means, {@code cluster_size} the vector counts of
 * the last assignment, {@code inited} 1. audiocraft's EnCodec configs use {@code kmeans_iters: 50}
 * ({@code config/model/encodec/default.yaml}).
 *
 * <p>Differences, on purpose: the fit sees every vector given (the latents of a whole training split),
 * not one batch, and draws from a seeded {@link SplittableRandom} instead of torch's generator, so
 * the same seed gives the same codebooks on any machine. Assignment uses {@link Codebooks}'s nearest
 * search (double precision, lowest index on a tie), so the codes a fitted quantiser later produces are
 * the assignments the fit computed. The EMA updates upstream applies during training
 * ({@code decay}, dead-code expiry) are not part of this: the codebooks stay as fitted.
 */
public final class KMeansCodebooks {
    /** audiocraft's {@code kmeans_iters} for EnCodec. */
    public static final int UPSTREAM_ITERATIONS = 50;
    /** Rows per distance block, so the [rows, bins] distance matrix stays small for big codebooks. */
    private static final int BLOCK = 4096;

    private KMeansCodebooks() {
    }

    /**
     * The fitted codebooks.
     *
     * @param config      n_q, bins, dimension
     * @param embed       [n_q][bins][D] the cluster means
     * @param clusterSize [n_q][bins] vectors per cluster in each stage's last assignment
     * @param stageError  [n_q] mean squared residual per vector, sum over the D components, after
     *                    stages 0..i (the quantisation error with i + 1 codebooks)
     * @param energy      mean squared norm of the input vectors (the error with no codebook)
     */
    public record Fit(RvqConfig config, float[][][] embed, long[][] clusterSize, double[] stageError, double energy) {

        /**
         * The quantiser's state-dict buffers under {@code prefix} (e.g. {@code "quantizer."}):
         * {@code vq.layers.K._codebook.{inited, cluster_size, embed, embed_avg}} with upstream's shapes
         * [1], [bins], [bins, D], [bins, D], set as upstream's {@code init_embed_} sets them.
         */
        public Map<String, Tensor> tensors(String prefix) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            int bins = config.bins();
            int d = config.dimension();
            for (int k = 0; k < config.nQ(); k++) {
                String base = prefix + "vq.layers." + k + "._codebook.";
                float[] flat = new float[bins * d];
                float[] sizes = new float[bins];
                for (int j = 0; j < bins; j++) {
                    System.arraycopy(embed[k][j], 0, flat, j * d, d);
                    sizes[j] = clusterSize[k][j];
                }
                out.put(base + "inited", Tensor.ofFloats(base + "inited", new float[] {1f}, 1));
                out.put(base + "cluster_size", Tensor.ofFloats(base + "cluster_size", sizes, bins));
                out.put(base + "embed", Tensor.ofFloats(base + "embed", flat, bins, d));
                out.put(base + "embed_avg", Tensor.ofFloats(base + "embed_avg", flat.clone(), bins, d));
            }
            return out;
        }
    }

    /**
     * Fits n_q codebooks of {@code bins} entries to {@code vectors} [N][D], greedily stage by stage.
     *
     * @param iterations k-means iterations per stage (upstream: {@link #UPSTREAM_ITERATIONS})
     * @param seed       seed of the initial means (stage i draws from its own stream)
     */
    public static Fit fit(float[][] vectors, RvqConfig config, int iterations, long seed) {
        int n = vectors.length;
        int d = config.dimension();
        if (n == 0) {
            throw new LockeyException("k-means needs at least one latent vector");
        }
        if (iterations < 1) {
            throw new LockeyException("k-means needs at least one iteration, got " + iterations);
        }
        float[][] residual = new float[n][];
        double energy = 0;
        for (int i = 0; i < n; i++) {
            if (vectors[i].length != d) {
                throw new LockeyException("latent vector " + i + " has " + vectors[i].length
                        + " components, the quantizer dimension is " + d);
            }
            residual[i] = vectors[i].clone();
            energy += squaredNorm(residual[i]);
        }
        float[][][] embed = new float[config.nQ()][][];
        long[][] sizes = new long[config.nQ()][];
        double[] stageError = new double[config.nQ()];
        for (int k = 0; k < config.nQ(); k++) {
            sizes[k] = new long[config.bins()];
            embed[k] = kmeans(residual, config.bins(), iterations, new SplittableRandom(seed * 31 + k), sizes[k]);
            // The stage's codes as encoding will compute them (nearest final mean), then the residual
            // update in float32, exactly as Codebooks#encode does it.
            int[] codes = assign(residual, embed[k]);
            double err = 0;
            for (int i = 0; i < n; i++) {
                float[] e = embed[k][codes[i]];
                for (int c = 0; c < d; c++) {
                    residual[i][c] -= e[c];
                }
                err += squaredNorm(residual[i]);
            }
            stageError[k] = err / n;
        }
        return new Fit(config, embed, sizes, stageError, energy / n);
    }

    /**
     * Lloyd's k-means from {@code k} randomly chosen vectors (distinct when there are at least k).
     *
     * @param counts receives the vector count of each cluster in the last assignment
     * @return the k means [k][D]
     */
    static float[][] kmeans(float[][] x, int k, int iterations, SplittableRandom rng, long[] counts) {
        int n = x.length;
        int d = x[0].length;
        float[][] means = new float[k][];
        if (n >= k) {
            // The first k entries of a uniformly random permutation (partial Fisher-Yates).
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            for (int i = 0; i < k; i++) {
                int j = i + rng.nextInt(n - i);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
                means[i] = x[perm[i]].clone();
            }
        } else {
            for (int i = 0; i < k; i++) {
                means[i] = x[rng.nextInt(n)].clone();
            }
        }
        for (int it = 0; it < iterations; it++) {
            int[] a = assign(x, means);
            double[][] sums = new double[k][d];
            java.util.Arrays.fill(counts, 0);
            for (int i = 0; i < n; i++) {
                counts[a[i]]++;
                double[] s = sums[a[i]];
                for (int c = 0; c < d; c++) {
                    s[c] += x[i][c];
                }
            }
            for (int j = 0; j < k; j++) {
                if (counts[j] > 0) {                 // an empty cluster keeps its mean, as upstream
                    for (int c = 0; c < d; c++) {
                        means[j][c] = (float) (sums[j][c] / counts[j]);
                    }
                }
            }
        }
        return means;
    }

    /** The nearest mean of every vector, in blocks of rows. */
    private static int[] assign(float[][] x, float[][] means) {
        int[] out = new int[x.length];
        for (int from = 0; from < x.length; from += BLOCK) {
            int to = Math.min(x.length, from + BLOCK);
            int[] part = Codebooks.nearest(java.util.Arrays.copyOfRange(x, from, to), means);
            System.arraycopy(part, 0, out, from, part.length);
        }
        return out;
    }

    /**
     * The frames of several latents [D][T_i] as one list of vectors [sum T_i][D] (the layout the fit
     * takes).
     */
    public static float[][] frames(List<float[][]> latents) {
        List<float[]> rows = new ArrayList<>();
        for (float[][] z : latents) {
            int d = z.length;
            int t = z[0].length;
            for (int f = 0; f < t; f++) {
                float[] v = new float[d];
                for (int c = 0; c < d; c++) {
                    v[c] = z[c][f];
                }
                rows.add(v);
            }
        }
        return rows.toArray(new float[0][]);
    }

    /**
     * A copy of {@code codec} whose quantiser is the fitted one: every {@code quantizer.} tensor is
     * replaced, encoder and decoder are kept.
     */
    public static Encodec withCodebooks(Encodec codec, Fit fit, String sourceName) {
        if (!fit.config().equals(codec.config().rvq())) {
            throw new LockeyException("fitted codebooks " + fit.config() + " do not match the codec's quantizer "
                    + codec.config().rvq());
        }
        Map<String, Tensor> w = new LinkedHashMap<>();
        codec.weights().forEach((k, t) -> {
            if (!k.startsWith("quantizer.")) {
                w.put(k, t);
            }
        });
        w.putAll(fit.tensors("quantizer."));
        return Encodec.of(codec.config(), w, sourceName);
    }

    private static double squaredNorm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return s;
    }
}
