package org.lockey.model.lockey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

/** A run directory and its model/ directory name the same model; a directory without a config is one clear line. */
class KeyedModelDirTest {
    @TempDir
    Path dir;

    @Test
    void aRunAndItsModelDirectoryAreTheSameModel() throws Exception {
        Path run = dir.resolve("run");
        Path model = Files.createDirectories(run.resolve("model"));
        Files.writeString(model.resolve(KeyedHifiGan.MODEL_FILE), "not read here");
        Files.writeString(model.resolve(KeyedHifiGan.CONFIG_FILE), "{\"kind\": \"" + KeyedEncodec.KIND + "\"}");
        assertEquals(new KeyedModelDir(model, KeyedEncodec.KIND), KeyedModelDir.of(run));
        assertEquals(new KeyedModelDir(model, KeyedEncodec.KIND), KeyedModelDir.of(model));
        LockeyException e = assertThrows(LockeyException.class, () -> KeyedModelDir.of(dir.resolve("elsewhere")));
        assertEquals(dir.resolve("elsewhere") + ": not a keyed model directory (no readable config.json)", e.getMessage());
    }
}
