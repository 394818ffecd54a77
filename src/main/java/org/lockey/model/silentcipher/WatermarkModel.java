package org.lockey.model.silentcipher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;
import org.lockey.io.Json;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.nn.BatchNorm2d;
import org.nd4j.linalg.api.buffer.DataType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A trained watermark model directory, as written by {@code ./lockey train watermark} and read by
 * {@code ./lockey watermark embed|detect|eval}:
 * <ul>
 * <li>{@value #MODEL_FILE}: the networks' state dict under upstream keys ({@code enc_c.*},
 * {@code dec_c.*}, {@code dec_m_0.*}, BatchNorm running statistics included; without {@code dec_m_0.*}
 * the model embeds only, see {@link SilentCipher.Networks}), metadata
 * {@code kind = watermark}, {@code format}, {@code config} (the JSON below);</li>
 * <li>{@value #CONFIG_FILE}: {@code {"kind": "watermark", "format": "lockey.silentcipher/1",
 * "payload_bits": 16, "bn_mode": "batch_statistics" | "running_statistics", "detect_threshold": t,
 * ["detect_thresholds": [{"min_periods": n, "threshold": t}, ...],]
 * "silentcipher": {SilentCipherConfig#toJson}, "training": {...}}}: {@code detect_thresholds}, when present, is the
 * rule by message periods ({@link DetectThreshold}) and {@code detect_threshold} its first step's threshold;
 * without it {@code detect_threshold} serves every length.</li>
 * </ul>
 * Each file is written atomically; {@link #load} refuses a directory of another kind (e.g. a HiFi-GAN
 * model) with a one-line error.
 *
 * @param config          the SilentCipher hyper-parameters (message decoder size included)
 * @param payloadBits     bits of the payload the model carries ({@link PayloadCodec})
 * @param bnMode          the BatchNorm statistics used at inference
 * @param detectThreshold the confidence below which {@code watermark detect} reports no watermark, by periods read
 * @param weights         the state dict
 * @param training        what trained it (free-form, for provenance), may be empty
 * @param source          where the weights come from, named by errors: the weights file's path when loaded
 */
public record WatermarkModel(SilentCipherConfig config, int payloadBits, BatchNorm2d.Mode bnMode,
        DetectThreshold detectThreshold, Map<String, Tensor> weights, ObjectNode training, String source) {
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

    public WatermarkModel {
        if (config.messageDim() != PayloadCodec.MESSAGE_DIM
                || config.messageLen() != new PayloadCodec(payloadBits).period()) {
            throw new LockeyException("a " + payloadBits + "-bit watermark needs message_dim " + PayloadCodec.MESSAGE_DIM
                    + " and message_len " + new PayloadCodec(payloadBits).period() + ", the config has "
                    + config.messageDim() + " and " + config.messageLen());
        }
        Objects.requireNonNull(detectThreshold, "detectThreshold");
        weights = Map.copyOf(weights);
        training = training == null ? Json.object() : training.deepCopy();
        Objects.requireNonNull(source, "source");
    }

    /** A model whose weights are not (yet) read from a file: errors name {@value #MODEL_FILE}. */
    public WatermarkModel(SilentCipherConfig config, int payloadBits, BatchNorm2d.Mode bnMode,
            DetectThreshold detectThreshold, Map<String, Tensor> weights, ObjectNode training) {
        this(config, payloadBits, bnMode, detectThreshold, weights, training, MODEL_FILE);
    }

    /** The networks the weights hold: {@link SilentCipher.Networks#EMBEDDING_ONLY} when there is no dec_m_0. */
    public SilentCipher.Networks networks() {
        return SilentCipher.Networks.in(weights);
    }

    /**
     * Throws unless the weights hold the message decoder, before any work is done.
     *
     * @param operation what needs it ("detect", "evaluate", ...)
     * @throws LockeyException one line naming {@link #source} and the missing {@code dec_m_0}
     */
    public void requireMessageDecoder(String operation) {
        if (networks() != SilentCipher.Networks.EMBEDDING_AND_MESSAGE_DECODER) {
            throw SilentCipher.missingMessageDecoder(source, operation);
        }
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
        return SilentCipher.load(config, weights, source, bnMode, DataType.FLOAT);
    }

    /** The {@value #CONFIG_FILE} content. */
    public ObjectNode configJson() {
        ObjectNode n = Json.object();
        n.put("kind", KIND);
        n.put("format", FORMAT);
        n.put("payload_bits", payloadBits);
        n.put("bn_mode", bnMode.name().toLowerCase(Locale.ROOT));
        putDetectThreshold(n, detectThreshold);
        n.set("silentcipher", config.toJson());
        n.set("training", training);
        return n;
    }

    /** Writes {@value #MODEL_FILE} and {@value #CONFIG_FILE} into {@code dir}, each atomically. */
    public void save(Path dir) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("kind", KIND);
        meta.put("format", FORMAT);
        meta.put("config", configJson().toString());
        SafeTensors.write(dir.resolve(MODEL_FILE), new TreeMap<>(weights), meta);
        Json.writePrettyWithNewline(dir.resolve(CONFIG_FILE), configJson());
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
            n = Json.read(cfg);
        } catch (IOException e) {
            throw new LockeyException(cfg + ": cannot read (" + AtomicFiles.reason(e) + ")");
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
        DetectThreshold threshold = detectThreshold(n, cfg);
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
                training instanceof ObjectNode o ? o : null, model.toString());
    }

    /**
     * Sets the detection rule in {@code dir}'s {@value #CONFIG_FILE} to {@code threshold} (what {@code eval detection
     * --write-threshold} chose): {@code detect_threshold}, and {@code detect_thresholds} for a rule by periods
     * (removed for a uniform one), leaving every other field as it is; the file is replaced atomically. The weights
     * and their metadata (a copy of the config at training time) are not touched.
     *
     * @throws LockeyException one line naming the file when it is missing or not a watermark model's config
     */
    public static void writeDetectThreshold(Path dir, DetectThreshold threshold) {
        Path cfg = dir.resolve(CONFIG_FILE);
        JsonNode n;
        try {
            n = Json.read(cfg);
        } catch (IOException e) {
            throw new LockeyException(cfg + ": cannot read (" + AtomicFiles.reason(e) + ")");
        }
        if (!(n instanceof ObjectNode o) || !KIND.equals(n.path("kind").asText(""))) {
            throw new LockeyException(cfg + ": not a watermark model's config (kind '" + n.path("kind").asText("")
                    + "')");
        }
        putDetectThreshold(o, threshold);
        Json.writePrettyWithNewline(cfg, o);
    }

    /** Writes {@code detect_threshold} (the first step's) and, for a rule by periods, {@code detect_thresholds}. */
    private static void putDetectThreshold(ObjectNode n, DetectThreshold threshold) {
        n.put("detect_threshold", threshold.first());
        n.remove("detect_thresholds");
        if (!threshold.isUniform()) {
            n.set("detect_thresholds", threshold.stepsJson());
        }
    }

    /** The rule of a config: {@code detect_thresholds} when present, else {@code detect_threshold} (default 0.6). */
    static DetectThreshold detectThreshold(JsonNode n, Path cfg) {
        JsonNode one = n.path("detect_threshold");
        if (!one.isMissingNode() && !one.isNumber()) {
            throw new LockeyException(cfg + ": 'detect_threshold' is not a number");
        }
        JsonNode steps = n.path("detect_thresholds");
        if (steps.isMissingNode()) {
            return DetectThreshold.uniform(one.isMissingNode() ? DEFAULT_DETECT_THRESHOLD : one.doubleValue());
        }
        if (!steps.isArray() || steps.isEmpty()) {
            throw new LockeyException(cfg + ": 'detect_thresholds' must be a non-empty list of "
                    + "{\"min_periods\": N, \"threshold\": T}");
        }
        List<DetectThreshold.Step> out = new ArrayList<>();
        for (JsonNode s : steps) {
            if (!s.path("min_periods").canConvertToExactIntegral() || !s.path("threshold").isNumber()) {
                throw new LockeyException(cfg + ": every entry of 'detect_thresholds' needs a whole 'min_periods' and a "
                        + "numeric 'threshold', not " + s);
            }
            out.add(new DetectThreshold.Step(s.get("min_periods").intValue(), s.get("threshold").doubleValue()));
        }
        DetectThreshold rule;
        try {
            rule = new DetectThreshold(out);
        } catch (LockeyException e) {
            throw new LockeyException(cfg + ": " + e.getMessage());
        }
        if (!one.isMissingNode() && one.doubleValue() != rule.first()) {
            throw new LockeyException(cfg + ": 'detect_threshold' " + one.doubleValue() + " differs from the first of "
                    + "'detect_thresholds' (" + rule.first() + "); 'detect_threshold' must be that first threshold");
        }
        return rule;
    }

    /**
     * A model directory from a released SilentCipher checkpoint with its message decoder: {@code hparams.yaml}
     * and the three state dicts {@code enc_c}, {@code dec_c}, {@code dec_m_0} converted to safetensors (keys
     * as upstream saves them, {@code module.} prefixes allowed). See {@link #importUpstream(Path, Path, Path, Path)}.
     */
    public static WatermarkModel importUpstream(Path hparams, Path encC, Path decC, Path decM0, Path outDir) {
        Map<String, Tensor> weights = SilentCipher.mergeUpstream(SafeTensors.read(encC).tensors(),
                SafeTensors.read(decC).tensors(), SafeTensors.read(decM0).tensors());
        return imported(hparams, weights, encC + ", " + decC + ", " + decM0, outDir);
    }

    /**
     * A model directory from the embedding side of a released SilentCipher checkpoint: {@code hparams.yaml},
     * {@code enc_c} and {@code dec_c} as safetensors. The model embeds exactly as upstream {@code encode_wav}
     * and refuses to decode ({@link SilentCipher.Networks#EMBEDDING_ONLY}).
     *
     * <p>The hparams must use the payload format ({@link PayloadCodec}: message_dim 5, message_len
     * ceil(bits / 2) + 1); the 44.1 kHz release does (40 bits, message_len 21), the 16 kHz release's
     * message_dim 4 / message_len 16 does not (see docs/silentcipher.md) and is refused with one line.
     * Every key and shape is checked against the config before anything is written; the directory gets
     * {@value #MODEL_FILE} and {@value #CONFIG_FILE} (the default detection threshold, BatchNorm batch
     * statistics as upstream, {@code training.imported_from} naming the files).
     */
    public static WatermarkModel importUpstream(Path hparams, Path encC, Path decC, Path outDir) {
        Map<String, Tensor> weights = SilentCipher.mergeUpstream(SafeTensors.read(encC).tensors(),
                SafeTensors.read(decC).tensors());
        return imported(hparams, weights, encC + ", " + decC, outDir);
    }

    private static WatermarkModel imported(Path hparams, Map<String, Tensor> weights, String files, Path outDir) {
        SilentCipherConfig config = SilentCipherConfig.fromYaml(hparams);
        if (SilentCipher.Networks.in(weights) == SilentCipher.Networks.EMBEDDING_AND_MESSAGE_DECODER) {
            config = config.withMsgDecoderFrom(weights);
        }
        int bits = 2 * (config.messageLen() - 1);
        if (config.messageDim() != PayloadCodec.MESSAGE_DIM) {
            throw new LockeyException(hparams + ": message_dim " + config.messageDim() + " / message_len "
                    + config.messageLen() + " is not the bit-payload format (message_dim " + PayloadCodec.MESSAGE_DIM
                    + "); such a model takes message symbols through SilentCipher#embed(float[], int[], double), "
                    + "not a model directory");
        }
        // every key and shape, all at once, before anything is written
        SilentCipher.load(config, weights, files);
        ObjectNode training = Json.object();
        training.put("imported_from", hparams + ", " + files);
        WatermarkModel model = new WatermarkModel(config, bits, BatchNorm2d.Mode.BATCH_STATISTICS,
                DetectThreshold.uniform(DEFAULT_DETECT_THRESHOLD), weights, training, outDir.resolve(MODEL_FILE).toString());
        model.save(outDir);
        return model;
    }

    /** This model with other weights (same config), e.g. a later training step. */
    public WatermarkModel withWeights(Map<String, Tensor> newWeights) {
        return new WatermarkModel(config, payloadBits, bnMode, detectThreshold, newWeights, training, source);
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
                detectThreshold, weights, training, source);
    }

    /** This model with another BatchNorm mode at inference. */
    public WatermarkModel withBnMode(BatchNorm2d.Mode mode) {
        return new WatermarkModel(config, payloadBits, mode, detectThreshold, weights, training, source);
    }
}
