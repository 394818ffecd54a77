package org.lockey.model.encodec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The RVQ codebooks as plain arrays, with upstream's greedy residual encode and summing decode
 * ({@code encodec/quantization/core_vq.py: ResidualVectorQuantization.encode/decode},
 * {@code EuclideanCodebook.quantize}). Layout follows upstream: codes are {@code [n_q][B][T]},
 * latents {@code [B][D][T]}.
 *
 * <p>Encode, stage i, every frame: {@code code = argmin_j ||r - embed_i[j]||^2}, then
 * {@code r <- r - embed_i[code]}, starting from r = latent. Upstream evaluates the distance in float32
 * as {@code |r|^2 - 2 r.e + |e|^2}; here it is evaluated in double (an exact-enough reference that can
 * only differ from upstream at float32 near-ties) and an exact tie goes to the lowest index. The residual
 * update is done in float32 exactly as upstream does it.
 */
public final class Codebooks {
    private final RvqConfig config;
    private final float[][][] embed; // [n_q][bins][D]

    private Codebooks(RvqConfig config, float[][][] embed) {
        this.config = config;
        this.embed = embed;
    }

    /**
     * Reads {@code <prefix>vq.layers.K._codebook.embed} for K < n_q from checkpoint tensors, reporting
     * every missing or mis-shaped codebook at once.
     *
     * @param prefix e.g. {@code "quantizer."} in a full checkpoint, {@code ""} in the golden files
     */
    public static Codebooks from(Map<String, Tensor> weights, String prefix, RvqConfig config, String sourceName) {
        float[][][] e = new float[config.nQ()][][];
        List<String> problems = new ArrayList<>();
        long[] want = {config.bins(), config.dimension()};
        for (int k = 0; k < config.nQ(); k++) {
            String key = prefix + "vq.layers." + k + "._codebook.embed";
            Tensor t = weights.get(key);
            if (t == null) {
                problems.add("missing " + key);
            } else if (!Arrays.equals(t.shape(), want)) {
                problems.add(key + " is " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(want));
            } else {
                float[] flat = t.toFloatArray();
                e[k] = new float[config.bins()][config.dimension()];
                for (int j = 0; j < config.bins(); j++) {
                    System.arraycopy(flat, j * config.dimension(), e[k][j], 0, config.dimension());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new LockeyException(sourceName + ": codebooks do not match the quantizer config: "
                    + String.join("; ", problems));
        }
        return new Codebooks(config, e);
    }

    /** The quantizer config. */
    public RvqConfig config() {
        return config;
    }

    /** Codebook k, entry j (a copy). */
    public float[] entry(int k, int j) {
        return embed[k][j].clone();
    }

    /**
     * Throws a {@link LockeyException} unless {@code codes} is [k][B][T] with 1 <= k <= n_q, equal
     * B and T throughout, and every value in [0, bins).
     */
    public void checkCodes(long[][][] codes) {
        if (codes.length == 0 || codes.length > config.nQ()) {
            throw new LockeyException("codes have " + codes.length + " codebooks; the quantizer has n_q = "
                    + config.nQ() + " (1.." + config.nQ() + " allowed)");
        }
        int b = codes[0].length;
        int t = b == 0 ? 0 : codes[0][0].length;
        for (int k = 0; k < codes.length; k++) {
            if (codes[k].length != b) {
                throw new LockeyException("codes: codebook " + k + " has batch " + codes[k].length + ", codebook 0 has " + b);
            }
            for (int n = 0; n < b; n++) {
                if (codes[k][n].length != t) {
                    throw new LockeyException("codes: codebook " + k + " item " + n + " has " + codes[k][n].length
                            + " frames, expected " + t);
                }
                for (int f = 0; f < t; f++) {
                    long v = codes[k][n][f];
                    if (v < 0 || v >= config.bins()) {
                        throw new LockeyException("codes[" + k + "][" + n + "][" + f + "] = " + v + " is outside [0, "
                                + config.bins() + ")");
                    }
                }
            }
        }
    }

    /** Latent [B][D][T] from codes [k][B][T]: the float32 sum, in stage order, of the looked-up entries. */
    public float[][][] decode(long[][][] codes) {
        checkCodes(codes);
        int b = codes[0].length;
        int t = b == 0 ? 0 : codes[0][0].length;
        int d = config.dimension();
        float[][][] out = new float[b][d][t];
        for (int k = 0; k < codes.length; k++) {
            for (int n = 0; n < b; n++) {
                for (int f = 0; f < t; f++) {
                    float[] e = embed[k][(int) codes[k][n][f]];
                    for (int c = 0; c < d; c++) {
                        out[n][c][f] += e[c];
                    }
                }
            }
        }
        return out;
    }

    /** Codes [n_q][B][T] for a latent [B][D][T] (all n_q stages, upstream's bandwidth None). */
    public long[][][] encode(float[][][] latent) {
        int b = latent.length;
        int d = config.dimension();
        if (b == 0) {
            throw new LockeyException("latent has an empty batch");
        }
        if (latent[0].length != d) {
            throw new LockeyException("latent has " + latent[0].length + " channels but the quantizer dimension is " + d);
        }
        int t = latent[0][0].length;
        // Residuals as rows [B T][D], float32 as upstream keeps them.
        float[][] r = new float[b * t][d];
        for (int n = 0; n < b; n++) {
            if (latent[n].length != d) {
                throw new LockeyException("latent item " + n + " has " + latent[n].length + " channels, expected " + d);
            }
            for (int c = 0; c < d; c++) {
                if (latent[n][c].length != t) {
                    throw new LockeyException("latent item " + n + " channel " + c + " has " + latent[n][c].length
                            + " frames, expected " + t);
                }
                for (int f = 0; f < t; f++) {
                    r[n * t + f][c] = latent[n][c][f];
                }
            }
        }
        long[][][] codes = new long[config.nQ()][b][t];
        for (int k = 0; k < config.nQ(); k++) {
            int[] best = nearest(r, embed[k]);
            for (int row = 0; row < r.length; row++) {
                float[] e = embed[k][best[row]];
                for (int c = 0; c < d; c++) {
                    r[row][c] -= e[c];
                }
                codes[k][row / t][row % t] = best[row];
            }
        }
        return codes;
    }

    /**
     * For each row of {@code r} the index of the nearest codebook entry: argmin_j |e_j|^2 - 2 r.e_j
     * (|r|^2 is common to all j), in double precision; on an exact tie the lowest j. Shared with
     * {@link KMeansCodebooks}, so that the fit assigns vectors exactly as encoding later does, and public for
     * {@code train.LearnedCodebooks}, so that codec training quantises exactly as encoding does.
     *
     * @param r    rows [N][D]
     * @param book codebook [bins][D]
     */
    public static int[] nearest(float[][] r, float[][] book) {
        int bins = book.length;
        int d = book[0].length;
        INDArray em = Nd4j.createFromArray(book).castTo(DataType.DOUBLE);        // [bins, D]
        double[] norms = new double[bins];
        for (int j = 0; j < bins; j++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                s += (double) book[j][c] * book[j][c];
            }
            norms[j] = s;
        }
        int[] best = new int[r.length];
        // rows in blocks: the products of an hour of latent frames with 1024 codes would take 1.5 GB at once
        for (int from = 0; from < r.length; from += NEAREST_BLOCK_ROWS) {
            int to = Math.min(r.length, from + NEAREST_BLOCK_ROWS);
            INDArray rows = Nd4j.createFromArray(java.util.Arrays.copyOfRange(r, from, to));
            INDArray rm = rows.castTo(DataType.DOUBLE);
            INDArray dots = rm.mmul(em.transpose());                              // [rows, bins]
            // One bulk copy of the row-major products: toDoubleMatrix() reads element by element and took
            // ~0.4 s for 4096 x 256 here, ten times the product itself.
            INDArray rowMajor = dots.dup('c');
            double[] dot = rowMajor.data().asDouble();
            // The block's native arrays (about 100 MB) now, not when the garbage collector gets to them: an hour of
            // frames is 176 blocks over four codebooks, and waiting took `codec encode` of an hour to 3 GB.
            for (INDArray a : new INDArray[] {rows, rm, dots, rowMajor}) {
                a.close();
            }
            for (int i = from; i < to; i++) {
                double bestScore = Double.POSITIVE_INFINITY;
                int row = (i - from) * bins;
                for (int j = 0; j < bins; j++) {
                    double score = norms[j] - 2 * dot[row + j];
                    if (score < bestScore) {
                        bestScore = score;
                        best[i] = j;
                    }
                }
            }
        }
        em.close();
        return best;
    }

    /** Rows per block of {@link #nearest}. */
    static final int NEAREST_BLOCK_ROWS = 4096;
}
