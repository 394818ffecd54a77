package org.lockey.distortion;

import java.util.SplittableRandom;

import org.lockey.LockeyException;
import org.lockey.audio.Resampler;

/**
 * Table I column {@code resamp}: "random resampling between 40 % and 100 % of the original
 * sampling rate" (LOCKEY Sec. V-A): down to a random lower rate and back.
 *
 * <p>A fraction r is drawn uniformly from [{@link #MIN_FRACTION}, {@link #MAX_FRACTION}); the
 * intermediate rate is {@code r * rate} rounded to a multiple of {@value #RATE_GRID} Hz (so the
 * resampling ratio reduces to small integers and the polyphase tables stay small), kept within
 * [0.4 rate, rate]. The audio is resampled to it and back with {@link Resampler} (Kaiser-windowed
 * sinc, 90 dB design, passband to 0.94 of the lower Nyquist, zero delay), then cut to the input
 * length (the round trip's length is {@code ceil(ceil(L m / rate) rate / m) >= L}). Content above the
 * intermediate Nyquist {@code m / 2} is removed (at least ~87 dB down), content below
 * {@code 0.94 m / 2} passes within 0.001 dB. An intermediate rate equal to the input rate returns a
 * copy.
 */
public final class RandomResample implements Distortion {
    /** Lowest fraction of the input rate (Table I). */
    public static final double MIN_FRACTION = 0.4;
    /** Highest fraction of the input rate (Table I). */
    public static final double MAX_FRACTION = 1.0;
    /** Intermediate rates are multiples of this many Hz. */
    public static final int RATE_GRID = 100;

    @Override
    public String name() {
        return "resamp";
    }

    @Override
    public String description() {
        return "resampled to a random rate in [40 %, 100 %] of the input rate (multiple of 100 Hz) and back";
    }

    @Override
    public float[] apply(float[] audio, int sampleRate, SplittableRandom rng) {
        return apply(audio, sampleRate, intermediateRate(sampleRate, rng));
    }

    /** The intermediate rate drawn from {@code rng} for input at {@code sampleRate}. */
    public static int intermediateRate(int sampleRate, SplittableRandom rng) {
        double r = MIN_FRACTION + (MAX_FRACTION - MIN_FRACTION) * rng.nextDouble();
        int lowest = (int) Math.ceil(MIN_FRACTION * sampleRate / RATE_GRID) * RATE_GRID;
        int m = (int) Math.round(r * sampleRate / RATE_GRID) * RATE_GRID;
        return Math.max(lowest, Math.min(sampleRate, m));
    }

    /** Resampled to {@code intermediateRate} and back, cut to the input length. */
    public static float[] apply(float[] audio, int sampleRate, int intermediateRate) {
        if (intermediateRate < 1 || intermediateRate > sampleRate) {
            throw new LockeyException("resamp: intermediate rate " + intermediateRate + " Hz is not in [1, "
                    + sampleRate + "]");
        }
        if (intermediateRate == sampleRate) {
            return audio.clone();
        }
        float[] low = Resampler.resample(audio, sampleRate, intermediateRate);
        float[] back = Resampler.resample(low, intermediateRate, sampleRate);
        float[] out = new float[audio.length];
        System.arraycopy(back, 0, out, 0, Math.min(back.length, out.length));
        return out;
    }
}
