package org.lockey.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

class AudioDatasetTest {
    @Test
    void readsOneSplitOfTheReferenceSpeech() {
        AudioDataset train = AudioDataset.load(Path.of("reference-data/speech"), "train", 22050);
        AudioDataset test = AudioDataset.load(Path.of("reference-data/speech"), "test", 22050);
        assertEquals(32, train.size());
        assertEquals(4, test.size());
        Set<String> overlap = new HashSet<>();
        for (int i = 0; i < train.size(); i++) {
            overlap.add(train.name(i));
        }
        for (int i = 0; i < test.size(); i++) {
            assertTrue(overlap.add(test.name(i)), "splits are disjoint");
        }
    }

    @Test
    void everyEpochVisitsEveryClipOnceAndOrderIsAFunctionOfSeedAndStep() {
        AudioDataset d = AudioDataset.load(Path.of("reference-data/music"), "valid", 32000);
        int n = d.size();
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Integer> seen = new HashSet<>();
            for (int k = 0; k < n; k++) {
                long step = (long) epoch * n + k;
                seen.add(d.index(7, step, 1, 0));
                assertEquals(d.index(7, step, 1, 0), d.index(7, step, 1, 0));
            }
            assertEquals(n, seen.size(), "epoch " + epoch);
        }
    }

    @Test
    void resamplesAndCropsDeterministically() {
        AudioDataset d = AudioDataset.load(Path.of("reference-data/music"), "test", 16000);
        assertEquals(8 * 16000, d.clip(0).length);
        float[] a = d.crop(0, 1000, AudioDataset.rng(1, 5, 0));
        float[] b = d.crop(0, 1000, AudioDataset.rng(1, 5, 0));
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertEquals(200000, d.crop(0, 200000, AudioDataset.rng(1, 5, 0)).length, "zero-padded");
    }

    @Test
    void missingDataIsAClearError(@TempDir Path dir) {
        assertTrue(assertThrows(LockeyException.class, () -> AudioDataset.load(dir, null, 22050)).getMessage()
                .contains("no .wav files"));
    }
}
