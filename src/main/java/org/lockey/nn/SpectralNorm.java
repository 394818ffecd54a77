package org.lockey.nn;

import java.util.Arrays;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Spectral normalisation as {@code torch.nn.utils.spectral_norm(module)} computes it (defaults: one
 * power iteration per training forward, eps 1e-12, dim 0), as eager ND4J arithmetic. Miyato et al.,
 * "Spectral Normalization for Generative Adversarial Networks" (ICLR 2018), Algorithm 1:
 * {@code W_SN = W / sigma(W)}, the largest singular value sigma of the weight matrix
 * {@code W_mat = W.reshape(shape[0], -1)} ({@code [h, w]}) estimated by power iteration.
 *
 * <p>State-dict keys: {@code weight_orig} (the trainable W, upstream shape), {@code weight_u}
 * {@code [h]} and {@code weight_v} {@code [w]} (buffers: the current left and right singular-vector
 * estimates). A training forward first runs, without gradient,
 * <pre>
 *   v = normalize(W_mat^T u);   u = normalize(W_mat v)        normalize(a) = a / max(||a||_2, eps)
 * </pre>
 * updating the buffers, then uses {@code sigma = u . (W_mat v)}. An eval forward skips the
 * iteration. The gradient treats u and v as constants (torch computes them under {@code no_grad}), so
 * with {@code G = dL/dW_SN}: {@code dL/dW = G / sigma - (<G, W> / sigma^2) u v^T} ({@link #backward}).
 *
 * <p>{@link NormedWeight} uses these to keep the reparametrisation outside the SameDiff graph.
 */
public final class SpectralNorm {
    /** {@code torch.nn.utils.spectral_norm}'s default eps of {@code F.normalize}. */
    public static final double EPS = 1e-12;

    private SpectralNorm() {
    }

    /** The initial u and v without a checkpoint: {@code normalize(N(0, 1) draws)}, as torch's {@code SpectralNorm.apply}. */
    public static Init normalisedNormal() {
        return (s, rng) -> {
            double[] v = Init.normal(1.0).values(s, rng);
            double ss = 0;
            for (double e : v) {
                ss += e * e;
            }
            double n = Math.max(Math.sqrt(ss), EPS);
            for (int i = 0; i < v.length; i++) {
                v[i] /= n;
            }
            return v;
        };
    }

    /**
     * One power iteration in place: {@code v = normalize(W^T u)}, then {@code u = normalize(W v)}.
     *
     * @param weightMat {@code [h, w]}
     * @param u         {@code [h]}, updated
     * @param v         {@code [w]}, updated
     */
    public static void powerIteration(INDArray weightMat, INDArray u, INDArray v) {
        long h = weightMat.size(0);
        long w = weightMat.size(1);
        if (u.length() != h || v.length() != w) {
            throw new IllegalArgumentException("power iteration: W " + Arrays.toString(weightMat.shape()) + ", u "
                    + u.length() + ", v " + v.length());
        }
        INDArray nv = weightMat.transpose().mmul(u.reshape(h, 1).castTo(weightMat.dataType())).reshape(w);
        v.assign(nv.divi(Math.max(nv.norm2Number().doubleValue(), EPS)));
        INDArray nu = weightMat.mmul(v.reshape(w, 1).castTo(weightMat.dataType())).reshape(h);
        u.assign(nu.divi(Math.max(nu.norm2Number().doubleValue(), EPS)));
    }

    /** {@code sigma = u . (W_mat v)}. */
    public static double sigma(INDArray weightMat, INDArray u, INDArray v) {
        INDArray wv = weightMat.mmul(v.reshape(v.length(), 1).castTo(weightMat.dataType()));     // [h, 1]
        return wv.reshape(u.length()).mul(u.castTo(weightMat.dataType())).sumNumber().doubleValue();
    }

    /**
     * The chain rule through {@code W_SN = W / sigma}, sigma = {@code u . (W_mat v)} with u, v fixed:
     * {@code dL/dW = G / sigma - (<G, W> / sigma^2) u v^T}, in W's shape.
     *
     * @param weight   W, upstream shape
     * @param u        {@code [h]} used for this sigma
     * @param v        {@code [w]} used for this sigma
     * @param sigma    {@code u . (W_mat v)}
     * @param gradWsn  {@code G = dL/dW_SN}, W's shape (any strides)
     * @return a new array of W's shape
     */
    public static INDArray backward(INDArray weight, INDArray u, INDArray v, double sigma, INDArray gradWsn) {
        long h = u.length();
        long w = v.length();
        INDArray out = Nd4j.createUninitialized(weight.dataType(), weight.shape()).assign(gradWsn);
        INDArray g = out.reshape(h, w);                                                     // G as [h, w]
        INDArray prod = g.mul(weight.reshape(h, w));
        double inner = prod.sumNumber().doubleValue();                                      // <G, W>
        prod.close();
        INDArray uvT = u.castTo(weight.dataType()).reshape(h, 1).mmul(v.castTo(weight.dataType()).reshape(1, w));
        g.divi(sigma).subi(uvT.muli(inner / (sigma * sigma)));
        uvT.close();
        return out;
    }
}
