package org.lockey.model.silentcipher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;

/** The payload format of decisions.md: bits <-> 2-bit symbols + end token, tiled; period-mode decoding. */
class PayloadCodecTest {

    static boolean[] randomBits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean[] b = new boolean[n];
        for (int i = 0; i < n; i++) {
            b[i] = r.nextBoolean();
        }
        return b;
    }

    @Test
    void periodsOfTheDocumentedPayloads() {
        assertEquals(9, new PayloadCodec(16).period());
        assertEquals(21, new PayloadCodec(40).period());
        assertEquals(2, new PayloadCodec(1).period());
        assertEquals(10, new PayloadCodec(17).period());
    }

    @Test
    void bitsMostSignificantFirstInPairsThenEndToken() {
        // 0xB4 = 10 11 01 00 -> symbols 2 3 1 0 -> classes 3 4 2 1, end token 0.
        boolean[] bits = PayloadCodec.bitsOf(0xB4, 8);
        assertArrayEquals(new int[] {2, 3, 1, 0}, new PayloadCodec(8).symbols(bits));
        assertArrayEquals(new int[] {3, 4, 2, 1, 0}, new PayloadCodec(8).periodClasses(bits));
        // Odd payload: the last bit is the high bit of the last symbol. 101 -> 10 1(0) -> 2 2.
        assertArrayEquals(new int[] {2, 2}, new PayloadCodec(3).symbols(new boolean[] {true, false, true}));
        // Tiled cyclically with a partial copy at the end (upstream letters_encoding).
        assertArrayEquals(new int[] {3, 4, 2, 1, 0, 3, 4}, new PayloadCodec(8).frameClasses(bits, 7));
        float[][] onehot = PayloadCodec.oneHot(new int[] {3, 0, 4}, 5);
        assertArrayEquals(new float[] {0, 1, 0}, onehot[0]);
        assertArrayEquals(new float[] {1, 0, 0}, onehot[3]);
        assertArrayEquals(new float[] {0, 0, 1}, onehot[4]);
    }

    @Test
    void roundTripForAnyPayloadFrameCountAndOffset() {
        qt().withFixedSeed(41).withExamples(300).forAll(
                integers().between(1, 64), longs().all(), integers().between(1, 6), integers().between(0, 500))
                .checkAssert((nBits, seed, extraPeriods, offsetRaw) -> {
                    PayloadCodec codec = new PayloadCodec(nBits);
                    boolean[] bits = randomBits(nBits, seed);
                    int p = codec.period();
                    int frames = p * extraPeriods + Math.floorMod(seed, p);
                    int[] classes = PayloadCodec.tile(codec.periodClasses(bits), frames, offsetRaw);
                    PayloadCodec.Decoded d = codec.decode(classes);
                    assertTrue(d.found(), d.problem());
                    assertArrayEquals(bits, d.bits(), "bits " + nBits + " frames " + frames + " offset " + offsetRaw);
                    assertEquals(1.0, d.confidence());
                });
    }

    @Test
    void minorityOfCorruptedFramesPerPositionStillDecodes() {
        qt().withFixedSeed(42).withExamples(200).forAll(
                integers().between(1, 40), longs().all(), integers().between(1, 9), integers().between(0, 100))
                .checkAssert((nBits, seed, reps, offset) -> {
                    PayloadCodec codec = new PayloadCodec(nBits);
                    boolean[] bits = randomBits(nBits, seed);
                    int p = codec.period();
                    int frames = p * reps;
                    int[] classes = PayloadCodec.tile(codec.periodClasses(bits), frames, offset);
                    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
                    int maxBad = (reps - 1) / 2; // strictly fewer than half of the repetitions
                    int corrupted = 0;
                    for (int j = 0; j < p; j++) {
                        int bad = maxBad == 0 ? 0 : r.nextInt(maxBad + 1);
                        for (int k = 0; k < bad; k++) {
                            int t = k * p + j; // a distinct repetition of position j each time
                            classes[t] = (classes[t] + 1 + r.nextInt(4)) % 5; // any other class
                            corrupted++;
                        }
                    }
                    PayloadCodec.Decoded d = codec.decode(classes);
                    assertTrue(d.found(), d.problem());
                    assertArrayEquals(bits, d.bits());
                    assertEquals(1.0 - (double) corrupted / frames, d.confidence(), 1e-12);
                });
    }

    @Test
    void tieBreakTakesTheSmallestClassAsScipyMode() {
        assertEquals(1, PayloadCodec.smallestMode(new int[] {3, 1, 3, 1}));
        assertEquals(3, PayloadCodec.smallestMode(new int[] {3, 1, 3}));
        assertEquals(0, PayloadCodec.smallestMode(new int[] {4, 0}));
    }

    @Test
    void noOrSeveralEndTokensIsNoMessage() {
        PayloadCodec.Decoded none = PayloadCodec.decodePeriodic(new int[] {1, 2, 3, 1, 2, 3}, 3);
        assertFalse(none.found());
        assertTrue(none.problem().contains("no end token"), none.problem());
        assertEquals(1.0, none.confidence());
        PayloadCodec.Decoded two = PayloadCodec.decodePeriodic(new int[] {0, 2, 0}, 3);
        assertFalse(two.found());
        assertTrue(two.problem().contains("2 end tokens"), two.problem());
        assertEquals(0, two.symbols().length);
    }

    @Test
    void upstreamRuleRotatesAtTheEndTokenAndDropsThePartialPeriod() {
        // Symbols (2, 3, 1, 0) -> period (3, 4, 2, 1, 0), seen from offset 2 -> 2 1 0 3 4; then a partial
        // copy of two wrong classes 0 0. Counted, they would tie positions 0 and 1 with the end token (and
        // the smaller class wins ties); upstream keeps only whole periods, so they are ignored.
        int[] frames = {2, 1, 0, 3, 4, 0, 0};
        PayloadCodec.Decoded d = PayloadCodec.decodePeriodic(frames, 5);
        assertTrue(d.found(), d.problem());
        assertArrayEquals(new int[] {2, 3, 1, 0}, d.symbols());
        assertEquals(1.0, d.confidence());
    }

    @Test
    void clearErrorsForPayloadsThatDoNotFitAndTooFewFrames() {
        PayloadCodec codec = new PayloadCodec(16);
        LockeyException wrongLength = assertThrows(LockeyException.class, () -> codec.symbols(new boolean[17]));
        assertTrue(wrongLength.getMessage().contains("17 bits") && wrongLength.getMessage().contains("16"));
        LockeyException shortInput = assertThrows(LockeyException.class, () -> codec.decode(new int[8]));
        assertTrue(shortInput.getMessage().contains("fewer than one message period of 9"), shortInput.getMessage());
        assertThrows(LockeyException.class, () -> new PayloadCodec(0));
        assertThrows(LockeyException.class, () -> PayloadCodec.classesOfSymbols(new int[] {0, 3}, 4));
        assertThrows(LockeyException.class, () -> PayloadCodec.oneHot(new int[] {5}, 5));
    }

    @Test
    void bitsOfAndValueOfAreInverse() {
        qt().withFixedSeed(43).withExamples(100).forAll(integers().between(1, 64), longs().all())
                .checkAssert((n, v) -> {
                    long masked = n == 64 ? v : v & ((1L << n) - 1);
                    assertEquals(masked, PayloadCodec.valueOf(PayloadCodec.bitsOf(v, n)));
                });
        assertArrayEquals(new boolean[] {true, false, false, false}, PayloadCodec.bitsOf(8, 4));
    }
}
