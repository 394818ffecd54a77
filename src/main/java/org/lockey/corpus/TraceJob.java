package org.lockey.corpus;

import java.nio.file.Path;
import java.util.Map;

import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.lockey.KeyedHifiGan;
import org.lockey.model.lockey.KeyedModelDir;

/**
 * {@code trace} over a corpus: one item per clip (its path), one {@link TraceRow} per clip. The worker is a
 * {@link Tracer}: the keyed model's watermark decoder and the key registry, both shipped to each executor once.
 *
 * @param watermark   the keyed model's watermark model directory (a path: jobs are serialised, paths are not)
 * @param registry    the key registry file
 * @param maxDistance the largest Hamming distance that still names a user
 */
public record TraceJob(String watermark, String registry, int maxDistance)
        implements CorpusJob<Tracer, String, TraceRow> {
    private static final long serialVersionUID = 1L;

    /** The job for a keyed model (a train lockey run or its model directory). */
    public static TraceJob of(Path model, Path registry, int maxDistance) {
        return new TraceJob(KeyedModelDir.modelDirOf(model).resolve(KeyedHifiGan.WATERMARK_DIR).toString(),
                registry.toString(), maxDistance);
    }

    @Override
    public Map<String, Path> inputs() {
        return Map.of("watermark", Path.of(watermark), "registry", Path.of(registry));
    }

    @Override
    public Tracer open(Map<String, Path> local) {
        return Tracer.open(local.get("watermark"), KeyRegistry.load(local.get("registry")), maxDistance);
    }

    @Override
    public TraceRow apply(Tracer worker, String clip) {
        return worker.row(clip);
    }

    @Override
    public String label() {
        return "lockey trace";
    }
}
