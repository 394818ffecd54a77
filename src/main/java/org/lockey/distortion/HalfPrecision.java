package org.lockey.distortion;

import java.util.SplittableRandom;

/**
 * Table I column {@code quant}: "16-bit floating point quantization" (LOCKEY Sec. V-A), taken
 * literally: every sample is rounded to the nearest IEEE 754 binary16 ("half precision") value,
 * ties to even, and stored back as float32. Deterministic (the generator is not used).
 *
 * <p>Why binary16 and not 16-bit PCM: the paper says floating point, and the two differ in kind.
 * binary16 keeps 11 significant bits at every level, so the error is relative:
 * {@code |q(x) - x| <= 2^-11 |x|} for normal values {@code |x| >= 2^-14}, and at most
 * {@code 2^-25} (half the subnormal step {@code 2^-24}) below that. 16-bit PCM has a fixed step of
 * {@code 2^-15}; its error would be larger than binary16's for every sample above 1/16 in
 * magnitude and smaller below.
 *
 * <p>Rounding: for {@code |x| >= 2^-14} the binary16 step at x's binade is {@code 2^(e - 10)},
 * {@code e = floor(log2 |x|)}; below, the subnormal step {@code 2^-24}. {@code q = rint(x / step) * step}
 * ({@link Math#rint} rounds half to even; dividing by a power of two is exact in double). A result
 * above 65504, the largest binary16 value, is an infinity, as IEEE rounding gives (no audio sample
 * comes near it). NaN stays NaN.
 */
public final class HalfPrecision implements Distortion {
    /** The largest finite binary16 value. */
    public static final float MAX_HALF = 65504f;
    /** The smallest positive normal binary16 value, 2^-14. */
    public static final double MIN_NORMAL_HALF = 0x1p-14;

    @Override
    public String name() {
        return "quant";
    }

    @Override
    public String description() {
        return "every sample rounded to the nearest IEEE binary16 (half-precision) value, ties to even";
    }

    @Override
    public float[] apply(float[] audio, int sampleRate, SplittableRandom rng) {
        float[] out = new float[audio.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = round(audio[i]);
        }
        return out;
    }

    /** {@code x} rounded to the nearest binary16 value (ties to even), as a float. */
    public static float round(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x) || x == 0) {
            return x;
        }
        double a = Math.abs((double) x);
        double step = a >= MIN_NORMAL_HALF ? Math.scalb(1.0, Math.getExponent(a) - 10) : 0x1p-24;
        double q = Math.rint(x / step) * step;
        if (Math.abs(q) > MAX_HALF) {
            return q > 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        }
        return (float) q;
    }
}
