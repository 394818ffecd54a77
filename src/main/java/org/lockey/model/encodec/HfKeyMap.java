package org.lockey.model.encodec;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.lockey.LockeyException;
import org.lockey.io.Tensor;

/**
 * The one translation between transformers' EnCodec parameter names ({@code facebook/encodec_32khz},
 * {@code modeling_encodec.py}) and the audiocraft / facebookresearch-encodec names this port uses,
 * as transformers' {@code convert_encodec_checkpoint_to_pytorch.py} maps them (its encodec_32khz
 * conversion uses the 24 kHz table):
 * <pre>
 *   audiocraft                                    HF
 *   {enc,dec}oder.model.N.conv.conv.P             {enc,dec}oder.layers.N.conv.P
 *   decoder.model.N.convtr.convtr.P               decoder.layers.N.conv.P
 *   {enc,dec}oder.model.N.block.K.conv.conv.P     {enc,dec}oder.layers.N.block.K.conv.P
 *   {enc,dec}oder.model.N.shortcut.conv.conv.P    {enc,dec}oder.layers.N.shortcut.conv.P
 *   {enc,dec}oder.model.N.lstm.P                  {enc,dec}oder.layers.N.lstm.P
 *   quantizer.vq.layers.K._codebook.P             quantizer.layers.K.codebook.P
 * </pre>
 * HF writes a transposed convolution under the same {@code conv} name as a plain one, so the reverse
 * direction cannot be read off a key alone: {@link #toAudiocraft} inverts {@link #toHf} over the keys the
 * model expects. Checkpoints saved with PyTorch's newer parametrised weight norm name g and v
 * {@code P = parametrizations.weight.original0 / original1}; they are read as {@code weight_g / weight_v}.
 */
public final class HfKeyMap {
    private record Rule(Pattern audiocraft, String hf) {
    }

    private static final List<Rule> RULES = List.of(
            new Rule(Pattern.compile("^(encoder|decoder)\\.model\\.(\\d+)\\.conv\\.conv\\.(.+)$"), "$1.layers.$2.conv.$3"),
            new Rule(Pattern.compile("^(decoder)\\.model\\.(\\d+)\\.convtr\\.convtr\\.(.+)$"), "$1.layers.$2.conv.$3"),
            new Rule(Pattern.compile("^(encoder|decoder)\\.model\\.(\\d+)\\.block\\.(\\d+)\\.conv\\.conv\\.(.+)$"),
                    "$1.layers.$2.block.$3.conv.$4"),
            new Rule(Pattern.compile("^(encoder|decoder)\\.model\\.(\\d+)\\.shortcut\\.conv\\.conv\\.(.+)$"),
                    "$1.layers.$2.shortcut.conv.$3"),
            new Rule(Pattern.compile("^(encoder|decoder)\\.model\\.(\\d+)\\.lstm\\.(.+)$"), "$1.layers.$2.lstm.$3"),
            new Rule(Pattern.compile("^quantizer\\.vq\\.layers\\.(\\d+)\\._codebook\\.(.+)$"), "quantizer.layers.$1.codebook.$2"));

    private static final Pattern HF_KEY = Pattern.compile("^((encoder|decoder)\\.layers\\.|quantizer\\.layers\\.)");

    private HfKeyMap() {
    }

    /** The HF name of a full-model audiocraft key; throws for a key outside the table. */
    public static String toHf(String audiocraftKey) {
        for (Rule r : RULES) {
            Matcher m = r.audiocraft.matcher(audiocraftKey);
            if (m.matches()) {
                return m.replaceFirst(r.hf);
            }
        }
        throw new IllegalArgumentException("no HF name for " + audiocraftKey);
    }

    /** Renames PyTorch's parametrised weight-norm tensors to the classic {@code weight_g / weight_v}. */
    public static String normalizeWeightNorm(String key) {
        return key.replace(".parametrizations.weight.original0", ".weight_g")
                .replace(".parametrizations.weight.original1", ".weight_v");
    }

    /** True when some key uses HF's layout ({@code encoder.layers.}, {@code decoder.layers.}, {@code quantizer.layers.}). */
    public static boolean isHf(Collection<String> keys) {
        return keys.stream().anyMatch(k -> HF_KEY.matcher(k).find());
    }

    /**
     * Renames an HF checkpoint to audiocraft keys. {@code expected} are the audiocraft keys of the
     * model; a checkpoint key that is no expected key's HF name is kept unchanged, so that the model's
     * strict check reports it as unexpected together with everything that is missing.
     */
    public static Map<String, Tensor> toAudiocraft(Map<String, Tensor> checkpoint, Collection<String> expected) {
        Map<String, String> byHf = new LinkedHashMap<>();
        for (String k : expected) {
            String hf = toHf(k);
            if (byHf.put(hf, k) != null) {
                throw new IllegalStateException("two model keys map to " + hf);
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : checkpoint.entrySet()) {
            String hf = normalizeWeightNorm(e.getKey());
            String key = byHf.getOrDefault(hf, e.getKey());
            Tensor t = e.getValue();
            // A tensor carries its own name, which safetensors writers use: rename it too.
            if (out.put(key, new Tensor(key, t.dtype(), t.shape(), t.data())) != null) {
                throw new LockeyException("checkpoint holds two tensors for " + key + " (e.g. " + e.getKey() + ")");
            }
        }
        return out;
    }
}
