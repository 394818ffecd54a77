package org.lockey.distortion;

import java.util.Optional;
import java.util.SplittableRandom;

/**
 * One audio distortion of the LOCKEY paper's Table I (Sec. V-A): mono samples in, mono samples of
 * the same length and rate out.
 *
 * <p>Every random choice comes from the caller's generator, so the same seed gives the same output
 * (the codecs are deterministic). Implementations are immutable and thread-safe; {@link #apply}
 * never modifies its input.
 */
public interface Distortion {
    /** The Table I column name, e.g. {@code mp3_128k}. */
    String name();

    /** One line saying exactly what the distortion does, with its parameters. */
    String description();

    /**
     * Why this distortion cannot run on this machine (e.g. "ffmpeg not found on the PATH"), or empty
     * when it can.
     */
    default Optional<String> unavailable() {
        return Optional.empty();
    }

    /**
     * The distorted audio.
     *
     * @param audio      mono samples (not modified)
     * @param sampleRate their rate in Hz
     * @param rng        the source of every random choice
     * @return a new array of {@code audio.length} samples at {@code sampleRate}
     * @throws DistortionUnavailableException when {@link #unavailable()} is not empty
     */
    float[] apply(float[] audio, int sampleRate, SplittableRandom rng);
}
