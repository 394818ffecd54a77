package org.lockey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Damaged copies of a valid file for the readers' fuzz tests: one mutation per case, chosen by four integers that
 * QuickTheories draws (so a failing case is shrunk and printed as those integers). The reader under test must
 * either read the damaged bytes or refuse them with one {@link LockeyException} line naming the file; any other
 * exception, or a multi-line message, is a failure.
 */
public final class Fuzz {
    /** How many kinds of mutation {@link #mutate} knows. */
    public static final int KINDS = 9;
    /** Values a damaged length or offset field likes to take. */
    private static final long[] EXTREMES = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0xFFFFFFFFL, Long.MAX_VALUE,
            Long.MIN_VALUE, 1L << 31, 1L << 32, 1L << 40};

    private Fuzz() {
    }

    /**
     * A damaged copy of {@code valid}. {@code hot} is the length of the region that holds the format's fields (a
     * header): half the positions fall inside it, where damage reaches the parser rather than the payload.
     *
     * @param kind     0 flip a bit, 1 set a byte, 2 set 4 bytes, 3 set 8 bytes to an extreme value, 4 truncate,
     *                 5 insert random bytes, 6 delete bytes, 7 append random bytes, 8 set 4 bytes to an extreme value
     * @param position where (taken modulo the length, or the hot region's length when even)
     * @param value    what: the byte, word or random seed
     */
    public static byte[] mutate(byte[] valid, int hot, int kind, int position, int value) {
        int n = valid.length;
        int region = (position & 1) == 0 ? Math.max(1, Math.min(hot, n)) : n;
        int pos = Math.floorMod(position >> 1, region);
        SplittableRandom rng = new SplittableRandom(value);
        byte[] b = valid.clone();
        switch (kind) {
            case 0 -> b[pos] ^= (byte) (1 << Math.floorMod(value, 8));
            case 1 -> b[pos] = (byte) value;
            case 2 -> putLe(b, pos, value, 4);
            case 3 -> putLe(b, pos, EXTREMES[Math.floorMod(value, EXTREMES.length)], 8);
            case 4 -> b = Arrays.copyOf(b, pos);
            case 5 -> {
                byte[] extra = new byte[1 + Math.floorMod(value, 64)];
                rng.nextBytes(extra);
                b = splice(b, pos, 0, extra);
            }
            case 6 -> b = splice(b, pos, Math.min(n - pos, 1 + Math.floorMod(value, 64)), new byte[0]);
            case 7 -> {
                byte[] extra = new byte[1 + Math.floorMod(value, 256)];
                rng.nextBytes(extra);
                b = splice(b, n, 0, extra);
            }
            case 8 -> putLe(b, pos, EXTREMES[Math.floorMod(value, EXTREMES.length)], 4);
            default -> throw new IllegalArgumentException("mutation kind " + kind);
        }
        return b;
    }

    private static void putLe(byte[] b, int pos, long v, int width) {
        for (int i = 0; i < width && pos + i < b.length; i++) {
            b[pos + i] = (byte) (v >>> (8 * i));
        }
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    /**
     * Writes {@code bytes} to {@code file} and hands it to {@code reader}: passes when the reader returns or throws a
     * one-line {@link LockeyException} that starts with the file's name; throws {@link AssertionError} otherwise.
     */
    public static void check(Path file, byte[] bytes, Consumer<Path> reader, String description) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            reader.accept(file);
        } catch (LockeyException e) {
            String m = e.getMessage();
            if (m == null || m.contains("\n") || !m.startsWith(file.toString())) {
                throw new AssertionError(description + ": the refusal is not one line naming the file: " + m, e);
            }
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw new AssertionError(description + ": " + e, e);
        }
    }
}
