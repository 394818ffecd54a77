package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.audio.Audio;
import org.lockey.audio.Wav;
import org.lockey.corpus.ClipTrace;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.DetectThreshold;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.WatermarkDetector;

/** Clean audio is never traced to a user: the detection threshold comes before the registry. */
class TraceCleanAudioTest {
    @TempDir
    Path dir;

    /** A registry whose 16 valid keys are all issued: any payload near one of them would name a user. */
    static KeyRegistry everyKeyIssued() {
        KeyRegistry r = KeyRegistry.create("m", 16, 16, 3);
        for (int i = 0; i < 16; i++) {
            r.issue("user" + i);
        }
        return r;
    }

    @Test
    void aPayloadBelowTheThresholdNamesNoUserEvenWhenItIsAnIssuedKey() {
        KeyRegistry registry = everyKeyIssued();
        Key alice = registry.issued().get("user0").key();
        boolean[] bits = PayloadCodec.bitsOf(alice.value(), 16);
        int[] symbols = new PayloadCodec(16).symbols(bits);
        // a chance decode of clean audio: exactly user0's key, but at confidence 0.55 < 0.6
        PayloadCodec.Decoded chance = new PayloadCodec.Decoded(true, symbols, bits, 0.55, 4, "");
        ClipTrace r = ClipTrace.judge("clean.wav", chance, DetectThreshold.uniform(0.6), registry, 2);
        assertEquals(ClipTrace.Verdict.NO_WATERMARK, r.verdict());
        assertFalse(r.found());
        assertEquals("no watermark found: confidence 0.550 < threshold 0.600", r.note());
        // digital silence: no message at all
        PayloadCodec.Decoded silent = new PayloadCodec.Decoded(false, new int[0], new boolean[0], 0, 0,
                WatermarkDetector.SILENT);
        assertEquals(ClipTrace.Verdict.NO_WATERMARK, ClipTrace.judge("silent.wav", silent, DetectThreshold.uniform(0.6), registry, 2).verdict());
        // the control: the same payload at the threshold names the user
        PayloadCodec.Decoded marked = new PayloadCodec.Decoded(true, symbols, bits, 0.6, 4, "");
        ClipTrace named = ClipTrace.judge("marked.wav", marked, DetectThreshold.uniform(0.6), registry, 2);
        assertEquals(ClipTrace.Verdict.USER, named.verdict());
        assertEquals("user0", named.user());
    }

    @Test
    void traceOfCleanClipsSaysNoWatermarkAndNoUser() throws Exception {
        // trace reads only the run's watermark model: the shipped 22.05 kHz SilentCipher
        Path run = dir.resolve("run");
        Path wm = Files.createDirectories(run.resolve("model").resolve("watermark"));
        Path shipped = Path.of("reference-data/models/watermark-22k");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(shipped.resolve(f), wm.resolve(f));
        }
        Path registry = dir.resolve("registry.json");
        everyKeyIssued().saveNew(registry);
        Path clips = Files.createDirectories(dir.resolve("clips"));
        float[] tone = new float[3 * 22050];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) (0.3 * Math.sin(2 * Math.PI * 220 * i / 22050.0) + 0.02 * rng.nextGaussian());
        }
        Wav.writePcm16(clips.resolve("tone.wav"), Audio.mono(tone, 22050));
        Wav.writePcm16(clips.resolve("silence.wav"), Audio.mono(new float[3 * 22050], 22050));
        for (String name : List.of("tone.wav", "silence.wav")) {
            Path clip = clips.resolve(name);
            MainTest.Run r = MainTest.run("trace", "--model", run.toString(), "--registry", registry.toString(), "--in",
                    clip.toString());
            assertEquals(LockeyCommands.Trace.NOT_FOUND, r.code(), r.out() + r.err());
            assertTrue(r.out().startsWith(clip + ": no watermark found") && r.out().strip().endsWith("not traced to a user"),
                    r.out());
        }
        Path csv = dir.resolve("trace.csv");
        MainTest.Run all = MainTest.run("trace", "--model", run.toString(), "--registry", registry.toString(), "--in",
                clips.toString(), "--csv", csv.toString());
        assertEquals(LockeyCommands.Trace.NOT_FOUND, all.code(), all.out() + all.err());
        List<String> rows = Files.readAllLines(csv);
        assertEquals(3, rows.size());
        assertTrue(rows.subList(1, 3).stream().allMatch(row -> row.contains(",false,,-1,")), rows.toString());
    }
}
