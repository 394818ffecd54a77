package org.lockey.corpus;

import java.util.Locale;
import java.util.Optional;

import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.DetectThreshold;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.WatermarkDetector;

/**
 * One clip's answer to "who is behind this clip?" ({@code trace}, serial or on Spark).
 *
 * @param file       the clip
 * @param verdict    what the answer says
 * @param holder     the record of the issued key that names the clip's user (revoked or not), when one does
 * @param distance   Hamming distance from the decoded payload to the nearest issued key (-1: none decoded)
 * @param confidence the watermark decoder's confidence
 * @param note       why no user is named, or the revocation of the one named (empty otherwise)
 */
public record ClipTrace(String file, Verdict verdict, Optional<KeyRegistry.Issued> holder, int distance,
        double confidence, String note) {
    /** What a clip's answer says. */
    public enum Verdict {
        /** A watermark names an issued key's holder (revoked or not). */
        USER,
        /** No watermark is reported (no message, silence, or a confidence below the detection threshold). */
        NO_WATERMARK,
        /** A watermark is reported, but its payload is not within the largest distance of an issued key. */
        NO_MATCHING_KEY
    }

    public ClipTrace {
        if ((verdict == Verdict.USER) != holder.isPresent()) {
            throw new IllegalArgumentException(verdict + " with " + (holder.isPresent() ? "a" : "no") + " holder");
        }
    }

    /** Whether the clip names a user (revoked or not). */
    public boolean found() {
        return holder.isPresent();
    }

    /** The user named, or "" when none is. */
    public String user() {
        return holder.map(KeyRegistry.Issued::user).orElse("");
    }

    /**
     * The answer for a clip read as {@code reading}: a user only when {@link WatermarkDetector#reports} a
     * watermark by {@code threshold} (so audio that never carried one is never traced once the threshold keeps
     * false positives out: {@code eval detection}) and its payload is within {@code maxDistance} bits of an
     * issued key. Nothing of the answer shows a key: the user id, the distance and the confidence only.
     */
    public static ClipTrace judge(String file, PayloadCodec.Decoded reading, DetectThreshold threshold, KeyRegistry registry,
            int maxDistance) {
        if (!WatermarkDetector.reports(reading, threshold)) {
            String why = !reading.found() ? reading.problem()
                    : String.format(Locale.ROOT, "confidence %.3f < threshold %.3f", reading.confidence(),
                            threshold.at(reading.periods()));
            return new ClipTrace(file, Verdict.NO_WATERMARK, Optional.empty(), -1, reading.confidence(),
                    "no watermark found: " + why);
        }
        Key decoded = new Key(registry.bits(), PayloadCodec.valueOf(reading.bits()));
        var match = registry.nearest(decoded);
        if (match.isEmpty()) {
            return new ClipTrace(file, Verdict.NO_MATCHING_KEY, Optional.empty(), -1, reading.confidence(),
                    "no key issued yet");
        }
        if (match.get().hamming() > maxDistance) {
            return new ClipTrace(file, Verdict.NO_MATCHING_KEY, Optional.empty(), match.get().hamming(),
                    reading.confidence(), "nearest issued key is " + match.get().hamming() + " bits away");
        }
        KeyRegistry.Issued holder = match.get().issued();
        String note = holder.revokedAt().map(at -> "revoked: " + holder.user() + " at " + at).orElse("");
        return new ClipTrace(file, Verdict.USER, Optional.of(holder), match.get().hamming(), reading.confidence(), note);
    }
}
