package org.lockey.metric;

import org.lockey.LockeyException;
import org.lockey.model.silentcipher.PayloadCodec;

/**
 * Bit accuracy of a watermark decoded from per-frame classes (the argmax of SilentCipher's message
 * decoder), for evaluation and training progress.
 *
 * <p>{@link #aligned}: the evaluation embeds the clip itself, so the position of every frame in
 * the message period is known (frame t carries period position {@code (t + offset) mod P}, offset 0
 * for {@code SilentCipher#embed}). Per position, the mode of the classes over <em>all</em> frames at
 * that position (the smallest class on a tie); a symbol position whose mode is a symbol class
 * {@code c in 1..4} gives the two bits of {@code c - 1}, a mode equal to the end token gives two
 * wrong bits. The result is the share of the payload's bits that are right: 0.5 is chance, 1 is a
 * perfect decode. Unlike {@code watermark detect} it does not need the end token to be found, so it
 * measures partially decoded payloads too.
 *
 * <p>{@link #perFrame}: without the mode (a training batch's raw frames): over frames whose target
 * is a symbol, the share of the two bits of the predicted symbol that are right (an end token
 * predicted there counts as two wrong bits).
 */
public final class BitAccuracy {
    private BitAccuracy() {
    }

    /** Aligned bit accuracy of {@code bits} decoded from {@code frameClasses} (see class doc). */
    public static double aligned(int[] frameClasses, boolean[] bits, int offset) {
        PayloadCodec codec = new PayloadCodec(bits.length);
        int p = codec.period();
        if (frameClasses.length < p) {
            throw new LockeyException(frameClasses.length + " frames are fewer than one message period of " + p);
        }
        int[] symbols = codec.symbols(bits);
        int correct = 0;
        for (int s = 0; s < symbols.length; s++) {
            int[] counts = new int[PayloadCodec.MESSAGE_DIM];
            for (int t = 0; t < frameClasses.length; t++) {
                if (Math.floorMod(t + offset, p) == s) {
                    counts[frameClasses[t]]++;
                }
            }
            int mode = 0;
            for (int c = 1; c < counts.length; c++) {
                if (counts[c] > counts[mode]) {
                    mode = c;
                }
            }
            correct += bitsRight(mode, symbols[s], s, bits.length);
        }
        return correct / (double) bits.length;
    }

    /** Per-frame bit accuracy of predicted against target classes (see class doc); NaN when no frame carries a symbol. */
    public static double perFrame(int[] predicted, int[] target) {
        if (predicted.length != target.length) {
            throw new LockeyException(predicted.length + " predictions for " + target.length + " targets");
        }
        long right = 0;
        long total = 0;
        for (int t = 0; t < target.length; t++) {
            if (target[t] == PayloadCodec.END_TOKEN) {
                continue;
            }
            total += 2;
            if (predicted[t] != PayloadCodec.END_TOKEN) {
                int x = (predicted[t] - 1) ^ (target[t] - 1);
                right += 2 - Integer.bitCount(x);
            }
        }
        return total == 0 ? Double.NaN : right / (double) total;
    }

    /** Right bits of symbol position s (of a payload of n bits) when the decoded class is {@code mode}. */
    private static int bitsRight(int mode, int symbol, int s, int n) {
        int bitsHere = Math.min(PayloadCodec.BITS_PER_SYMBOL, n - PayloadCodec.BITS_PER_SYMBOL * s);
        if (mode == PayloadCodec.END_TOKEN) {
            return 0;
        }
        int decoded = mode - 1;
        int right = (decoded >> 1 & 1) == (symbol >> 1 & 1) ? 1 : 0; // the high bit comes first
        if (bitsHere == 2) {
            right += (decoded & 1) == (symbol & 1) ? 1 : 0;
        }
        return right;
    }
}
