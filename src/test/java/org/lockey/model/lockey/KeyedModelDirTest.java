package org.lockey.model.lockey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;

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

    /** A model directory whose config takes {@code bits}-bit keys, its weights recording {@code modelId} (null: none). */
    private Path model(String name, int bits, String modelId) throws Exception {
        Path model = Files.createDirectories(dir.resolve(name));
        Files.writeString(model.resolve(KeyedHifiGan.CONFIG_FILE), "{\"kind\": \"" + KeyedHifiGan.KIND
                + "\", \"key\": {\"key_bits\": " + bits + ", \"channels\": 8}}");
        Map<String, String> meta = modelId == null ? Map.of("step", "1")
                : Map.of("step", "1", KeyedModelDir.MODEL_ID_METADATA, modelId);
        SafeTensors.write(model.resolve(KeyedHifiGan.MODEL_FILE), List.of(Tensor.ofFloats("w", new float[] {0}, 1)), meta);
        return model;
    }

    @Test
    void aRegistryOfAnotherKeySizeOrAnotherModelIsRefusedInOneLine() throws Exception {
        Path registryFile = dir.resolve("r.json");
        KeyRegistry lockey16 = KeyRegistry.create("lockey", 16, 4, 1);
        Path recorded = model("recorded", 16, "lockey");
        KeyedModelDir.of(recorded).requireFits(lockey16, registryFile);
        assertEquals(Optional.of("lockey"), KeyedModelDir.of(recorded).modelId());

        LockeyException other = assertThrows(LockeyException.class,
                () -> KeyedModelDir.of(recorded).requireFits(KeyRegistry.create("other", 16, 4, 1), registryFile));
        assertEquals(registryFile + ": a registry of model 'other', but the model " + recorded
                + " was fine-tuned for 'lockey'", other.getMessage());
        LockeyException size = assertThrows(LockeyException.class,
                () -> KeyedModelDir.of(recorded).requireFits(KeyRegistry.create("lockey", 12, 4, 1), registryFile));
        assertEquals(registryFile + ": a registry of 12-bit keys, but the model " + recorded + " takes 16-bit keys",
                size.getMessage());

        Path older = model("older", 16, null);   // written before the trainer recorded the model id
        assertEquals(Optional.empty(), KeyedModelDir.of(older).modelId());
        KeyedModelDir.of(older).requireFits(KeyRegistry.create("other", 16, 4, 1), registryFile);
        assertThrows(LockeyException.class,
                () -> KeyedModelDir.of(older).requireFits(KeyRegistry.create("other", 20, 4, 1), registryFile));
    }
}
