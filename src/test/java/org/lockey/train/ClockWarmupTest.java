package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.WatermarkModel;

/**
 * The clock warm-up teaches the spectral clock to write symbols that the trained message decoder reads, within the
 * level its hinge allows, on the shipped base vocoder and the 30-dB watermark model (chance frame accuracy: 0.2).
 */
class ClockWarmupTest {
    private static final Path BASE = Path.of("reference-data/models/hifigan");
    private static final Path WATERMARK = Path.of("reference-data/models/training/watermark-22k-q2");

    private static KeyConfig spectral(int channels, int hop) {
        return new KeyConfig(16, 8, 16, channels, hop, KeyConfig.Pooling.FLAT, KeyConfig.Injection.VERIFIED,
                KeyConfig.ClockForm.SPECTRAL);
    }

    @Test
    void theClockLearnsToWriteSymbolsTheDecoderReadsBelowTheTeachersLevel() {
        HifiGan base = HifiGan.load(BASE);
        SilentCipher wm = WatermarkModel.load(WATERMARK).silentCipher();
        HifiGanBranch branch = new HifiGanBranch(base, 64, 0);
        AudioDataset data = AudioDataset.load(Path.of("reference-data/speech"), "train", 22050);
        KeyRegistry registry = KeyRegistry.create("t", 16, 16, 3);
        List<String> log = new ArrayList<>();
        ClockWarmup.Trained t = ClockWarmup.train(branch, wm, registry, data,
                spectral(branch.injectionChannels(), wm.config().hopLength()),
                new ClockWarmup.Recipe(120, 4, 12, 5e-3, 27, 100, 1), log::add);
        assertTrue(t.frameAccuracy() >= 0.28, "frame accuracy " + t.frameAccuracy() + " (chance 0.2); " + log);
        assertTrue(t.sdrDb() >= 25, "the hinge holds the change near its 27-dB floor: " + t.sdrDb() + " dB");
        assertEquals(4 * 512, t.weights().get("key_clock.spectral_symbols").length());
        assertTrue(t.weights().get("key_clock.spectral_symbols").amaxNumber().doubleValue() > 0, "the gains moved");
        assertTrue(log.stream().anyMatch(l -> l.startsWith("clock warm-up step 100/120")), log.toString());
        long frames = java.util.Arrays.stream(t.confusion()).flatMapToLong(java.util.Arrays::stream).sum();
        long right = 0;
        for (int c = 0; c < t.confusion().length; c++) {
            right += t.confusion()[c][c];
        }
        assertEquals(20L * 4 * wm.config().frames(branch.cropSamples()), frames, "every frame of the last 20 steps");
        assertEquals(t.frameAccuracy(), right / (double) frames, 1e-9, "the diagonal is the frame accuracy");
    }

    @Test
    void onlyTheSpectralClockAndSaneSettingsAreAccepted() {
        assertThrows(LockeyException.class, () -> new ClockWarmup.Recipe(10, 8, 4, 1e-3, 30, 1, 1),
                "a pool smaller than a batch");
        HifiGan base = HifiGan.load(BASE);
        SilentCipher wm = WatermarkModel.load(WATERMARK).silentCipher();
        HifiGanBranch branch = new HifiGanBranch(base, 64, 0);
        KeyConfig additive = spectral(branch.injectionChannels(), wm.config().hopLength())
                .with(KeyConfig.ClockForm.ADDITIVE);
        LockeyException e = assertThrows(LockeyException.class, () -> ClockWarmup.train(branch, wm,
                KeyRegistry.create("t", 16, 4, 1), AudioDataset.load(Path.of("reference-data/speech"), "train", 22050),
                additive, new ClockWarmup.Recipe(1, 1, 1, 1e-3, 30, 1, 1), line -> { }));
        assertEquals("--clock-warmup trains the spectral clock; use --payload-clock --clock-form spectral or carrier",
                e.getMessage());
    }
}
