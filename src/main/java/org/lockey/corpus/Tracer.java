package org.lockey.corpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.lockey.LockeyException;
import org.lockey.audio.InputAudio;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.model.silentcipher.WatermarkDetector;
import org.lockey.model.silentcipher.WatermarkModel;

/**
 * What {@code trace} does to one clip: read it as every command does ({@link InputAudio}), decode the watermark
 * ({@link WatermarkDetector}) and name the user behind it ({@link ClipTrace#judge}). One tracer holds one detector
 * graph: a worker of one core.
 */
public final class Tracer {
    private final WatermarkModel model;
    private final WatermarkDetector detector;
    private final KeyRegistry registry;
    private final int maxDistance;
    private final String decoder;
    private final InputAudio.Need need;

    private Tracer(WatermarkModel model, KeyRegistry registry, int maxDistance, String decoder) {
        model.requireMessageDecoder("trace");
        if (registry.bits() != model.payloadBits()) {
            throw new LockeyException("the registry's keys have " + registry.bits() + " bits, the watermark "
                    + model.payloadBits());
        }
        this.model = model;
        this.detector = new WatermarkDetector(model);
        this.registry = registry;
        this.maxDistance = maxDistance;
        this.decoder = decoder;
        this.need = need(model);
    }

    /** A tracer of the watermark model in {@code watermarkDir} against {@code registry}. */
    public static Tracer open(Path watermarkDir, KeyRegistry registry, int maxDistance) {
        return new Tracer(WatermarkModel.load(watermarkDir), registry, maxDistance, decoderVersion(watermarkDir));
    }

    /** The watermark model. */
    public WatermarkModel model() {
        return model;
    }

    /**
     * The answer for the clip in {@code file}.
     *
     * @throws LockeyException the clip cannot be read, is empty, not finite or too short (one line naming it)
     */
    public ClipTrace trace(Path file) {
        float[] x = InputAudio.monoAt(file, model.sampleRate(), need);
        return ClipTrace.judge(file.toString(), detector.read(x), model.detectThreshold(), registry, maxDistance);
    }

    /** {@link #trace}'s answer as a row; a clip that cannot be read gives an error row saying why (never throws). */
    public TraceRow row(String clip) {
        try {
            return TraceRow.of(clip, trace(Path.of(clip)), decoder);
        } catch (LockeyException e) {
            return TraceRow.error(clip, decoder, oneLine(e.getMessage()));
        } catch (RuntimeException e) {
            return TraceRow.error(clip, decoder, oneLine(clip + ": " + e.getClass().getSimpleName() + ": "
                    + e.getMessage()));
        }
    }

    private static String oneLine(String s) {
        return String.valueOf(s).replace('\n', ' ').replace('\r', ' ');
    }

    /**
     * The version of the watermark decoder in {@code dir}, for every row it reads: "silentcipher-" with the first 12
     * hex digits of the SHA-256 of its config and weights (the detection threshold is in the config).
     */
    public static String decoderVersion(Path dir) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String f : new String[] {WatermarkModel.CONFIG_FILE, WatermarkModel.MODEL_FILE}) {
                sha.update(Files.readAllBytes(dir.resolve(f)));
            }
            return "silentcipher-" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (IOException e) {
            throw new LockeyException(dir + ": cannot read the watermark model (" + e.getMessage() + ")");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the watermark decoder needs of a clip: one message period (shorter clips are refused in one line). */
    public static InputAudio.Need need(WatermarkModel model) {
        SilentCipherConfig c = model.config();
        int lo = 1;
        int hi = c.messageLen() * c.hopLength() + c.nFft();      // frames(hi) >= messageLen: frames grow with length
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (c.frames(mid) >= c.messageLen()) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return new InputAudio.Need(lo, "one message period of " + c.messageLen() + " frames");
    }
}
