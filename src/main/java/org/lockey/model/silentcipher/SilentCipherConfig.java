package org.lockey.model.silentcipher;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The hyper-parameters of one SilentCipher model: the values of upstream's {@code hparams.yaml}
 * (read by {@code sony/silentcipher src/silentcipher/server.py get_model}) that shape the network
 * and the embedding, plus the two message-decoder sizes upstream fixes in code.
 *
 * <p>Training-only entries of {@code hparams.yaml} (lr, dataset, loss weights, augmentations) are
 * ignored. The released configs are {@link #sc16k()} and {@link #sc44k()}; LOCKEY's 22.05 kHz and
 * 32 kHz watermarkers are not public, {@link #sc22k(int)} and {@link #sc32k(int)} are this project's
 * choices ({@code docs/silentcipher.md}).
 *
 * @param sampleRate                  {@code SR}: the model's sample rate in Hz
 * @param nFft                        {@code N_FFT}: FFT size = Hann window length
 * @param hopLength                   {@code HOP_LENGTH}: STFT hop (N_FFT/2 in every release)
 * @param messageDim                  {@code message_dim}: one-hot classes per frame (class 0 = end token)
 * @param messageLen                  {@code message_len}: the message period in frames, end token included
 * @param messageBandSize             {@code message_band_size}: the lowest bins that carry the watermark and
 *                                    that the message decoder reads
 * @param messageSdr                  {@code message_sdr}: default SDR alpha in dB of the spectral change
 *                                    (paper Eq. 2-3)
 * @param encNLayers                  {@code enc_n_layers}: gated blocks of the carrier encoder {@code enc_c}
 * @param decCNLayers                 {@code dec_c_n_layers}: gated blocks of the carrier decoder {@code dec_c}
 * @param ensureNegativeMessage       {@code ensure_negative_message}: |h| in dec_c and C' = ReLU(C - W)
 * @param ensureConstrainedMessage    {@code ensure_constrained_message}: W clipped to [-C, C], C' = C + W
 *                                    (used only when ensureNegativeMessage is false)
 * @param frameLevelNormalization     {@code frame_level_normalization}: W scaled by the per-frame RMS of C
 * @param utteranceLevelNormalization {@code utterance_level_normalization}: W scaled by the RMS of C over
 *                                    frequency and time (when frameLevelNormalization is false)
 * @param noNormalization             {@code no_normalization}: skip dec_c's per-frame RMS normalisation and
 *                                    SDR scaling
 * @param nMessages                   {@code n_messages}: message decoders {@code dec_m_i}; upstream encode_wav
 *                                    works only with 1
 * @param msgDecoderChannels          {@code MsgDecoder(channel_dim)}: hidden channels of {@code dec_m_0};
 *                                    not in hparams.yaml, upstream default 128
 * @param msgDecoderLayers            {@code MsgDecoder(num_layers)}: gated blocks of {@code dec_m_0};
 *                                    not in hparams.yaml, upstream default 10
 * @param carrierWidth                the carrier networks' width w: {@code enc_c} has w hidden and w output
 *                                    channels, {@code dec_c} takes w copies of C and of Me (3w input
 *                                    channels) and has 3w hidden channels. Upstream fixes w = 32 in code
 *                                    ({@value #UPSTREAM_CARRIER_WIDTH}); a narrower w is this project's
 *                                    option for CPU-sized models (dec_c's cost grows with w^2)
 */
public record SilentCipherConfig(int sampleRate, int nFft, int hopLength, int messageDim, int messageLen,
        int messageBandSize, double messageSdr, int encNLayers, int decCNLayers, boolean ensureNegativeMessage,
        boolean ensureConstrainedMessage, boolean frameLevelNormalization, boolean utteranceLevelNormalization,
        boolean noNormalization, int nMessages, int msgDecoderChannels, int msgDecoderLayers, int carrierWidth) {

    /** Upstream {@code MsgDecoder} default {@code channel_dim}. */
    public static final int DEFAULT_MSG_DECODER_CHANNELS = 128;
    /** Upstream {@code MsgDecoder} default {@code num_layers}. */
    public static final int DEFAULT_MSG_DECODER_LAYERS = 10;
    /** Upstream's carrier width: {@code encoder_out_dim = 32}, {@code dec_c_conv_dim = 32*3} in server.py. */
    public static final int UPSTREAM_CARRIER_WIDTH = 32;
    /** Classes of the payload format: end token 0 plus the four 2-bit symbols 1..4. */
    public static final int PAYLOAD_MESSAGE_DIM = PayloadCodec.MESSAGE_DIM;

    public SilentCipherConfig {
        StringBuilder bad = new StringBuilder();
        if (sampleRate < 1) {
            bad.append(" SR ").append(sampleRate).append(" < 1;");
        }
        if (nFft < 2 || nFft % 2 != 0) {
            bad.append(" N_FFT ").append(nFft).append(" is not even and >= 2;");
        }
        // Upstream trims the iSTFT by the padding it added; the result has the input's length only
        // when the hop divides N_FFT (every release uses N_FFT/2).
        if (hopLength < 1 || nFft % Math.max(1, hopLength) != 0) {
            bad.append(" HOP_LENGTH ").append(hopLength).append(" does not divide N_FFT ").append(nFft).append(';');
        }
        if (messageDim < 2) {
            bad.append(" message_dim ").append(messageDim).append(" < 2;");
        }
        if (messageLen < 2) {
            bad.append(" message_len ").append(messageLen).append(" < 2;");
        }
        if (messageBandSize < 1 || messageBandSize > nFft / 2 + 1) {
            bad.append(" message_band_size ").append(messageBandSize).append(" not in [1, N_FFT/2+1 = ")
                    .append(nFft / 2 + 1).append("];");
        }
        if (!Double.isFinite(messageSdr)) {
            bad.append(" message_sdr ").append(messageSdr).append(" is not finite;");
        }
        if (encNLayers < 2) {
            bad.append(" enc_n_layers ").append(encNLayers).append(" < 2;");
        }
        if (decCNLayers < 2) {
            bad.append(" dec_c_n_layers ").append(decCNLayers).append(" < 2;");
        }
        if (nMessages != 1) {
            bad.append(" n_messages ").append(nMessages)
                    .append(" != 1 (upstream encode_wav embeds exactly one message);");
        }
        if (msgDecoderChannels < 1) {
            bad.append(" MsgDecoder channel_dim ").append(msgDecoderChannels).append(" < 1;");
        }
        if (msgDecoderLayers < 2) {
            bad.append(" MsgDecoder num_layers ").append(msgDecoderLayers).append(" < 2;");
        }
        if (carrierWidth < 1) {
            bad.append(" carrier width ").append(carrierWidth).append(" < 1;");
        }
        if (bad.length() > 0) {
            bad.setLength(bad.length() - 1);
            throw new LockeyException("invalid SilentCipher config:" + bad);
        }
    }

    /** STFT bins N_FFT/2 + 1. */
    public int bins() {
        return nFft / 2 + 1;
    }

    /** Frames of the carrier for an input of {@code length} samples (after upstream's right padding). */
    public int frames(int length) {
        return paddedLength(length) / hopLength + 1;
    }

    /** Upstream's right padding: {@code N_FFT - length % N_FFT} zeros (a full N_FFT for a multiple). */
    public int rightPadding(int length) {
        return nFft - length % nFft;
    }

    /** {@code length + rightPadding(length)}. */
    public int paddedLength(int length) {
        return length + rightPadding(length);
    }

    /** The released 16 kHz model ({@code Models/16_khz/97561_iteration/hparams.yaml}). */
    public static SilentCipherConfig sc16k() {
        return released(16000, 2048, 4, 16, 512);
    }

    /** The released 44.1 kHz model ({@code Models/44_1_khz/73999_iteration/hparams.yaml}). */
    public static SilentCipherConfig sc44k() {
        return released(44100, 4096, 5, 21, 1024);
    }

    /**
     * This project's 22.05 kHz watermarker (not released upstream): N_FFT 2048, hop 1024, a
     * 512-bin band (about 5.5 kHz), the payload format of {@link PayloadCodec} (5 classes, period
     * ceil(bits/2) + 1), otherwise the released recipe.
     */
    public static SilentCipherConfig sc22k(int payloadBits) {
        return released(22050, 2048, PAYLOAD_MESSAGE_DIM, new PayloadCodec(payloadBits).period(), 512);
    }

    /** This project's 32 kHz watermarker: N_FFT 4096, hop 2048, a 1024-bin band (8 kHz); see {@link #sc22k}. */
    public static SilentCipherConfig sc32k(int payloadBits) {
        return released(32000, 4096, PAYLOAD_MESSAGE_DIM, new PayloadCodec(payloadBits).period(), 1024);
    }

    /**
     * The released 16 kHz recipe (N_FFT 2048, hop 1024, 512-bin band = 4 kHz) with this project's
     * payload format (5 classes, period ceil(bits/2) + 1) instead of the release's inconsistent
     * message_dim 4 / message_len 16 (see {@code docs/silentcipher.md}): what {@code train watermark
     * --rate 16000} trains.
     */
    public static SilentCipherConfig sc16k(int payloadBits) {
        return released(16000, 2048, PAYLOAD_MESSAGE_DIM, new PayloadCodec(payloadBits).period(), 512);
    }

    /**
     * The released 44.1 kHz recipe (N_FFT 4096, hop 2048, 1024-bin band = 11 kHz) with the payload
     * format for {@code payloadBits} (40 bits gives exactly the released message_dim 5 / message_len 21).
     */
    public static SilentCipherConfig sc44k(int payloadBits) {
        return released(44100, 4096, PAYLOAD_MESSAGE_DIM, new PayloadCodec(payloadBits).period(), 1024);
    }

    /** Sample rates with a training config ({@link #forRate}). */
    public static final int[] TRAINING_RATES = {16000, 22050, 32000, 44100};

    /**
     * The training config of a rate ({@code docs/silentcipher.md}, watermark section): 16000 ->
     * {@link #sc16k(int)}, 22050 -> {@link #sc22k(int)}, 32000 -> {@link #sc32k(int)}, 44100 ->
     * {@link #sc44k(int)}.
     *
     * @throws LockeyException for any other rate
     */
    public static SilentCipherConfig forRate(int sampleRate, int payloadBits) {
        return switch (sampleRate) {
            case 16000 -> sc16k(payloadBits);
            case 22050 -> sc22k(payloadBits);
            case 32000 -> sc32k(payloadBits);
            case 44100 -> sc44k(payloadBits);
            default -> throw new LockeyException("no watermark config for " + sampleRate
                    + " Hz; choose one of 16000, 22050, 32000, 44100");
        };
    }

    private static SilentCipherConfig released(int sr, int nFft, int dim, int len, int band) {
        return new SilentCipherConfig(sr, nFft, nFft / 2, dim, len, band, 47, 3, 4, true, false, false, true, false,
                1, DEFAULT_MSG_DECODER_CHANNELS, DEFAULT_MSG_DECODER_LAYERS, UPSTREAM_CARRIER_WIDTH);
    }

    /** This config with another message decoder size. */
    public SilentCipherConfig withMsgDecoder(int channels, int layers) {
        return new SilentCipherConfig(sampleRate, nFft, hopLength, messageDim, messageLen, messageBandSize,
                messageSdr, encNLayers, decCNLayers, ensureNegativeMessage, ensureConstrainedMessage,
                frameLevelNormalization, utteranceLevelNormalization, noNormalization, nMessages, channels, layers,
                carrierWidth);
    }

    /** This config with another message period {@code message_len} in frames (end token included). */
    public SilentCipherConfig withMessageLen(int frames) {
        return new SilentCipherConfig(sampleRate, nFft, hopLength, messageDim, frames, messageBandSize,
                messageSdr, encNLayers, decCNLayers, ensureNegativeMessage, ensureConstrainedMessage,
                frameLevelNormalization, utteranceLevelNormalization, noNormalization, nMessages, msgDecoderChannels,
                msgDecoderLayers, carrierWidth);
    }

    /** This config with another carrier width (see {@link #carrierWidth}). */
    public SilentCipherConfig withCarrierWidth(int width) {
        return new SilentCipherConfig(sampleRate, nFft, hopLength, messageDim, messageLen, messageBandSize,
                messageSdr, encNLayers, decCNLayers, ensureNegativeMessage, ensureConstrainedMessage,
                frameLevelNormalization, utteranceLevelNormalization, noNormalization, nMessages, msgDecoderChannels,
                msgDecoderLayers, width);
    }

    /** This config with another default SDR alpha (message_sdr) in dB. */
    public SilentCipherConfig withMessageSdr(double sdrDb) {
        return new SilentCipherConfig(sampleRate, nFft, hopLength, messageDim, messageLen, messageBandSize,
                sdrDb, encNLayers, decCNLayers, ensureNegativeMessage, ensureConstrainedMessage,
                frameLevelNormalization, utteranceLevelNormalization, noNormalization, nMessages, msgDecoderChannels,
                msgDecoderLayers, carrierWidth);
    }

    /**
     * This config with the message decoder size read from a checkpoint: {@code channel_dim} from
     * the shape of {@code dec_m_0.main.1.conv.weight} [channel_dim, 1, 3, 3] and {@code num_layers}
     * from how many {@code dec_m_0.main.<odd>.conv.weight} keys there are. Neither is in
     * hparams.yaml, so a checkpoint trained with non-default sizes can only be read this way.
     */
    public SilentCipherConfig withMsgDecoderFrom(Map<String, Tensor> weights) {
        String first = MsgDecoder.PREFIX + ".main.1.conv.weight";
        Tensor t = weights.get(first);
        if (t == null || t.shape().length != 4) {
            throw new LockeyException("checkpoint has no " + first + " [channel_dim, 1, 3, 3]; cannot size "
                    + MsgDecoder.PREFIX);
        }
        int layers = 0;
        while (weights.containsKey(MsgDecoder.PREFIX + ".main." + (2 * layers + 1) + ".conv.weight")) {
            layers++;
        }
        return withMsgDecoder(Math.toIntExact(t.shape()[0]), layers);
    }

    /** Keys of hparams.yaml that this record maps, in record order. */
    private static final String[] KEYS = {"SR", "N_FFT", "HOP_LENGTH", "message_dim", "message_len",
        "message_band_size", "message_sdr", "enc_n_layers", "dec_c_n_layers", "ensure_negative_message",
        "ensure_constrained_message", "frame_level_normalization", "utterance_level_normalization",
        "no_normalization", "n_messages"};

    /** JSON name of {@link #msgDecoderChannels} (not an upstream hparams key: written by {@link #toJson}). */
    public static final String MSG_DECODER_CHANNELS_KEY = "msg_decoder_channels";
    /** JSON name of {@link #msgDecoderLayers} (not an upstream hparams key: written by {@link #toJson}). */
    public static final String MSG_DECODER_LAYERS_KEY = "msg_decoder_layers";
    /** JSON name of {@link #carrierWidth} (ours; written only when it differs from upstream's 32). */
    public static final String CARRIER_WIDTH_KEY = "carrier_width";

    /**
     * This config as a JSON object under the upstream hparams names, plus
     * {@value #MSG_DECODER_CHANNELS_KEY} and {@value #MSG_DECODER_LAYERS_KEY}; {@link #fromJson} reads
     * it back to an equal record.
     */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("SR", sampleRate).put("N_FFT", nFft).put("HOP_LENGTH", hopLength).put("message_dim", messageDim)
                .put("message_len", messageLen).put("message_band_size", messageBandSize)
                .put("message_sdr", messageSdr).put("enc_n_layers", encNLayers).put("dec_c_n_layers", decCNLayers)
                .put("ensure_negative_message", ensureNegativeMessage)
                .put("ensure_constrained_message", ensureConstrainedMessage)
                .put("frame_level_normalization", frameLevelNormalization)
                .put("utterance_level_normalization", utteranceLevelNormalization)
                .put("no_normalization", noNormalization).put("n_messages", nMessages)
                .put(MSG_DECODER_CHANNELS_KEY, msgDecoderChannels).put(MSG_DECODER_LAYERS_KEY, msgDecoderLayers);
        if (carrierWidth != UPSTREAM_CARRIER_WIDTH) {
            n.put(CARRIER_WIDTH_KEY, carrierWidth);
        }
        return n;
    }

    /**
     * From the golden metadata's {@code config} (the hparams as a JSON object) or {@link #toJson}.
     * Keys not mapped here (e.g. {@code model_type}, {@code load_ckpt}) are ignored; the message
     * decoder gets {@value #MSG_DECODER_CHANNELS_KEY} / {@value #MSG_DECODER_LAYERS_KEY} when present,
     * else the upstream default size (see {@link #withMsgDecoderFrom}).
     */
    public static SilentCipherConfig fromJson(JsonNode config) {
        if (config == null || !config.isObject()) {
            throw new LockeyException("SilentCipher config: expected a JSON object");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (String k : KEYS) {
            JsonNode n = config.get(k);
            if (n == null || n.isNull()) {
                continue;
            }
            if (n.isBoolean()) {
                values.put(k, n.booleanValue());
            } else if (n.isNumber()) {
                values.put(k, n.numberValue());
            } else {
                values.put(k, n.asText());
            }
        }
        SilentCipherConfig c = fromMap(values, "JSON config");
        JsonNode width = config.get(CARRIER_WIDTH_KEY);
        if (width != null) {
            if (!width.canConvertToExactIntegral()) {
                throw new LockeyException("JSON config: " + CARRIER_WIDTH_KEY + " must be a whole number");
            }
            c = c.withCarrierWidth(width.intValue());
        }
        JsonNode ch = config.get(MSG_DECODER_CHANNELS_KEY);
        JsonNode layers = config.get(MSG_DECODER_LAYERS_KEY);
        if (ch == null && layers == null) {
            return c;
        }
        if (ch == null || layers == null || !ch.canConvertToExactIntegral() || !layers.canConvertToExactIntegral()) {
            throw new LockeyException("JSON config: " + MSG_DECODER_CHANNELS_KEY + " and " + MSG_DECODER_LAYERS_KEY
                    + " must both be whole numbers when one is given");
        }
        return c.withMsgDecoder(ch.intValue(), layers.intValue());
    }

    /** From a released {@code hparams.yaml} (read with SnakeYAML's safe constructor: plain maps only). */
    public static SilentCipherConfig fromYaml(Path path) {
        Object root;
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
        } catch (IOException e) {
            throw new LockeyException(path + ": cannot read (" + e.getMessage() + ")", e);
        } catch (YAMLException e) {
            throw new LockeyException(path + ": not valid YAML (" + e.getMessage() + ")", e);
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new LockeyException(path + ": expected a YAML mapping of hyper-parameters");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        map.forEach((k, v) -> values.put(String.valueOf(k), v));
        return fromMap(values, path.toString());
    }

    private static SilentCipherConfig fromMap(Map<String, Object> v, String source) {
        TreeSet<String> missing = new TreeSet<>();
        for (String k : KEYS) {
            if (v.get(k) == null) {
                missing.add(k);
            }
        }
        if (!missing.isEmpty()) {
            throw new LockeyException(source + ": SilentCipher hparams missing " + missing);
        }
        return new SilentCipherConfig(integer(v, "SR", source), integer(v, "N_FFT", source),
                integer(v, "HOP_LENGTH", source), integer(v, "message_dim", source),
                integer(v, "message_len", source), integer(v, "message_band_size", source),
                number(v, "message_sdr", source), integer(v, "enc_n_layers", source),
                integer(v, "dec_c_n_layers", source), bool(v, "ensure_negative_message", source),
                bool(v, "ensure_constrained_message", source), bool(v, "frame_level_normalization", source),
                bool(v, "utterance_level_normalization", source), bool(v, "no_normalization", source),
                integer(v, "n_messages", source), DEFAULT_MSG_DECODER_CHANNELS, DEFAULT_MSG_DECODER_LAYERS,
                UPSTREAM_CARRIER_WIDTH);
    }

    private static double number(Map<String, Object> v, String key, String source) {
        if (v.get(key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new LockeyException(source + ": " + key + " = " + v.get(key) + " is not a number");
    }

    private static int integer(Map<String, Object> v, String key, String source) {
        double d = number(v, key, source);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new LockeyException(source + ": " + key + " = " + v.get(key) + " is not an integer");
        }
        return (int) d;
    }

    private static boolean bool(Map<String, Object> v, String key, String source) {
        if (v.get(key) instanceof Boolean b) {
            return b;
        }
        throw new LockeyException(source + ": " + key + " = " + v.get(key) + " is not true/false");
    }
}
