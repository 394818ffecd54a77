package org.lockey.model.encodec;

import org.lockey.LockeyException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A whole EnCodec compression model: sample rate, SEANet encoder/decoder arguments and quantizer
 * arguments (audiocraft {@code EncodecModel}; transformers {@code EncodecConfig}). Stored beside an
 * imported checkpoint as {@code encodec.json}:
 * {@code {"sample_rate": 32000, "seanet": {...upstream SEANet names...}, "rvq": {"n_q": 4, ...}}}.
 *
 * @param sampleRate audio samples per second
 * @param seanet     encoder and decoder arguments
 * @param rvq        quantizer arguments; its dimension must equal the SEANet latent dimension
 */
public record CompressionConfig(int sampleRate, SeanetConfig seanet, RvqConfig rvq) {

    public CompressionConfig {
        if (sampleRate < 1) {
            throw new LockeyException("invalid sample rate " + sampleRate);
        }
        if (rvq.dimension() != seanet.dimension()) {
            throw new LockeyException("quantizer dimension " + rvq.dimension() + " != SEANet dimension "
                    + seanet.dimension() + " (upstream would need project_in/out, which EnCodec does not use)");
        }
    }

    /** MusicGen's 32 kHz tokenizer (audiocraft {@code encodec_large_nq4_s640}, constant padding). */
    public static CompressionConfig musicgen32k() {
        return new CompressionConfig(32_000, SeanetConfig.musicgen32k(), RvqConfig.musicgen32k());
    }

    /** Latent frames per second: ceil(sample_rate / hop), as upstream's {@code frame_rate}. */
    public int frameRate() {
        int hop = seanet.hopLength();
        return (sampleRate + hop - 1) / hop;
    }

    /** Reads this record's own JSON form (see the class comment). */
    public static CompressionConfig fromJson(JsonNode n) {
        if (n == null || !n.isObject() || !n.has("seanet") || !n.has("rvq")) {
            throw new LockeyException("EnCodec config needs 'sample_rate', 'seanet' and 'rvq'");
        }
        return new CompressionConfig(SeanetConfig.integer(n, "sample_rate", 0), SeanetConfig.fromJson(n.get("seanet")),
                RvqConfig.fromJson(n.get("rvq")));
    }

    /**
     * Reads a transformers {@code EncodecConfig} ({@code config.json} of {@code facebook/encodec_32khz}).
     * Note that HF's 32 kHz config says {@code pad_mode "reflect"} while audiocraft trained the same
     * weights with {@code constant} padding (see {@code docs/encodec.md}); the value in the file is used.
     */
    public static CompressionConfig fromHuggingFace(JsonNode n) {
        return new CompressionConfig(SeanetConfig.integer(n, "sampling_rate", 24_000), SeanetConfig.fromHuggingFace(n),
                RvqConfig.fromHuggingFace(n));
    }

    /** This record as JSON. */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("sample_rate", sampleRate);
        n.set("seanet", seanet.toJson());
        n.set("rvq", rvq.toJson());
        return n;
    }
}
