package org.lockey.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.lockey.LockeyException;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;

/**
 * A training run's checkpoint, {@code <run>/checkpoint.safetensors}: the trainable parameters under
 * their upstream keys, the optimiser moments under {@code adam.m.*} / {@code adam.v.*}, and metadata
 * {@code kind}, {@code step} (updates done), {@code adam_steps} and {@code config}. Written atomically
 * (temporary file + rename), so a killed run loses at most the steps since the last checkpoint and
 * never leaves a torn file. Data order and every random draw of the loops are functions of (seed,
 * step), so restoring the parameters, the moments and the step resumes a run exactly. A run with
 * several optimisers (a GAN) stores each under its name ({@code adam.<name>.m.*}, metadata
 * {@code adam_steps.<name>}; {@link #optimiser(String)}, {@link #adamSteps(String)}).
 *
 * @param step       updates done
 * @param kind       what trained it (vocoder, watermark, lockey, codec-decoder)
 * @param params     parameters by key
 * @param optimiser  optimiser tensors by key ({@code adam.*})
 * @param adamSteps  the optimiser's update count
 * @param metadata   all metadata (including {@code config})
 */
public record Checkpoint(long step, String kind, Map<String, Tensor> params, Map<String, Tensor> optimiser,
        long adamSteps, Map<String, String> metadata) {

    /** The checkpoint file of a run directory. */
    public static Path file(Path runDir) {
        return runDir.resolve("checkpoint.safetensors");
    }

    /** Writes a checkpoint atomically. */
    public static void save(Path runDir, String kind, long step, Map<String, Tensor> params, Adam adam,
            Map<String, String> extraMetadata) {
        Map<String, Tensor> all = new LinkedHashMap<>(params);
        Map<String, Tensor> opt = adam.state();
        for (String k : opt.keySet()) {
            if (all.containsKey(k)) {
                throw new IllegalStateException("parameter key collides with optimiser state: " + k);
            }
        }
        all.putAll(opt);
        Map<String, String> meta = new LinkedHashMap<>(extraMetadata);
        meta.put("kind", kind);
        meta.put("step", Long.toString(step));
        meta.put("adam_steps", Long.toString(adam.steps()));
        SafeTensors.write(file(runDir), all, meta);
    }

    /** The run's checkpoint, if it has one; a clear error when it is of another kind or corrupt. */
    public static Optional<Checkpoint> load(Path runDir, String expectedKind) {
        Path f = file(runDir);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        SafeTensors st = SafeTensors.read(f);
        Map<String, String> meta = st.metadata();
        String kind = meta.getOrDefault("kind", "");
        if (!kind.equals(expectedKind)) {
            throw new LockeyException(f + ": a '" + kind + "' checkpoint, not '" + expectedKind + "'");
        }
        long step;
        long adamSteps;
        try {
            step = Long.parseLong(meta.getOrDefault("step", ""));
            adamSteps = Long.parseLong(meta.getOrDefault("adam_steps", "0"));
        } catch (NumberFormatException e) {
            throw new LockeyException(f + ": checkpoint metadata 'step' is missing or not a number");
        }
        Map<String, Tensor> params = new LinkedHashMap<>();
        Map<String, Tensor> opt = new LinkedHashMap<>();
        st.tensors().forEach((k, t) -> (k.startsWith("adam.") ? opt : params).put(k, t));
        return Optional.of(new Checkpoint(step, kind, params, opt, adamSteps, meta));
    }

    /**
     * Writes a checkpoint of a run with several optimisers (a GAN's generator and discriminator)
     * atomically: optimiser {@code name}'s moments as {@code adam.<name>.m.*} / {@code adam.<name>.v.*},
     * its update count as metadata {@code adam_steps.<name>}. Read back with {@link #optimiser(String)}
     * and {@link #adamSteps(String)}.
     */
    public static void save(Path runDir, String kind, long step, Map<String, Tensor> params, Map<String, Adam> optimisers,
            Map<String, String> extraMetadata) {
        Map<String, Tensor> all = new LinkedHashMap<>(params);
        Map<String, String> meta = new LinkedHashMap<>(extraMetadata);
        optimisers.forEach((name, adam) -> {
            if (name.isEmpty() || name.contains(".") || name.equals("m") || name.equals("v")) {
                throw new IllegalArgumentException("optimiser name '" + name + "' must be non-empty, dot-free, not m or v");
            }
            adam.state().forEach((k, t) -> {
                String key = "adam." + name + k.substring("adam".length());             // adam.<name>.m.<param>
                if (all.put(key, new Tensor(key, t.dtype(), t.shape(), t.data())) != null) {
                    throw new IllegalStateException("checkpoint key collides: " + key);
                }
            });
            meta.put("adam_steps." + name, Long.toString(adam.steps()));
        });
        meta.put("kind", kind);
        meta.put("step", Long.toString(step));
        SafeTensors.write(file(runDir), all, meta);
    }

    /** Optimiser {@code name}'s state in the keys {@link Adam#restore} reads ({@code adam.m.*}, {@code adam.v.*}). */
    public Map<String, Tensor> optimiser(String name) {
        String prefix = "adam." + name + ".";
        Map<String, Tensor> out = new LinkedHashMap<>();
        optimiser.forEach((k, t) -> {
            if (k.startsWith(prefix)) {
                String key = "adam." + k.substring(prefix.length());
                out.put(key, new Tensor(key, t.dtype(), t.shape(), t.data()));
            }
        });
        return out;
    }

    /** Optimiser {@code name}'s update count (0 when the checkpoint has none). */
    public long adamSteps(String name) {
        try {
            return Long.parseLong(metadata.getOrDefault("adam_steps." + name, "0"));
        } catch (NumberFormatException e) {
            throw new LockeyException("checkpoint metadata 'adam_steps." + name + "' is not a number");
        }
    }
}
