package org.lockey.audio;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.Fuzz;

/**
 * Property-based fuzzing of {@link Wav#read} (issue 22): damaged copies of valid files of every encoding the writer
 * makes (8/16/24/32-bit PCM, 32/64-bit float, mono and stereo), half the damage inside the 44-byte header. Every case
 * must read, as audio with at least one channel, channels of equal length and a positive rate, or be refused in one
 * line naming the file.
 */
class WavFuzzTest {
    /** Cases; with {@link org.lockey.io.SafeTensorsFuzzTest} more than 10,000 in the suite. */
    static final int CASES = 6000;
    /** The canonical header: RIFF, fmt and the data chunk's id and size. */
    private static final int HEADER = 44;

    @TempDir
    static Path dir;
    private static final List<byte[]> SEEDS = new ArrayList<>();

    @BeforeAll
    static void seeds() throws IOException {
        float[] ramp = new float[37];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (i - 18) / 18f;
        }
        int k = 0;
        for (Wav.Encoding e : Wav.Encoding.values()) {
            Audio a = (k++ % 2 == 0) ? Audio.mono(ramp, 8000) : new Audio(new float[][] {ramp, ramp.clone()}, 44100);
            Path p = dir.resolve(e + ".wav");
            Wav.write(p, a, e);
            SEEDS.add(Files.readAllBytes(p));
        }
    }

    private static void read(Path p) {
        Audio a = Wav.read(p);
        if (a.channelCount() < 1 || a.sampleRate() <= 0) {
            throw new AssertionError(a.channelCount() + " channels at " + a.sampleRate() + " Hz");
        }
        for (float[] c : a.channels()) {
            if (c.length != a.frames()) {
                throw new AssertionError("channels of unequal length");
            }
        }
    }

    @Test
    void theHarnessPassesOneLineRefusalsAndFailsEverythingElse() {
        Path file = dir.resolve("harness.wav");
        byte[] truncated = Fuzz.mutate(SEEDS.get(0), HEADER, 4, 2 * 20, 0);       // cut inside the fmt chunk
        Fuzz.check(file, truncated, WavFuzzTest::read, "truncated");
        org.junit.jupiter.api.Assertions.assertEquals(20, truncated.length);
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> Fuzz.check(file, truncated, p -> {
            throw new IllegalStateException("index 7");
        }, "other exception"));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> Fuzz.check(file, truncated, p -> {
            throw new org.lockey.LockeyException(p + ": first line\nsecond line");
        }, "two lines"));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> Fuzz.check(file, truncated, p -> {
            throw new org.lockey.LockeyException("no file name");
        }, "no file name"));
    }

    @Test
    void damagedFilesAreReadOrRefusedInOneLine() {
        Path file = dir.resolve("case.wav");
        qt().withFixedSeed(22).withExamples(CASES)
                .forAll(integers().between(0, Fuzz.KINDS - 1), integers().all(), integers().all(),
                        integers().between(0, Wav.Encoding.values().length - 1))
                .checkAssert((kind, position, value, seed) -> Fuzz.check(file,
                        Fuzz.mutate(SEEDS.get(seed), HEADER, kind, position, value), WavFuzzTest::read,
                        Wav.Encoding.values()[seed] + ", kind " + kind + ", position " + position + ", value " + value));
    }
}
