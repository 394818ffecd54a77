package org.lockey.distortion;

import java.util.Optional;

/**
 * One implementation of one lossy format: encodes two equal channels at a bit rate and decodes
 * them again. {@link LossyCodec} does the resampling to the codec's rate and the re-alignment
 * around it; an engine only runs the codec. Implementations are immutable and thread-safe.
 */
public interface CodecEngine {
    /**
     * What encodes, for the tables' notes, e.g. {@code jump3r 1.0.5 (LAME 3.98.4 in Java)} or
     * {@code libvorbis, system ffmpeg /usr/bin/ffmpeg}.
     */
    String encoder();

    /** Why this engine cannot run on this machine (a missing executable or encoder), or empty when it can. */
    Optional<String> problem();

    /**
     * Encodes {@code x} as two equal channels at {@code kbps} kbit/s and decodes the stream.
     *
     * @param x          mono samples at {@code sampleRate} (not modified)
     * @param sampleRate the codec's rate in Hz
     * @param kbps       the nominal bit rate in kbit/s
     * @return the mean of the decoded channels at {@code sampleRate}; codec delays may remain (at
     *         most {@link LossyCodec#MAX_LAG_SECONDS}), the length may differ from the input's
     */
    float[] roundTrip(float[] x, int sampleRate, int kbps);
}
