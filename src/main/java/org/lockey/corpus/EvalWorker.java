package org.lockey.corpus;

import java.nio.file.Path;

import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.eval.KeyedSystem;
import org.lockey.eval.Probe;
import org.lockey.model.silentcipher.SilentCipher;

/**
 * What an evaluation worker holds on one core: the keyed system with its teacher and watermark graph, and the last
 * clip it read with its teacher output (items come clip by clip, so a clip's teacher runs once per task).
 */
final class EvalWorker {
    final KeyedSystem system;
    final SilentCipher silentCipher;
    private final double seconds;
    private int lastClip = -1;
    private float[] clip;
    private float[] teacher;

    /** A worker on whole clips. */
    EvalWorker(KeyedSystem system) {
        this(system, Double.POSITIVE_INFINITY);
    }

    /** A worker on each clip's first {@code seconds} ({@link Probe#excerpt}). */
    EvalWorker(KeyedSystem system, double seconds) {
        this.system = system;
        this.silentCipher = system.watermark().silentCipher();
        this.seconds = seconds;
    }

    /**
     * Reads {@code item}'s clip (as {@link AudioDataset#load} does, cut to the worker's excerpt) and its teacher output,
     * unless it has them.
     */
    void load(EvalItem item) {
        if (item.clip() != lastClip) {
            float[] x = AudioDataset.readClip(Path.of(item.file()), system.sampleRate());
            if (x.length == 0) {
                throw new LockeyException(item.file() + ": the audio is empty (no samples)");
            }
            clip = Probe.excerpt(x, seconds, system.sampleRate());
            teacher = system.teacher(clip);
            lastClip = item.clip();
        }
    }

    float[] clip() {
        return clip;
    }

    float[] teacher() {
        return teacher;
    }
}
