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
 * @param clockHop  0 (the paper: the key vector alone, broadcast over time), or the watermark's STFT hop in
 *                  samples to add the payload clock as well ({@code clock_hop}; {@link KeyClock}, ours)
 */
public record KeyConfig(int keyBits, int keyDim, int keyHidden, int channels, int clockHop) {
    /** The paper's conditioning: no payload clock. */
    public KeyConfig(int keyBits, int keyDim, int keyHidden, int channels) {
        this(keyBits, keyDim, keyHidden, channels, 0);
    }

    public KeyConfig {
        if (clockHop < 0) {
            throw new LockeyException("clock_hop must be 0 (off) or a positive hop in samples, got " + clockHop);
        }
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

    /** Whether the payload clock is on. */
    public boolean clocked() {
        return clockHop > 0;
    }

    /** This config with the payload clock at a watermark hop of {@code hop} samples (0 = off). */
    public KeyConfig withClockHop(int hop) {
        return new KeyConfig(keyBits, keyDim, keyHidden, channels, hop);
    }

    /**
     * Reads {@code key_bits}, {@code key_dim}, {@code key_hidden}, {@code channels}, {@code clock_hop};
     * absent fields take the defaults (clock off).
     */
    public static KeyConfig fromJson(JsonNode n) {
        if (n == null || !n.has("channels")) {
            throw new LockeyException("key config: 'channels' (width at the injection point) is required");
        }
        return new KeyConfig(n.path("key_bits").asInt(16), n.path("key_dim").asInt(64), n.path("key_hidden").asInt(256),
                n.get("channels").asInt(), n.path("clock_hop").asInt(0));
    }

    /** The JSON form read by {@link #fromJson}. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("key_bits", keyBits);
        o.put("key_dim", keyDim);
        o.put("key_hidden", keyHidden);
        o.put("channels", channels);
        if (clocked()) {
            o.put("clock_hop", clockHop);
        }
        return o;
    }
}
