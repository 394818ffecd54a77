package org.lockey.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.lockey.LockeyException;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.PadMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Padding of the time axis of a {@code [B, C, T]} tensor with {@code torch.nn.functional.pad}
 * semantics, built only from ops whose gradients are right.
 *
 * <p>SameDiff's own {@code nn().pad(..., REFLECT)} computes the forward pass correctly but gives the
 * mirrored samples no gradient (docs/architecture.md, "SameDiff traps avoided"), so reflection is assembled
 * here from slices, a reverse and a concat, whose gradients are plain copies.
 *
 * <p>{@link #reflect} also reproduces EnCodec's {@code pad1d} rule for inputs shorter than the
 * reflection ({@code encodec/modules/conv.py: pad1d}; audiocraft {@code modules/conv.py: pad1d}): when
 * {@code T <= max(left, right)}, zeros are first appended on the right so that {@code torch}'s
 * reflection is defined, and removed again after padding:
 * <pre>
 *   x = a b            (T = 2), left = right = 3
 *   append 2 zeros:    a b 0 0
 *   reflect 3/3:       0 0 b | a b 0 0 | 0 b a
 *   drop last 2:       0 0 b a b 0 0 0       (T + 6 samples)
 * </pre>
 */
public final class Pad {

    /** Padding modes, named as upstream names them ({@code pad_mode}). */
    public enum Mode {
        /** Zeros ({@code "constant"}; audiocraft's default for SEANet). */
        CONSTANT,
        /** Reflection without repeating the edge sample ({@code "reflect"}; EnCodec's and HF's default). */
        REFLECT;

        /** The mode for an upstream {@code pad_mode} string. */
        public static Mode fromUpstream(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "constant", "zero", "zeros" -> CONSTANT;
                case "reflect" -> REFLECT;
                default -> throw new LockeyException("pad_mode '" + name + "' is not supported (use constant or reflect)");
            };
        }

        /** The upstream spelling. */
        public String upstreamName() {
            return this == CONSTANT ? "constant" : "reflect";
        }
    }

    private Pad() {
    }

    /**
     * Pads the last axis of {@code x} [B, C, T] by {@code left} and {@code right} samples.
     *
     * @param x      the input, [B, C, length]
     * @param length T, the static length of the last axis
     * @param left   samples added before the first
     * @param right  samples added after the last
     * @param mode   zeros or reflection
     * @return [B, C, left + length + right]
     */
    public static SDVariable pad1d(SDVariable x, long length, int left, int right, Mode mode) {
        return mode == Mode.CONSTANT ? constant(x, left, right) : reflect(x, length, left, right);
    }

    /** Zero padding of the last axis of {@code x} [B, C, T]: [B, C, left + T + right]. */
    public static SDVariable constant(SDVariable x, int left, int right) {
        check(left, right);
        if (left == 0 && right == 0) {
            return x;
        }
        SameDiff sd = x.getSameDiff();
        SDVariable paddings = sd.constant(Nd4j.createFromArray(new int[][] {{0, 0}, {0, 0}, {left, right}}));
        return sd.nn().pad(x, paddings, PadMode.CONSTANT, 0.0);
    }

    /**
     * Reflection padding of the last axis of {@code x} [B, C, length] with upstream's rule for short
     * inputs (see the class comment): [B, C, left + length + right].
     */
    public static SDVariable reflect(SDVariable x, long length, int left, int right) {
        check(left, right);
        if (left == 0 && right == 0) {
            return x;
        }
        int maxPad = Math.max(left, right);
        if (length > maxPad) {
            return mirror(x, length, left, right);
        }
        // torch's reflection needs length > pad: borrow zeros on the right, as upstream does.
        int extra = (int) (maxPad - length + 1);
        SDVariable widened = constant(x, 0, extra);                         // [B, C, length + extra]
        SDVariable padded = mirror(widened, length + extra, left, right);  // [B, C, left + length + extra + right]
        long end = left + length + right;
        return padded.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(0L, end));
    }

    /** Reflection for {@code length > max(left, right)}: x[p..1] | x | x[T-2..T-1-p]. */
    private static SDVariable mirror(SDVariable x, long length, int left, int right) {
        SameDiff sd = x.getSameDiff();
        List<SDVariable> parts = new ArrayList<>();
        if (left > 0) {
            // Samples 1..left, mirrored: the edge sample 0 is not repeated.
            SDVariable head = x.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(1L, 1L + left));
            parts.add(sd.reverse(head, 2));
        }
        parts.add(x);
        if (right > 0) {
            SDVariable tail = x.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(length - 1 - right, length - 1));
            parts.add(sd.reverse(tail, 2));
        }
        return sd.concat(2, parts.toArray(new SDVariable[0]));
    }

    private static void check(int left, int right) {
        if (left < 0 || right < 0) {
            throw new IllegalArgumentException("negative padding " + left + "/" + right);
        }
    }
}
