package org.lockey.model.silentcipher;

/**
 * The detection rule of {@code watermark detect}, {@code trace} and {@code eval detection}, in one place so that
 * the threshold measured by {@code eval detection} is the threshold the other two apply.
 *
 * <p>{@link #read} decodes a payload ({@link PayloadCodec#decode}: per-position modes over whole periods); digital
 * silence and audio shorter than one message period carry no watermark and are read as "no message" with
 * confidence 0 instead of failing. {@link #reports} is the decision: a message was found (exactly one end token
 * among the per-position modes) <em>and</em> its confidence reaches the threshold ({@link
 * WatermarkModel#detectThreshold}, {@code docs/silentcipher.md}, "Detection threshold").
 */
public final class WatermarkDetector {
    /** The problem of silent audio (every sample 0). */
    public static final String SILENT = "the audio is silent";

    private final SilentCipher silentCipher;
    private final PayloadCodec codec;
    private final SilentCipherConfig config;

    /** A detector for {@code model} (builds its inference graph once; the model must hold its message decoder). */
    public WatermarkDetector(WatermarkModel model) {
        model.requireMessageDecoder("detect");
        this.silentCipher = model.silentCipher();
        this.codec = model.codec();
        this.config = model.config();
    }

    /** The inference model (for embedding with the same graph). */
    public SilentCipher silentCipher() {
        return silentCipher;
    }

    /**
     * The payload {@code audio} (mono, at the model's rate) carries, whatever its confidence: not found, with
     * confidence 0, for silence ({@link #SILENT}) and for fewer frames than one message period.
     */
    public PayloadCodec.Decoded read(float[] audio) {
        if (isSilent(audio)) {
            return new PayloadCodec.Decoded(false, new int[0], new boolean[0], 0, SILENT);
        }
        int frames = config.frames(audio.length);
        if (frames < config.messageLen()) {
            return new PayloadCodec.Decoded(false, new int[0], new boolean[0], 0,
                    frames + " frames are fewer than one message period of " + config.messageLen());
        }
        return codec.decode(silentCipher.decode(audio).frameClasses());
    }

    /** Whether a reading is reported as a watermark at {@code threshold}: found and confidence >= threshold. */
    public static boolean reports(PayloadCodec.Decoded reading, double threshold) {
        return reports(reading.found(), reading.confidence(), threshold);
    }

    /**
     * The decision on its two inputs: {@code found} (exactly one end token among the per-position modes) and a
     * {@code confidence} at or above {@code threshold}.
     */
    public static boolean reports(boolean found, double confidence, double threshold) {
        return found && confidence >= threshold;
    }

    /** Every sample is exactly 0 (digital silence; also the empty clip). */
    public static boolean isSilent(float[] x) {
        for (float v : x) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }
}
