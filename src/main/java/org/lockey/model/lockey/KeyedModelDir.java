package org.lockey.model.lockey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.lockey.LockeyException;
import org.lockey.io.Json;

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
}
