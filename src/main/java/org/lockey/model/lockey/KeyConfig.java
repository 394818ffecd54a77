package org.lockey.model.lockey;

import java.util.Locale;
import java.util.Objects;

import org.lockey.LockeyException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Sizes of the key path of a keyed generator (docs/lockey.md, "Decisions and why").
 *
 * @param keyBits   K, the key size in bits ({@code key_bits}; paper: 16)
 * @param keyDim    d, the embedding size per (bit position, bit value) ({@code key_dim}; default 64)
 * @param keyHidden h, the key encoder's hidden channels ({@code key_hidden}; default 256)
 * @param channels  C, the channels at the injection point ({@code channels}; HiFi-GAN V1 after
 *                  {@code ups.0}: 256; Encodec 32 kHz after {@code decoder.model.1}: 1024)
 * @param clockHop  0 (the paper: the key vector alone, broadcast over time), or the watermark's STFT hop in
 *                  samples to add the payload clock as well ({@code clock_hop}; {@link KeyClock}, ours)
 * @param pooling   how E_k turns its per-bit features into one vector ({@code pooling}; absent = {@link
 *                  Pooling#MEAN})
 * @param injection how the key term meets the generator's activation ({@code injection}; absent = {@link
 *                  Injection#ADDED})
 * @param clockForm how the payload clock acts on the activation when it is on ({@code clock_form}; absent = {@link
 *                  ClockForm#ADDITIVE})
 */
public record KeyConfig(int keyBits, int keyDim, int keyHidden, int channels, int clockHop, Pooling pooling,
        Injection injection, ClockForm clockForm) {

    /** How the payload clock's per-symbol vectors act on the activation h at the injection point (ours). */
    public enum ClockForm {
        /** {@code h + track}: one vector per symbol added during its frames (the first form of the clock). */
        ADDITIVE,
        /**
         * {@code h + track + h * scale_track}: besides the added vector, a per-channel gain per symbol, so the
         * symbol reshapes the content's own features during its frames, the way SilentCipher's carrier is a
         * content-scaled change of the magnitude spectrogram. Both tables start at zero. With {@link
         * Injection#VERIFIED} both tracks are scaled by the head's probability that the key is valid, so a key the
         * head rejects writes no watermark.
         */
        MODULATED,
        /**
         * The additive clock, and at the generator's output a short FIR filter per symbol
         * ({@code key_clock.filter_symbols [4, taps]}, {@code key_clock.filter_end [taps]}, zero at the start):
         * {@code y' = y + f_s * y} during symbol s's frames, a content-scaled spectral change of the generated audio,
         * the form SilentCipher's carrier takes. With {@link Injection#VERIFIED} the filtered part is scaled by the
         * head's probability that the key is valid, so a key the head rejects writes no watermark.
         */
        FILTERED,
        /**
         * The additive clock, and at the generator's output a gain per payload symbol and frequency bin of the
         * watermark's own STFT ({@code key_clock.spectral_symbols [4, band]}, {@code key_clock.spectral_end [band]},
         * zero at the start; band = the watermark's message band, {@code clock_hop / 2} bins):
         * {@code y' = y + ISTFT(g_s(f) STFT(y))} on the watermark's frames, each frame scaled by the gains of the symbol
         * it carries: the content's own spectrum re-weighted bin by bin with its phase kept, the form of SilentCipher's
         * message (a profile over the band per class) and carrier (scaled by the content). With {@link
         * Injection#VERIFIED} the change is scaled by the head's probability that the key is valid.
         */
        SPECTRAL,
        /**
         * As {@link #SPECTRAL}, but the symbol's profile is added to the magnitude along each bin's phase instead of
         * scaling it: {@code |Y'| = |Y| + a_s(f) rms_f |Y(., t)|} ({@code key_clock.carrier_symbols [4, band]},
         * {@code key_clock.carrier_end [band]}), SilentCipher's own form (a carrier added to the magnitude, normalised
         * per frame), which also reaches bins the content leaves quiet.
         */
        CARRIER
    }

    /** How E_k's last layer makes one vector of a key. */
    public enum Pooling {
        /**
         * A 3-tap conv to C channels at every bit position, then the mean over the bit axis (the form of the
         * golden case {@code lockey_key_encoder}). A sum of local features: it cannot memorise a large random
         * valid set (docs/lockey.md, "Key capacity").
         */
        MEAN,
        /**
         * The second conv spans all K bit positions (kernel K, no padding): h units that each see the whole key,
         * then a 1x1 conv to C. A flattening followed by a wide hidden layer, which can memorise a random set.
         */
        FLAT
    }

    /** How the key term (broadcast vector, plus the payload clock when on) enters the generator. */
    public enum Injection {
        /** Added as it is (the paper, Fig. 1): a fresh key path perturbs the generator from the first step. */
        ADDED,
        /**
         * Multiplied per channel by a learnable gain {@code key_gate} [C] that starts at zero, then added: at
         * step 0 the keyed generator equals its base generator for every key, exactly.
         */
        GATED,
        /**
         * Ours, as {@link #GATED} with two changes: the broadcast vector is scaled per example by the verification
         * head's probability that the key is invalid, so a key the head accepts injects (almost) nothing but its
         * clock track, and the clock track is not gated (its tables start at zero, so it starts as nothing and
         * learns from the first step). The degradation of invalid keys and the watermark of valid ones then have
         * separate paths into the generator, and what separates them is the head the warm-up trained. At step 0 it
         * is the base generator for every key.
         */
        VERIFIED
    }

    /** The paper's conditioning: no payload clock, mean pooling, added as is. */
    public KeyConfig(int keyBits, int keyDim, int keyHidden, int channels) {
        this(keyBits, keyDim, keyHidden, channels, 0);
    }

    /** Mean pooling, added as is, with the payload clock at {@code clockHop} (0 = off). */
    public KeyConfig(int keyBits, int keyDim, int keyHidden, int channels, int clockHop) {
        this(keyBits, keyDim, keyHidden, channels, clockHop, Pooling.MEAN, Injection.ADDED);
    }

    /** The additive clock. */
    public KeyConfig(int keyBits, int keyDim, int keyHidden, int channels, int clockHop, Pooling pooling,
            Injection injection) {
        this(keyBits, keyDim, keyHidden, channels, clockHop, pooling, injection, ClockForm.ADDITIVE);
    }

    public KeyConfig {
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(injection, "injection");
        Objects.requireNonNull(clockForm, "clockForm");
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

    /** The defaults of docs/lockey.md ("Decisions and why") for a given injection width: K 16, d 64, h 256. */
    public static KeyConfig defaults(int channels) {
        return new KeyConfig(16, 64, 256, channels);
    }

    /** Whether the payload clock is on. */
    public boolean clocked() {
        return clockHop > 0;
    }

    /** This config with the payload clock at a watermark hop of {@code hop} samples (0 = off). */
    public KeyConfig withClockHop(int hop) {
        return new KeyConfig(keyBits, keyDim, keyHidden, channels, hop, pooling, injection, clockForm);
    }

    /** This config with another pooling. */
    public KeyConfig with(Pooling p) {
        return new KeyConfig(keyBits, keyDim, keyHidden, channels, clockHop, p, injection, clockForm);
    }

    /** This config with another injection. */
    public KeyConfig with(Injection i) {
        return new KeyConfig(keyBits, keyDim, keyHidden, channels, clockHop, pooling, i, clockForm);
    }

    /** This config with another form of the payload clock. */
    public KeyConfig with(ClockForm f) {
        return new KeyConfig(keyBits, keyDim, keyHidden, channels, clockHop, pooling, injection, f);
    }

    /** Whether the clock also filters the output per symbol ({@link ClockForm#FILTERED}); false when the clock is off. */
    public boolean filteredClock() {
        return clocked() && clockForm == ClockForm.FILTERED;
    }

    /** Whether the clock also changes the output's spectrum per symbol ({@link ClockForm#SPECTRAL}, {@link ClockForm#CARRIER}). */
    public boolean spectralClock() {
        return clocked() && (clockForm == ClockForm.SPECTRAL || clockForm == ClockForm.CARRIER);
    }

    /** Whether the clock also scales the activation ({@link ClockForm#MODULATED}); false when the clock is off. */
    public boolean modulatedClock() {
        return clocked() && clockForm == ClockForm.MODULATED;
    }

    /**
     * Reads {@code key_bits}, {@code key_dim}, {@code key_hidden}, {@code channels}, {@code clock_hop},
     * {@code pooling}, {@code injection}, {@code clock_form}; absent fields take the defaults (clock off, mean,
     * added, additive clock: the paper's form, so that models written before these fields existed read as they were).
     */
    public static KeyConfig fromJson(JsonNode n) {
        if (n == null || !n.has("channels")) {
            throw new LockeyException("key config: 'channels' (width at the injection point) is required");
        }
        return new KeyConfig(n.path("key_bits").asInt(16), n.path("key_dim").asInt(64), n.path("key_hidden").asInt(256),
                n.get("channels").asInt(), n.path("clock_hop").asInt(0),
                parse(Pooling.class, "pooling", n.path("pooling").asText("mean")),
                parse(Injection.class, "injection", n.path("injection").asText("added")),
                parse(ClockForm.class, "clock_form", n.path("clock_form").asText("additive")));
    }

    /** The enum constant named {@code text} in lower case, or a one-line error naming the field. */
    public static <E extends Enum<E>> E parse(Class<E> type, String field, String text) {
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(text)) {
                return e;
            }
        }
        StringBuilder choices = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            choices.append(choices.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
        }
        throw new LockeyException("key config: '" + field + "' must be one of " + choices + ", not '" + text + "'");
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
        if (clocked() && clockForm != ClockForm.ADDITIVE) {
            o.put("clock_form", clockForm.name().toLowerCase(Locale.ROOT));
        }
        if (pooling != Pooling.MEAN) {
            o.put("pooling", pooling.name().toLowerCase(Locale.ROOT));
        }
        if (injection != Injection.ADDED) {
            o.put("injection", injection.name().toLowerCase(Locale.ROOT));
        }
        return o;
    }
}
