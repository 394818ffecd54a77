package org.lockey.model.silentcipher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.nn.BatchNorm2d;
import org.nd4j.linalg.api.buffer.DataType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A trained watermark model directory, as written by {@code ./lockey train watermark} and read by
 * {@code ./lockey watermark embed|detect|eval}:
 * <ul>
 * <li>{@value #MODEL_FILE}: the three networks' state dict under upstream keys ({@code enc_c.*},
 * {@code dec_c.*}, {@code dec_m_0.*}, BatchNorm running statistics included), metadata
 * {@code kind = watermark}, {@code format}, {@code config} (the JSON below);</li>
 * <li>{@value #CONFIG_FILE}: {@code {"kind": "watermark", "format": "lockey.silentcipher/1",
 * "payload_bits": 16, "bn_mode": "batch_statistics" | "running_statistics", "detect_threshold": t,
 * "silentcipher": {SilentCipherConfig#toJson}, "training": {...}}}.</li>
 * </ul>
 * Each file is written atomically; {@link #load} refuses a directory of another kind (e.g. a HiFi-GAN
 * model) with a one-line error.
 *
 * @param config          the SilentCipher hyper-parameters (message decoder size included)
 * @param payloadBits     bits of the payload the model carries ({@link PayloadCodec})
 * @param bnMode          the BatchNorm statistics used at inference
 * @param detectThreshold the confidence below which {@code watermark detect} reports no watermark
 * @param weights         the state dict
 * @param training        what trained it (free-form, for provenance), may be empty
 */
public record WatermarkModel(SilentCipherConfig config, int payloadBits, BatchNorm2d.Mode bnMode,
        double detectThreshold, Map<String, Tensor> weights, ObjectNode training) {
    /** The {@code kind} of a watermark model. */
    public static final String KIND = "watermark";
    /** The format tag. */
    public static final String FORMAT = "lockey.silentcipher/1";
    /** The weights file. */
    public static final String MODEL_FILE = "model.safetensors";
    /** The config file. */
    public static final String CONFIG_FILE = "config.json";
    /**
     * The default detection threshold on {@link PayloadCodec.Decoded#confidence}: chosen above the
     * confidences measured on unwatermarked audio (see {@code docs/silentcipher.md}, "Detection
     * threshold").
     */
    public static final double DEFAULT_DETECT_THRESHOLD = 0.6;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public WatermarkModel {
        if (config.messageDim() != PayloadCodec.MESSAGE_DIM
                || config.messageLen() != new PayloadCodec(payloadBits).period()) {
            throw new LockeyException("a " + payloadBits + "-bit watermark needs message_dim " + PayloadCodec.MESSAGE_DIM
                    + " and message_len " + new PayloadCodec(payloadBits).period() + ", the config has "
                    + config.messageDim() + " and " + config.messageLen());
        }
        if (!(detectThreshold >= 0 && detectThreshold <= 1)) {
            throw new LockeyException("detect threshold " + detectThreshold + " is not in [0, 1]");
        }
        weights = Map.copyOf(weights);
        training = training == null ? JSON.createObjectNode() : training.deepCopy();
    }

    /** The model's sample rate. */
    public int sampleRate() {
        return config.sampleRate();
    }

    /** The payload codec. */
    public PayloadCodec codec() {
        return new PayloadCodec(payloadBits);
    }

    /** An inference model (frozen weights, this model's BatchNorm mode, float32). */
    public SilentCipher silentCipher() {
        return SilentCipher.load(config, weights, MODEL_FILE, bnMode, DataType.FLOAT);
    }

    /** The {@value #CONFIG_FILE} content. */
    public ObjectNode configJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("kind", KIND);
        n.put("format", FORMAT);
        n.put("payload_bits", payloadBits);
        n.put("bn_mode", bnMode.name().toLowerCase(Locale.ROOT));
        n.put("detect_threshold", detectThreshold);
        n.set("silentcipher", config.toJson());
        n.set("training", training);
        return n;
    }

    /** Writes {@value #MODEL_FILE} and {@value #CONFIG_FILE} into {@code dir}, each atomically. */
    public void save(Path dir) {
        String json;
        try {
            json = JSON.writeValueAsString(configJson()) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("kind", KIND);
        meta.put("format", FORMAT);
        meta.put("config", configJson().toString());
        SafeTensors.write(dir.resolve(MODEL_FILE), new TreeMap<>(weights), meta);
        AtomicFiles.writeString(dir.resolve(CONFIG_FILE), json);
    }

    /**
     * Reads a model directory.
     *
     * @throws LockeyException when it is missing, of another kind, or inconsistent
     */
    public static WatermarkModel load(Path dir) {
        Path cfg = dir.resolve(CONFIG_FILE);
        if (!Files.isDirectory(dir) || !Files.exists(cfg)) {
            throw new LockeyException(dir + ": not a model directory (no " + CONFIG_FILE + ")");
        }
        JsonNode n;
        try {
            n = JSON.readTree(cfg.toFile());
        } catch (IOException e) {
            throw new LockeyException(cfg + ": not valid JSON (" + e.getMessage() + ")");
        }
        String kind = n.path("kind").asText("");
        if (!KIND.equals(kind)) {
            throw new LockeyException(dir + ": not a watermark model (" + (kind.isEmpty() ? "config.json has no 'kind'"
                    : "kind '" + kind + "'") + "; train one with ./lockey train watermark)");
        }
        if (!n.path("payload_bits").canConvertToExactIntegral()) {
            throw new LockeyException(cfg + ": 'payload_bits' is missing or not a whole number");
        }
        int bits = n.get("payload_bits").intValue();
        BatchNorm2d.Mode mode;
        try {
            mode = BatchNorm2d.Mode.valueOf(n.path("bn_mode").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new LockeyException(cfg + ": 'bn_mode' must be batch_statistics or running_statistics");
        }
        double threshold = n.path("detect_threshold").asDouble(DEFAULT_DETECT_THRESHOLD);
        SilentCipherConfig config = SilentCipherConfig.fromJson(n.get("silentcipher"));
        Path model = dir.resolve(MODEL_FILE);
        if (!Files.exists(model)) {
            throw new LockeyException(dir + ": no " + MODEL_FILE);
        }
        SafeTensors st = SafeTensors.read(model);
        String fileKind = st.metadata().getOrDefault("kind", "");
        if (!KIND.equals(fileKind)) {
            throw new LockeyException(model + ": not watermark weights (kind '" + fileKind + "')");
        }
        JsonNode training = n.get("training");
        return new WatermarkModel(config, bits, mode, threshold, st.tensors(),
                training instanceof ObjectNode o ? o : null);
    }

    /** This model with other weights (same config), e.g. a later training step. */
    public WatermarkModel withWeights(Map<String, Tensor> newWeights) {
        return new WatermarkModel(config, payloadBits, bnMode, detectThreshold, newWeights, training);
    }

    /**
     * This model carrying payloads of {@code bits} bits: the same weights with {@code message_len} set to that
     * payload's period ({@link PayloadCodec#period}). No weight depends on the period: the message encoder is
     * handed the tiled one-hot classes and the message decoder predicts a class per frame, both convolutional
     * over time, so the period is only how the classes are tiled and read back. How well a model trained on
     * one period carries another is an empirical question: the shipped 22.05 kHz model (trained on 16-bit
     * payloads, period 9) decodes 8- and 32-bit payloads (periods 5 and 17) with bit accuracy 1.000 on the
     * test clips, clean, after Gaussian noise and after MP3 128k (docs/evaluation.md, "Key size").
     */
    public WatermarkModel withPayloadBits(int bits) {
        if (bits == payloadBits) {
            return this;
        }
        return new WatermarkModel(config.withMessageLen(new PayloadCodec(bits).period()), bits, bnMode,
                detectThreshold, weights, training);
    }

    /** This model with another BatchNorm mode at inference. */
    public WatermarkModel withBnMode(BatchNorm2d.Mode mode) {
        return new WatermarkModel(config, payloadBits, mode, detectThreshold, weights, training);
    }
}
