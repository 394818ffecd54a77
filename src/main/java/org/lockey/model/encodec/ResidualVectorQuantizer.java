package org.lockey.model.encodec;

import java.util.ArrayList;
import java.util.List;

import org.lockey.nn.Init;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * EnCodec's residual vector quantizer as a graph module ({@code encodec/quantization/vq.py:
 * ResidualVectorQuantizer} over {@code core_vq.py: ResidualVectorQuantization, VectorQuantization,
 * EuclideanCodebook}). Decoding is {@code latent = sum_i embed_i[codes_i]}; project_in/out are the
 * identity because the codebook dimension equals the latent dimension.
 *
 * <p>Keys (state-dict buffers, updated upstream by EMA during training and never by gradients, so
 * they are graph constants here): {@code vq.layers.K._codebook.inited} [1],
 * {@code vq.layers.K._codebook.cluster_size} [bins], {@code vq.layers.K._codebook.embed} [bins, D],
 * {@code vq.layers.K._codebook.embed_avg} [bins, D]. Only {@code embed} is read; the others are
 * created so that the model's key set equals upstream's.
 *
 * <p>The lookup is {@code oneHot(codes) . embed}: the gather op's backward pass throws in SameDiff
 * M2.1, and a one-hot product is exact (every other term is an exact zero). Encoding (a greedy argmin)
 * has no gradient upstream either and runs outside the graph, in {@link Codebooks#encode}.
 *
 * @param config n_q, bins, dimension
 */
public record ResidualVectorQuantizer(RvqConfig config) {

    /**
     * Creates the codebook buffers under {@code scope} ({@code quantizer} in a full model, the root in
     * the golden files) and returns the {@code embed} of each codebook, [bins, D].
     */
    public List<SDVariable> codebooks(Scope scope) {
        int bins = config.bins();
        int dim = config.dimension();
        // Upstream's kmeans_init=False initialisation: kaiming_uniform_ (a = 0) on [bins, D], i.e.
        // U(-sqrt(6 / D), sqrt(6 / D)); a checkpoint normally replaces it.
        Init uniform = Init.uniform(Math.sqrt(6.0 / dim));
        List<SDVariable> embeds = new ArrayList<>();
        for (int k = 0; k < config.nQ(); k++) {
            Scope cb = scope.child("vq").child("layers").child(k).child("_codebook");
            cb.buffer("inited", Init.ones(), 1);
            cb.buffer("cluster_size", Init.zeros(), bins);
            embeds.add(cb.buffer("embed", uniform, bins, dim));
            cb.buffer("embed_avg", uniform, bins, dim);
        }
        return embeds;
    }

    /**
     * Adds the codebooks under {@code scope} and decodes: codes [k, B, T] (integers in [0, bins),
     * k <= n_q codebooks, as upstream allows fewer for a lower bandwidth) -> latent [B, D, T].
     * Codes fed at run time must be checked with {@link Codebooks#checkCodes} first: a one-hot of an
     * out-of-range index is silently all zeros.
     */
    public SDVariable decode(Scope scope, SDVariable codes, int k, long batch, long frames) {
        if (k < 1 || k > config.nQ()) {
            throw new IllegalArgumentException(k + " codebooks requested, the quantizer has " + config.nQ());
        }
        SameDiff sd = scope.sd();
        List<SDVariable> embeds = codebooks(scope);
        SDVariable sum = null;
        for (int i = 0; i < k; i++) {
            SDVariable idx = codes.get(SDIndex.point(i)).reshape(batch * frames);             // [B T]
            SDVariable oneHot = sd.oneHot(idx, config.bins(), -1, 1.0, 0.0, scope.dtype());   // [B T, bins]
            SDVariable q = oneHot.mmul(embeds.get(i));                                         // [B T, D]
            // Stages are added in order, as upstream accumulates quantized_out.
            sum = sum == null ? q : sum.add(q);
        }
        return sum.reshape(batch, frames, config.dimension()).permute(0, 2, 1);               // [B, D, T]
    }
}
