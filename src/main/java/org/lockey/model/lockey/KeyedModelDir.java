package org.lockey.model.lockey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.lockey.LockeyException;
import org.lockey.io.Json;
import org.lockey.io.SafeTensors;

/**
 * Where a keyed model is and which kind it is, for the commands that take either a fine-tuning run directory or its
 * {@code model/} directory ({@code generate}, {@code trace}, the evaluations).
 *
 * @param dir  the model directory (the one holding {@link KeyedHifiGan#MODEL_FILE})
 * @param kind its {@code kind}: {@link KeyedHifiGan#KIND} or {@link KeyedEncodec#KIND} (other values are the caller's
 *             to refuse)
 */
public record KeyedModelDir(Path dir, String kind) {
    /** The model directory of a run ({@code run/model}) or the directory itself when it is one. */
    public static Path modelDirOf(Path runOrModel) {
        return Files.exists(runOrModel.resolve(KeyedHifiGan.MODEL_FILE)) ? runOrModel : runOrModel.resolve("model");
    }

    /**
     * Reads {@code runOrModel}'s config.
     *
     * @throws LockeyException {@code "<path>: not a keyed model directory (no readable config.json)"}, or
     *                         {@code "<config.json>: not valid JSON (...)"} when it is malformed ({@link Json#read})
     */
    public static KeyedModelDir of(Path runOrModel) {
        Path dir = modelDirOf(runOrModel);
        try {
            return new KeyedModelDir(dir, Json.read(dir.resolve(KeyedHifiGan.CONFIG_FILE)).path("kind").asText());
        } catch (IOException e) {
            throw new LockeyException(runOrModel + ": not a keyed model directory (no readable "
                    + KeyedHifiGan.CONFIG_FILE + ")");
        }
    }

    /** The weights' metadata key naming the registry's model id the model was fine-tuned for. */
    public static final String MODEL_ID_METADATA = "model_id";

    /**
     * The model id of the registry this model was fine-tuned with (its weights' {@value #MODEL_ID_METADATA} metadata);
     * empty for models written before the trainer recorded it.
     */
    public Optional<String> modelId() {
        return Optional.ofNullable(SafeTensors.read(dir.resolve(KeyedHifiGan.MODEL_FILE)).metadata().get(MODEL_ID_METADATA));
    }

    /** The key size the model takes ({@code key.key_bits} of its config). */
    public int keyBits() {
        try {
            return KeyConfig.fromJson(Json.read(dir.resolve(KeyedHifiGan.CONFIG_FILE)).get("key")).keyBits();
        } catch (IOException e) {
            throw new LockeyException(dir.resolve(KeyedHifiGan.CONFIG_FILE) + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /**
     * Refuses, in one line naming {@code registryFile}, a registry whose keys have another size than the model's or
     * that belongs to another model (its {@code model_id} differs from the one the model was fine-tuned with; models
     * that do not record one are checked on the key size alone).
     */
    public void requireFits(KeyRegistry registry, Path registryFile) {
        int bits = keyBits();
        if (registry.bits() != bits) {
            throw new LockeyException(registryFile + ": a registry of " + registry.bits() + "-bit keys, but the model "
                    + dir + " takes " + bits + "-bit keys");
        }
        Optional<String> id = modelId();
        if (id.isPresent() && !id.get().equals(registry.modelId())) {
            throw new LockeyException(registryFile + ": a registry of model '" + registry.modelId() + "', but the model "
                    + dir + " was fine-tuned for '" + id.get() + "'");
        }
    }
}
