package org.lockey.distortion;

import java.util.SplittableRandom;

/**
 * Table I column {@code orig}: no distortion. Returns a copy of the input (the generator is not
 * used), so the column measures the clean decoding accuracy.
 */
public final class Identity implements Distortion {
    @Override
    public String name() {
        return "orig";
    }

    @Override
    public String description() {
        return "no distortion (a copy of the input)";
    }

    @Override
    public float[] apply(float[] audio, int sampleRate, SplittableRandom rng) {
        return audio.clone();
    }
}
