package org.lockey.model.encodec;

import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.lockey.LockeyException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The constructor arguments of EnCodec's {@code ResidualVectorQuantizer}
 * ({@code encodec/quantization/vq.py}; audiocraft {@code quantization/vq.py}) that shape inference.
 * The training-only arguments {@code decay}, {@code kmeans_init}, {@code kmeans_iters} and
 * {@code threshold_ema_dead_code} are accepted in JSON and ignored: they only drive the codebook
 * EMA updates and never change encode or decode.
 *
 * @param nQ        [n_q] number of residual codebooks
 * @param bins      [bins] entries per codebook (HF {@code codebook_size})
 * @param dimension [dimension] vector dimension, equal to the SEANet latent D (HF {@code codebook_dim})
 */
public record RvqConfig(int nQ, int bins, int dimension) {

    /** Every JSON key {@link #fromJson} understands. */
    public static final Set<String> KEYS = Set.of("n_q", "bins", "dimension", "decay", "kmeans_init", "kmeans_iters",
            "threshold_ema_dead_code");

    public RvqConfig {
        if (nQ < 1 || bins < 1 || dimension < 1) {
            throw new LockeyException("invalid RVQ config: n_q " + nQ + ", bins " + bins + ", dimension " + dimension);
        }
    }

    /** MusicGen 32 kHz: 4 codebooks of 2048 entries of dimension 128 (2.2 kbps at 50 frames/s). */
    public static RvqConfig musicgen32k() {
        return new RvqConfig(4, 2048, 128);
    }

    /** Reads upstream arguments field by field (defaults: n_q 8, bins 1024, dimension 256, as upstream). */
    public static RvqConfig fromJson(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new LockeyException("RVQ config must be a JSON object");
        }
        TreeSet<String> unknown = new TreeSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new LockeyException("RVQ config: unknown keys " + unknown);
        }
        return new RvqConfig(SeanetConfig.integer(n, "n_q", 8), SeanetConfig.integer(n, "bins", 1024),
                SeanetConfig.integer(n, "dimension", 256));
    }

    /**
     * Reads transformers' {@code EncodecConfig}: bins = {@code codebook_size} (default 1024),
     * dimension = {@code codebook_dim} (default {@code hidden_size}, 128), and n_q as HF derives
     * {@code num_quantizers}: {@code floor(1000 * target_bandwidths[-1] / (frame_rate * 10))} with
     * {@code frame_rate = ceil(sampling_rate / prod(upsampling_ratios))}; for 32 kHz,
     * 2200 / 500 -> 4.
     */
    public static RvqConfig fromHuggingFace(JsonNode n) {
        int hidden = SeanetConfig.integer(n, "hidden_size", 128);
        int dim = SeanetConfig.integer(n, "codebook_dim", hidden);
        int bins = SeanetConfig.integer(n, "codebook_size", 1024);
        int sr = SeanetConfig.integer(n, "sampling_rate", 24_000);
        List<Integer> ratios = SeanetConfig.intList(n, "upsampling_ratios", List.of(8, 5, 4, 2));
        int hop = ratios.stream().reduce(1, (a, b) -> a * b);
        long frameRate = (sr + hop - 1) / hop;
        JsonNode bw = n.get("target_bandwidths");
        double maxBandwidth = 24.0;
        if (bw != null && bw.isArray() && bw.size() > 0) {
            maxBandwidth = bw.get(bw.size() - 1).asDouble();
        }
        int nQ = (int) Math.floor(1000 * maxBandwidth / (frameRate * 10));
        return new RvqConfig(nQ, bins, dim);
    }

    /** The upstream arguments as JSON. */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("n_q", nQ);
        n.put("bins", bins);
        n.put("dimension", dimension);
        return n;
    }
}
