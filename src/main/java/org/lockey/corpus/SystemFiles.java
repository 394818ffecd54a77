package org.lockey.corpus;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Map;

import org.lockey.eval.KeyedSystem;
import org.lockey.model.lockey.KeyRegistry;

/**
 * The three files an evaluation job's workers open: the keyed model, its base generator (the teacher) and the key
 * registry, as paths that an engine ships to its workers ({@link CorpusJob#inputs}) and the workers open from their
 * local copies.
 *
 * @param model    the keyed model directory
 * @param base     the base generator
 * @param registry the key registry
 */
public record SystemFiles(String model, String base, String registry) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The inputs of a job, by the names {@link #system} and {@link #registry(Map)} read. */
    public Map<String, Path> inputs() {
        return Map.of("model", Path.of(model), "base", Path.of(base), "registry", Path.of(registry));
    }

    /** The keyed system from a worker's local copies of {@link #inputs}. */
    public static KeyedSystem system(Map<String, Path> local) {
        return KeyedSystem.load(local.get("model"), local.get("base"));
    }

    /** The registry from a worker's local copies of {@link #inputs}. */
    public static KeyRegistry registry(Map<String, Path> local) {
        return KeyRegistry.load(local.get("registry"));
    }
}
