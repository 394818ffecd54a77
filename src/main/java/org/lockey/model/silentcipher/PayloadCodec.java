package org.lockey.model.silentcipher;

import java.util.Arrays;

import org.lockey.LockeyException;

/**
 * The message format of the watermark: a payload of bits <-> the per-frame classes the message
 * encoder embeds and the message decoder predicts (docs/silentcipher.md, "Payload format"; SilentCipher paper
 * Sec. 3.1, upstream {@code server.py encode_wav / letters_encoding / decode_wav}).
 *
 * <p>Encoding: the bits, most significant first, in pairs -> 2-bit symbols s in 0..3 (an odd
 * payload's last symbol carries its final bit as the high bit, low bit 0) -> classes s + 1 in 1..4,
 * followed by the end token, class 0. That sequence is one <em>period</em> of
 * {@code ceil(bits / 2) + 1} frames (16-bit key: 9; SilentCipher's 40-bit payload: 21); it is
 * one-hot over {@link #MESSAGE_DIM} = 5 classes and tiled cyclically along the STFT frames (a partial
 * copy at the end).
 *
 * <p>Decoding ({@link #decodePeriodic}): the argmax class of every frame; only whole periods are kept
 * (floor(T / P) P frames from the first); the <em>mode</em> of each of the P positions across the
 * repetitions (the smallest class on a tie, as scipy's {@code stats.mode}); the message starts
 * right after the end token, wherever the end token landed (audio that starts mid-period decodes to
 * the same payload). The confidence is the share of kept frames equal to their position's mode.
 * Unlike upstream (which takes the first class-0 position and returns garbage for others), a mode
 * sequence with no or several end tokens is reported as "no message".
 */
public final class PayloadCodec {
    /** Classes: the end token and the four 2-bit symbols. */
    public static final int MESSAGE_DIM = 5;
    /** Class of the end token. */
    public static final int END_TOKEN = 0;
    /** Bits per symbol. */
    public static final int BITS_PER_SYMBOL = 2;

    private final int payloadBits;

    /** A codec for payloads of exactly {@code payloadBits} bits (at least 1). */
    public PayloadCodec(int payloadBits) {
        if (payloadBits < 1) {
            throw new LockeyException("a payload needs at least 1 bit, got " + payloadBits);
        }
        this.payloadBits = payloadBits;
    }

    /** Bits per payload. */
    public int payloadBits() {
        return payloadBits;
    }

    /** 2-bit symbols per payload, {@code ceil(bits / 2)}. */
    public int symbolCount() {
        return (payloadBits + 1) / BITS_PER_SYMBOL;
    }

    /** Frames per period: the symbols plus the end token (SilentCipher's {@code message_len}). */
    public int period() {
        return symbolCount() + 1;
    }

    /** The 2-bit symbols 0..3 of a payload, most significant bits first (upstream's message symbols). */
    public int[] symbols(boolean[] bits) {
        if (bits.length != payloadBits) {
            throw new LockeyException("payload has " + bits.length + " bits; this codec carries exactly "
                    + payloadBits);
        }
        int[] s = new int[symbolCount()];
        for (int i = 0; i < s.length; i++) {
            int hi = bits[2 * i] ? 1 : 0;
            int lo = 2 * i + 1 < bits.length && bits[2 * i + 1] ? 1 : 0;
            s[i] = 2 * hi + lo;
        }
        return s;
    }

    /** One period of classes: symbol + 1 for every symbol, then the end token. */
    public int[] periodClasses(boolean[] bits) {
        return classesOfSymbols(symbols(bits), MESSAGE_DIM);
    }

    /**
     * One period of classes for upstream's message symbols (values 0..messageDim-2): symbol + 1, then
     * the end token 0 (upstream {@code letters_encoding}).
     */
    public static int[] classesOfSymbols(int[] symbols, int messageDim) {
        int[] c = new int[symbols.length + 1];
        for (int i = 0; i < symbols.length; i++) {
            if (symbols[i] < 0 || symbols[i] > messageDim - 2) {
                throw new LockeyException("message symbol " + symbols[i] + " at position " + i
                        + " is outside 0.." + (messageDim - 2) + " (message_dim " + messageDim + ")");
            }
            c[i] = symbols[i] + 1;
        }
        c[symbols.length] = END_TOKEN;
        return c;
    }

    /** The payload's classes for {@code frames} frames, tiled from the start of a period. */
    public int[] frameClasses(boolean[] bits, int frames) {
        return tile(periodClasses(bits), frames, 0);
    }

    /** {@code out[t] = period[(t + offset) mod P]}: the tiling seen from frame {@code offset} on. */
    public static int[] tile(int[] period, int frames, int offset) {
        if (period.length == 0 || frames < 0) {
            throw new IllegalArgumentException("cannot tile " + period.length + " classes over " + frames + " frames");
        }
        int[] out = new int[frames];
        int p = period.length;
        for (int t = 0; t < frames; t++) {
            out[t] = period[Math.floorMod(t + offset, p)];
        }
        return out;
    }

    /** One-hot {@code [dim][frames]} of per-frame classes (the layout of upstream's message tensor). */
    public static float[][] oneHot(int[] classes, int dim) {
        float[][] m = new float[dim][classes.length];
        for (int t = 0; t < classes.length; t++) {
            if (classes[t] < 0 || classes[t] >= dim) {
                throw new LockeyException("class " + classes[t] + " at frame " + t + " is outside 0.." + (dim - 1));
            }
            m[classes[t]][t] = 1f;
        }
        return m;
    }

    /** The bits of 2-bit symbols, inverse of {@link #symbols} (drops the padding bit of an odd payload). */
    public boolean[] bits(int[] symbols) {
        if (symbols.length != symbolCount()) {
            throw new LockeyException(symbols.length + " symbols; a " + payloadBits + "-bit payload has "
                    + symbolCount());
        }
        boolean[] b = new boolean[payloadBits];
        for (int i = 0; i < payloadBits; i++) {
            int s = symbols[i / 2];
            if (s < 0 || s > 3) {
                throw new LockeyException("symbol " + s + " is not a 2-bit value");
            }
            b[i] = i % 2 == 0 ? (s & 2) != 0 : (s & 1) != 0;
        }
        return b;
    }

    /**
     * Decodes a payload from per-frame classes (argmax of the message decoder): {@link #decodePeriodic}
     * with this codec's period, then symbols -> bits.
     *
     * @throws LockeyException when there are fewer frames than one period
     */
    public Decoded decode(int[] frameClasses) {
        Decoded d = decodePeriodic(frameClasses, period());
        if (!d.found()) {
            return d;
        }
        return new Decoded(true, d.symbols(), bits(d.symbols()), d.confidence(), d.periods(), "");
    }

    /**
     * The period rule of upstream {@code decode_wav} for any period P (SilentCipher's
     * {@code message_len}) and any classes: keep floor(T/P) P frames, take the per-position mode,
     * measure agreement, rotate at the end token. The symbols are {@code class - 1} (upstream's
     * message symbols); {@code bits} is empty (the class count is not known here).
     *
     * @throws LockeyException when there are fewer frames than one period
     */
    public static Decoded decodePeriodic(int[] frameClasses, int period) {
        if (period < 2) {
            throw new LockeyException("a message period needs at least 2 frames, got " + period);
        }
        int reps = frameClasses.length / period;
        if (reps == 0) {
            throw new LockeyException(frameClasses.length + " frames are fewer than one message period of "
                    + period + " frames: nothing to decode");
        }
        int[] mode = new int[period];
        long agree = 0;
        for (int j = 0; j < period; j++) {
            int[] column = new int[reps];
            for (int r = 0; r < reps; r++) {
                column[r] = frameClasses[r * period + j];
            }
            mode[j] = smallestMode(column);
            for (int c : column) {
                agree += c == mode[j] ? 1 : 0;
            }
        }
        double confidence = (double) agree / ((long) reps * period);
        int end = -1;
        int ends = 0;
        for (int j = 0; j < period; j++) {
            if (mode[j] == END_TOKEN) {
                ends++;
                end = end < 0 ? j : end;
            }
        }
        if (ends != 1) {
            return new Decoded(false, new int[0], new boolean[0], confidence, reps,
                    ends == 0 ? "no end token among the per-position modes" : ends + " end tokens among the per-position modes");
        }
        int[] symbols = new int[period - 1];
        for (int i = 0; i < period - 1; i++) {
            symbols[i] = mode[(end + 1 + i) % period] - 1;
        }
        return new Decoded(true, symbols, new boolean[0], confidence, reps, "");
    }

    /** The most frequent value; the smallest of the most frequent on a tie (scipy.stats.mode). */
    static int smallestMode(int[] values) {
        int[] sorted = values.clone();
        Arrays.sort(sorted);
        int best = sorted[0];
        int bestCount = 0;
        for (int i = 0; i < sorted.length;) {
            int j = i;
            while (j < sorted.length && sorted[j] == sorted[i]) {
                j++;
            }
            if (j - i > bestCount) {
                bestCount = j - i;
                best = sorted[i];
            }
            i = j;
        }
        return best;
    }

    /** Bits of {@code value}'s low {@code nBits} bits, most significant first. */
    public static boolean[] bitsOf(long value, int nBits) {
        if (nBits < 1 || nBits > 64) {
            throw new IllegalArgumentException("nBits must be in 1..64, got " + nBits);
        }
        boolean[] b = new boolean[nBits];
        for (int i = 0; i < nBits; i++) {
            b[i] = ((value >>> (nBits - 1 - i)) & 1L) != 0;
        }
        return b;
    }

    /** The bits (most significant first, at most 64) as a number. */
    public static long valueOf(boolean[] bits) {
        if (bits.length > 64) {
            throw new IllegalArgumentException(bits.length + " bits do not fit a long");
        }
        long v = 0;
        for (boolean bit : bits) {
            v = (v << 1) | (bit ? 1 : 0);
        }
        return v;
    }

    /**
     * A decoding result.
     *
     * @param found      whether the per-position modes hold exactly one end token
     * @param symbols    the message symbols (class - 1) in order, empty when not found
     * @param bits       the payload bits, empty when not found or when decoded without a codec
     * @param confidence the share of kept frames that agree with their position's mode
     * @param periods    the whole message periods the vote was taken over (0 when nothing was read); the
     *                   detection threshold may depend on it ({@link DetectThreshold})
     * @param problem    why nothing was found, else empty
     */
    public record Decoded(boolean found, int[] symbols, boolean[] bits, double confidence, int periods,
            String problem) {
        public Decoded {
            symbols = symbols.clone();
            bits = bits.clone();
        }

        @Override
        public int[] symbols() {
            return symbols.clone();
        }

        @Override
        public boolean[] bits() {
            return bits.clone();
        }
    }
}
