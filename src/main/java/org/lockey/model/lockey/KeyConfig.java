package org.lockey.model.lockey;

import org.lockey.LockeyException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Sizes of the key path of a keyed generator (decisions.md, "Key conditioning").
 *
 * @param keyBits   K, the key size in bits ({@code key_bits}; paper: 16)
 * @param keyDim    d, the embedding size per (bit position, bit value) ({@code key_dim}; default 64)
 * @param keyHidden h, the key encoder's hidden channels ({@code key_hidden}; default 256)
 * @param channels  C, the channels at the injection point ({@code channels}; HiFi-GAN V1 after
 *                  {@code ups.0}: 256; Encodec 32 kHz after {@code decoder.model.1}: 1024)
 */
public record KeyConfig(int keyBits, int keyDim, int keyHidden, int channels) {
    public KeyConfig {
        if (keyBits < 1 || keyBits > 64) {
            throw new LockeyException("key_bits must be between 1 and 64, got " + keyBits);
        }
        if (keyDim < 1 || keyHidden < 1 || channels < 1) {
            throw new LockeyException("key_dim, key_hidden and channels must be positive, got " + keyDim + ", "
                    + keyHidden + ", " + channels);
        }
    }

    /** The defaults of decisions.md for a given injection width: K 16, d 64, h 256. */
    public static KeyConfig defaults(int channels) {
        return new KeyConfig(16, 64, 256, channels);
    }

    /** Reads {@code key_bits}, {@code key_dim}, {@code key_hidden}, {@code channels}; absent fields take the defaults. */
    public static KeyConfig fromJson(JsonNode n) {
        if (n == null || !n.has("channels")) {
            throw new LockeyException("key config: 'channels' (width at the injection point) is required");
        }
        return new KeyConfig(n.path("key_bits").asInt(16), n.path("key_dim").asInt(64), n.path("key_hidden").asInt(256),
                n.get("channels").asInt());
    }

    /** The JSON form read by {@link #fromJson}. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("key_bits", keyBits);
        o.put("key_dim", keyDim);
        o.put("key_hidden", keyHidden);
        o.put("channels", channels);
        return o;
    }
}
