package org.lockey.model.encodec;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.lockey.LockeyException;
import org.lockey.nn.Pad;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The constructor arguments of EnCodec's {@code SEANetEncoder} / {@code SEANetDecoder}
 * ({@code encodec/modules/seanet.py}; audiocraft {@code modules/seanet.py} has the same names). JSON
 * uses the upstream names (in brackets below); {@link #fromHuggingFace} reads transformers'
 * {@code EncodecConfig} names instead.
 *
 * @param channels          [channels] audio channels (HF {@code audio_channels})
 * @param dimension         [dimension] latent dimension D (HF {@code hidden_size})
 * @param nFilters          [n_filters] base width; the encoder doubles it per ratio (HF {@code num_filters})
 * @param nResidualLayers   [n_residual_layers] residual blocks per stage (HF {@code num_residual_layers})
 * @param ratios            [ratios] decoder upsampling ratios; the encoder uses them reversed (HF {@code upsampling_ratios})
 * @param activation        [activation, activation_params] e.g. ELU(alpha=1) (HF: always ELU(1))
 * @param finalActivation   [final_activation, final_activation_params] after the decoder's last conv; identity for None
 * @param norm              [norm] convolution normalisation (HF {@code norm_type}); [norm_params] must be empty
 * @param kernelSize        [kernel_size] first convolution
 * @param lastKernelSize    [last_kernel_size] last convolution
 * @param residualKernelSize [residual_kernel_size] first convolution of each residual block
 * @param dilationBase      [dilation_base] dilation of residual block j is dilation_base^j (HF {@code dilation_growth_rate})
 * @param causal            [causal] causal padding (HF {@code use_causal_conv})
 * @param padMode           [pad_mode] "constant" or "reflect"
 * @param trueSkip          [true_skip] identity shortcut in residual blocks (HF: {@code !use_conv_shortcut})
 * @param compress          [compress] residual hidden channels are dim / compress
 * @param lstm              [lstm] LSTM layers, 0 for none (HF {@code num_lstm_layers})
 * @param trimRightRatio    [trim_right_ratio] causal transposed-conv trim share on the right
 */
public record SeanetConfig(int channels, int dimension, int nFilters, int nResidualLayers, List<Integer> ratios,
        Activation activation, Activation finalActivation, Norm norm, int kernelSize, int lastKernelSize,
        int residualKernelSize, int dilationBase, boolean causal, Pad.Mode padMode, boolean trueSkip, int compress,
        int lstm, double trimRightRatio) {

    /** Every JSON key {@link #fromJson} understands (the union of the encoder's and decoder's arguments). */
    public static final Set<String> KEYS = Set.of("channels", "dimension", "n_filters", "n_residual_layers", "ratios",
            "activation", "activation_params", "final_activation", "final_activation_params", "norm", "norm_params",
            "kernel_size", "last_kernel_size", "residual_kernel_size", "dilation_base", "causal", "pad_mode",
            "true_skip", "compress", "lstm", "trim_right_ratio", "disable_norm_outer_blocks");

    public SeanetConfig {
        ratios = List.copyOf(ratios);
        List<String> bad = new ArrayList<>();
        if (channels < 1) {
            bad.add("channels " + channels);
        }
        if (dimension < 1) {
            bad.add("dimension " + dimension);
        }
        if (nFilters < 1) {
            bad.add("n_filters " + nFilters);
        }
        if (nResidualLayers < 0) {
            bad.add("n_residual_layers " + nResidualLayers);
        }
        if (ratios.isEmpty() || ratios.stream().anyMatch(r -> r < 1)) {
            bad.add("ratios " + ratios);
        }
        if (kernelSize < 1 || lastKernelSize < 1 || residualKernelSize < 1) {
            bad.add("kernel sizes " + kernelSize + "/" + lastKernelSize + "/" + residualKernelSize);
        }
        if (dilationBase < 1) {
            bad.add("dilation_base " + dilationBase);
        }
        if (compress < 1) {
            bad.add("compress " + compress);
        }
        if (lstm < 0) {
            bad.add("lstm " + lstm);
        }
        if (!(trimRightRatio >= 0 && trimRightRatio <= 1) || (!causal && trimRightRatio != 1.0)) {
            bad.add("trim_right_ratio " + trimRightRatio + " (must be 1.0 unless causal)");
        }
        if (!bad.isEmpty()) {
            throw new LockeyException("invalid SEANet config: " + String.join(", ", bad));
        }
    }

    /**
     * MusicGen's 32 kHz compression model, audiocraft {@code encodec_large_nq4_s640} on top of
     * {@code config/model/encodec/default.yaml}: D 128, 64 filters, ratios [8, 5, 4, 4] (hop 640,
     * 50 frames/s), ELU, weight norm, non-causal, constant padding, identity skips, kernels 7/7/3,
     * compress 2, dilation base 2, 2 LSTM layers.
     */
    public static SeanetConfig musicgen32k() {
        return new SeanetConfig(1, 128, 64, 1, List.of(8, 5, 4, 4), Activation.elu(), Activation.identity(),
                Norm.WEIGHT_NORM, 7, 7, 3, 2, false, Pad.Mode.CONSTANT, true, 2, 2, 1.0);
    }

    /** Samples per latent frame: the product of the ratios. */
    public int hopLength() {
        int h = 1;
        for (int r : ratios) {
            h *= r;
        }
        return h;
    }

    /** A copy with other widths (for small test models). */
    public SeanetConfig withSize(int newDimension, int newFilters) {
        return new SeanetConfig(channels, newDimension, newFilters, nResidualLayers, ratios, activation,
                finalActivation, norm, kernelSize, lastKernelSize, residualKernelSize, dilationBase, causal, padMode,
                trueSkip, compress, lstm, trimRightRatio);
    }

    /** A copy with other ratios. */
    public SeanetConfig withRatios(List<Integer> newRatios) {
        return new SeanetConfig(channels, dimension, nFilters, nResidualLayers, newRatios, activation, finalActivation,
                norm, kernelSize, lastKernelSize, residualKernelSize, dilationBase, causal, padMode, trueSkip, compress,
                lstm, trimRightRatio);
    }

    /** A copy with another padding mode and shortcut kind. */
    public SeanetConfig withPadding(Pad.Mode newPadMode, boolean newTrueSkip) {
        return new SeanetConfig(channels, dimension, nFilters, nResidualLayers, ratios, activation, finalActivation,
                norm, kernelSize, lastKernelSize, residualKernelSize, dilationBase, causal, newPadMode, newTrueSkip,
                compress, lstm, trimRightRatio);
    }

    /** A copy with another number of LSTM layers and residual layers. */
    public SeanetConfig withDepth(int newLstm, int newResidualLayers) {
        return new SeanetConfig(channels, dimension, nFilters, newResidualLayers, ratios, activation, finalActivation,
                norm, kernelSize, lastKernelSize, residualKernelSize, dilationBase, causal, padMode, trueSkip, compress,
                newLstm, trimRightRatio);
    }

    /**
     * Reads upstream constructor arguments, field by field. Missing fields take upstream's defaults
     * ({@code SEANetDecoder.__init__}: channels 1, dimension 128, n_filters 32, n_residual_layers 1,
     * ratios [8, 5, 4, 2], ELU(alpha 1), final_activation None, weight_norm, kernels 7/7/3,
     * dilation_base 2, causal False, pad_mode reflect, true_skip False, compress 2, lstm 2,
     * trim_right_ratio 1.0). Unknown keys are an error, so a config is never half understood.
     */
    public static SeanetConfig fromJson(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new LockeyException("SEANet config must be a JSON object");
        }
        TreeSet<String> unknown = new TreeSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new LockeyException("SEANet config: unknown keys " + unknown);
        }
        if (n.path("norm_params").size() > 0) {
            throw new LockeyException("SEANet config: norm_params " + n.get("norm_params") + " are not supported");
        }
        if (n.path("disable_norm_outer_blocks").asInt(0) != 0) {
            throw new LockeyException("SEANet config: disable_norm_outer_blocks != 0 is not supported");
        }
        String act = text(n, "activation", "ELU");
        String finalAct = n.hasNonNull("final_activation") ? n.get("final_activation").asText() : null;
        return new SeanetConfig(
                integer(n, "channels", 1),
                integer(n, "dimension", 128),
                integer(n, "n_filters", 32),
                integer(n, "n_residual_layers", 1),
                intList(n, "ratios", List.of(8, 5, 4, 2)),
                Activation.fromUpstream(act, n.get("activation_params")),
                Activation.fromUpstream(finalAct, n.get("final_activation_params")),
                Norm.fromUpstream(text(n, "norm", "weight_norm")),
                integer(n, "kernel_size", 7),
                integer(n, "last_kernel_size", 7),
                integer(n, "residual_kernel_size", 3),
                integer(n, "dilation_base", 2),
                bool(n, "causal", false),
                Pad.Mode.fromUpstream(text(n, "pad_mode", "reflect")),
                bool(n, "true_skip", false),
                integer(n, "compress", 2),
                integer(n, "lstm", 2),
                number(n, "trim_right_ratio", 1.0));
    }

    /**
     * Reads transformers' {@code EncodecConfig} ({@code config.json} of e.g. {@code facebook/encodec_32khz}),
     * with its defaults for missing fields (num_filters 32, upsampling_ratios [8, 5, 4, 2],
     * use_causal_conv true, pad_mode reflect, use_conv_shortcut true, ...). HF's SEANet always uses
     * ELU(alpha 1) and no final activation.
     */
    public static SeanetConfig fromHuggingFace(JsonNode n) {
        return new SeanetConfig(
                integer(n, "audio_channels", 1),
                integer(n, "hidden_size", 128),
                integer(n, "num_filters", 32),
                integer(n, "num_residual_layers", 1),
                intList(n, "upsampling_ratios", List.of(8, 5, 4, 2)),
                Activation.elu(),
                Activation.identity(),
                Norm.fromUpstream(text(n, "norm_type", "weight_norm")),
                integer(n, "kernel_size", 7),
                integer(n, "last_kernel_size", 7),
                integer(n, "residual_kernel_size", 3),
                integer(n, "dilation_growth_rate", 2),
                bool(n, "use_causal_conv", true),
                Pad.Mode.fromUpstream(text(n, "pad_mode", "reflect")),
                !bool(n, "use_conv_shortcut", true),
                integer(n, "compress", 2),
                integer(n, "num_lstm_layers", 2),
                number(n, "trim_right_ratio", 1.0));
    }

    /** The upstream constructor arguments as JSON ({@link #fromJson} reads them back). */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("channels", channels);
        n.put("dimension", dimension);
        n.put("n_filters", nFilters);
        n.put("n_residual_layers", nResidualLayers);
        ratios.forEach(n.putArray("ratios")::add);
        n.put("activation", activation.upstreamName());
        n.set("activation_params", activation.upstreamParams());
        if (finalActivation.kind() == Activation.Kind.IDENTITY) {
            n.putNull("final_activation");
            n.putNull("final_activation_params");
        } else {
            n.put("final_activation", finalActivation.upstreamName());
            n.set("final_activation_params", finalActivation.upstreamParams());
        }
        n.put("norm", norm.upstreamName());
        n.putObject("norm_params");
        n.put("kernel_size", kernelSize);
        n.put("last_kernel_size", lastKernelSize);
        n.put("residual_kernel_size", residualKernelSize);
        n.put("dilation_base", dilationBase);
        n.put("causal", causal);
        n.put("pad_mode", padMode.upstreamName());
        n.put("true_skip", trueSkip);
        n.put("compress", compress);
        n.put("lstm", lstm);
        n.put("trim_right_ratio", trimRightRatio);
        return n;
    }

    static int integer(JsonNode n, String key, int fallback) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber()) {
            throw new LockeyException("config '" + key + "' must be an integer, got " + v);
        }
        return v.intValue();
    }

    static double number(JsonNode n, String key, double fallback) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new LockeyException("config '" + key + "' must be a number, got " + v);
        }
        return v.doubleValue();
    }

    static boolean bool(JsonNode n, String key, boolean fallback) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new LockeyException("config '" + key + "' must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    static String text(JsonNode n, String key, String fallback) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new LockeyException("config '" + key + "' must be a string, got " + v);
        }
        return v.textValue();
    }

    static List<Integer> intList(JsonNode n, String key, List<Integer> fallback) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isArray()) {
            throw new LockeyException("config '" + key + "' must be a list of integers, got " + v);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isIntegralNumber()) {
                throw new LockeyException("config '" + key + "' must be a list of integers, got " + v);
            }
            out.add(e.intValue());
        }
        return out;
    }
}
