package org.lockey.model.lockey;

import java.util.Locale;

import org.lockey.LockeyException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A user's secret key: K bits (1..64), written as a hex string of ceil(K/4) digits. Bit i is the
 * i-th most significant of the K bits ({@code k_0} = MSB), as in the watermark payload
 * (docs/lockey.md, "Decisions and why"). {@link #toString()} never shows the value, so a key cannot leak into a log by
 * accident; use {@link #toHex()} where showing it is the point.
 *
 * @param bits  K
 * @param value the key as an unsigned integer below 2^K
 */
public record Key(int bits, long value) {
    public Key {
        if (bits < 1 || bits > 64) {
            throw new LockeyException("key size must be 1..64 bits, got " + bits);
        }
        if (bits < 64 && (value >>> bits) != 0) {
            throw new LockeyException("key value does not fit in " + bits + " bits");
        }
    }

    /** Number of hex digits of a K-bit key. */
    public static int hexDigits(int bits) {
        return (bits + 3) / 4;
    }

    /**
     * Parses a hex key of exactly {@code hexDigits(bits)} digits (an optional {@code 0x} prefix and
     * either case are accepted); a clear error otherwise, which never repeats the input.
     */
    public static Key parseHex(String text, int bits) {
        String s = text == null ? "" : text.strip();
        if (s.startsWith("0x") || s.startsWith("0X")) {
            s = s.substring(2);
        }
        int want = hexDigits(bits);
        if (s.length() != want) {
            throw new LockeyException("malformed key: a " + bits + "-bit key has " + want + " hex digits, got "
                    + s.length());
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0) {
                throw new LockeyException("malformed key: character " + (i + 1) + " is not a hex digit");
            }
            v = (v << 4) | d;
        }
        if (bits < 64 && (v >>> bits) != 0) {
            throw new LockeyException("malformed key: value exceeds " + bits + " bits");
        }
        return new Key(bits, v);
    }

    /** Lower-case hex of {@code hexDigits(bits)} digits. */
    public String toHex() {
        String h = Long.toHexString(value).toLowerCase(Locale.ROOT);
        return "0".repeat(Math.max(0, hexDigits(bits) - h.length())) + h;
    }

    /** Bit i (0 = most significant). */
    public int bit(int i) {
        if (i < 0 || i >= bits) {
            throw new IndexOutOfBoundsException(i);
        }
        return (int) ((value >>> (bits - 1 - i)) & 1);
    }

    /** All bits, most significant first, as the watermark payload takes them. */
    public boolean[] bitFlags() {
        boolean[] b = new boolean[bits];
        for (int i = 0; i < bits; i++) {
            b[i] = bit(i) == 1;
        }
        return b;
    }

    /** The bits of several keys of one size as the keyed generators' {@code key_bits} input, {@code [N, K]} int64 0/1. */
    public static INDArray bitMatrix(Key... keys) {
        long[][] rows = new long[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            rows[i] = keys[i].bitArray();
        }
        return Nd4j.createFromArray(rows);
    }

    /** All bits, most significant first, as the keyed generators take them ([K] int64 0/1). */
    public long[] bitArray() {
        long[] b = new long[bits];
        for (int i = 0; i < bits; i++) {
            b[i] = bit(i);
        }
        return b;
    }

    /** The key whose bits (most significant first) are {@code b}. */
    public static Key fromBits(int[] b) {
        long v = 0;
        for (int x : b) {
            if (x != 0 && x != 1) {
                throw new IllegalArgumentException("bits must be 0 or 1");
            }
            v = (v << 1) | x;
        }
        return new Key(b.length, v);
    }

    /** Number of differing bits. */
    public int hamming(Key other) {
        if (other.bits != bits) {
            throw new IllegalArgumentException("keys of different sizes");
        }
        return Long.bitCount(value ^ other.value);
    }

    @Override
    public String toString() {
        return "Key[" + bits + " bits, hidden]";
    }
}
