package org.lockey.audio;

/**
 * A clip of audio: one float array per channel, all of the same length, nominally in [-1, 1], and
 * its sampling rate.
 *
 * <p>The arrays are held as given (not copied): audio buffers are large, and the classes of this
 * package never modify an input.
 *
 * @param channels   {@code [channels][frames]}, at least one channel
 * @param sampleRate samples per second per channel, at least 1
 */
public record Audio(float[][] channels, int sampleRate) {
    public Audio {
        if (channels == null || channels.length == 0) {
            throw new IllegalArgumentException("audio needs at least one channel");
        }
        if (sampleRate < 1) {
            throw new IllegalArgumentException("sample rate must be >= 1, got " + sampleRate);
        }
        int n = channels[0].length;
        for (int c = 1; c < channels.length; c++) {
            if (channels[c].length != n) {
                throw new IllegalArgumentException("channel " + c + " has " + channels[c].length
                        + " samples, channel 0 has " + n);
            }
        }
    }

    /** One-channel audio. */
    public static Audio mono(float[] samples, int sampleRate) {
        return new Audio(new float[][] {samples}, sampleRate);
    }

    /** Number of channels. */
    public int channelCount() {
        return channels.length;
    }

    /** Samples per channel. */
    public int frames() {
        return channels[0].length;
    }

    /** Duration in seconds. */
    public double seconds() {
        return frames() / (double) sampleRate;
    }

    /**
     * {@link #mono()} without the copy of a one-channel clip: its channel itself, which the caller must not
     * modify (a one-hour clip at 22.05 kHz is 318 MB of floats).
     */
    public float[] monoShared() {
        return channels.length == 1 ? channels[0] : mono();
    }

    /**
     * The mean of the channels, per sample (summed in double). A one-channel clip returns a copy of
     * its channel.
     */
    public float[] mono() {
        int n = frames();
        float[] out = new float[n];
        if (channels.length == 1) {
            System.arraycopy(channels[0], 0, out, 0, n);
            return out;
        }
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (float[] ch : channels) {
                s += ch[i];
            }
            out[i] = (float) (s / channels.length);
        }
        return out;
    }
}
