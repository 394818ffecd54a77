package org.lockey.model.silentcipher;

/**
 * The detection rule of {@code watermark detect}, {@code trace} and {@code eval detection}, in one place so that
 * the threshold measured by {@code eval detection} is the threshold the other two apply.
 *
 * <p>{@link #read} decodes a payload ({@link PayloadCodec#decode}: per-position modes over whole periods); digital
 * silence and audio shorter than {@link #MIN_PERIODS} message periods are read as "no message" with confidence 0
 * instead of failing. {@link #reports} is the decision: a message was found (exactly one end token
 * among the per-position modes) <em>and</em> its confidence reaches the threshold ({@link
 * WatermarkModel#detectThreshold}, {@code docs/silentcipher.md}, "Detection threshold").
 *
 * <p>Clips longer than {@link #SEGMENT_SECONDS} are read in segments, so that memory does not grow with the clip
 * (the message decoder's activations for one hour of audio would take tens of GB): windows of one length (the
 * segment plus {@link #CONTEXT_FRAMES} frames on each side, moved inside the clip at its end), each decoded with the
 * whole clip's level normalisation, each contributing the frame classes of its own segment at their place in the
 * clip, and the period vote taken over all of them. This is not sample-exact against one decode of the whole clip:
 * SilentCipher's BatchNorm uses the statistics of what it is given (upstream's inference), here one window's.
 */
public final class WatermarkDetector {
    /** The problem of silent audio (every sample 0). */
    public static final String SILENT = "the audio is silent";
    /**
     * Whole message periods a clip must hold to be read at all. With one period every position's mode is its only
     * frame, so any audio whose frames hold one end token is "found" at confidence 1 (a clean 1-s 32 kHz tone was
     * read as a payload); from two periods on the confidence measures agreement and the threshold applies.
     */
    public static final int MIN_PERIODS = 2;
    /** Clips up to this long are decoded whole; longer ones in segments of this length. */
    public static final double SEGMENT_SECONDS = 30;
    /** Frames of context on each side of a segment (the STFT window and the decoder's 3x3 convolutions need 5). */
    public static final int CONTEXT_FRAMES = 16;

    private final SilentCipher silentCipher;
    private final PayloadCodec codec;
    private final SilentCipherConfig config;
    private final double segmentSeconds;

    /** A detector for {@code model} (builds its inference graph once; the model must hold its message decoder). */
    public WatermarkDetector(WatermarkModel model) {
        this(model, SEGMENT_SECONDS);
    }

    /** As {@link #WatermarkDetector(WatermarkModel)} with segments of {@code segmentSeconds} (tests use short ones). */
    WatermarkDetector(WatermarkModel model, double segmentSeconds) {
        model.requireMessageDecoder("detect");
        this.segmentSeconds = segmentSeconds;
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
            return new PayloadCodec.Decoded(false, new int[0], new boolean[0], 0, 0, SILENT);
        }
        int frames = config.frames(audio.length);
        if (frames < MIN_PERIODS * config.messageLen()) {
            return new PayloadCodec.Decoded(false, new int[0], new boolean[0], 0, 0, String.format(java.util.Locale.ROOT,
                    "%d frames hold fewer than %d message periods of %d frames: too short to tell a watermark from"
                            + " chance", frames, MIN_PERIODS, config.messageLen()));
        }
        return codec.decode(frameClasses(audio));
    }

    /** The message decoder's class per frame: of one decode for a clip up to a segment, else segment by segment. */
    int[] frameClasses(float[] audio) {
        int hop = config.hopLength();
        int segment = Math.max(1, (int) (segmentSeconds * config.sampleRate()) / hop) * hop;
        int context = CONTEXT_FRAMES * hop;
        int window = segment + 2 * context;
        if (audio.length <= window) {
            return silentCipher.decode(audio).frameClasses();
        }
        double power = SilentCipher.meanSquare(audio);
        int frames = (audio.length + hop - 1) / hop;                     // every frame centred inside the clip
        int[] classes = new int[frames];
        for (int first = 0; first < frames; first += segment / hop) {
            int last = Math.min(frames, first + segment / hop);         // this segment's frames [first, last)
            int start = Math.min(Math.max(0, first * hop - context), (audio.length - window) / hop * hop);
            int[] read = silentCipher.decode(audio, start, start + window, power).frameClasses();
            int offset = start / hop;                                   // the window's frame 0 in the clip
            if (last - offset > read.length) {
                throw new IllegalStateException("segment frames [" + first + ", " + last + ") outside window at "
                        + offset + " of " + read.length + " frames");
            }
            System.arraycopy(read, first - offset, classes, first, last - first);
        }
        return classes;
    }

    /** Whether a reading is reported as a watermark by {@code threshold}: found and confident enough for its periods. */
    public static boolean reports(PayloadCodec.Decoded reading, DetectThreshold threshold) {
        return threshold.reports(reading);
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
