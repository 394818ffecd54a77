package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.SilentCipherConfig;

/** The parts of eval keysize that need no training: registries per size, --sizes parsing, crop sizes. */
class KeySizeTest {
    @Test
    void aRegistryPerSizeHoldsExactlyTheValidCountOfDistinctKBitKeys() {
        qt().withFixedSeed(11).withExamples(120).forAll(integers().between(1, 64), integers().between(1, 40),
                longs().all()).assuming((bits, valid, seed) -> bits >= 63 || (1L << bits) > valid)
                .checkAssert((bits, valid, seed) -> {
                    KeyRegistry r = KeySize.registry(bits, valid, seed);
                    assertEquals(bits, r.bits());
                    assertEquals(valid, r.validKeys().size(), "valid keys");
                    Set<Long> values = new HashSet<>();
                    for (Key k : r.validKeys()) {
                        assertEquals(bits, k.bits());
                        assertTrue(bits == 64 || (k.value() >>> bits) == 0, "fits in K bits");
                        assertEquals(k, Key.parseHex(k.toHex(), bits), "hex round trip");
                        values.add(k.value());
                    }
                    assertEquals(valid, values.size(), "distinct");
                    assertEquals(r.validKeys(), KeySize.registry(bits, valid, seed).validKeys(), "seeded");
                    Key invalid = r.randomInvalid(new SplittableRandom(seed));
                    assertEquals(bits, invalid.bits());
                    assertFalse(values.contains(invalid.value()), "an invalid draw is not a valid key");
                });
    }

    @Test
    void aFullKeySpaceHasNoInvalidKeyAndIsRefused() {
        KeyRegistry full = KeyRegistry.create("t", 3, 8, 1);
        assertThrows(LockeyException.class, () -> full.randomInvalid(new SplittableRandom(1)));
        LockeyException e = assertThrows(LockeyException.class, () -> KeySize.parseSizes("3").forEach(
                k -> KeySize.checkSize(k, 8)));
        assertTrue(e.getMessage().contains("3-bit keys give 8 keys"), e.getMessage());
    }

    @Test
    void sizesParseInOrderAndBadListsAreRefusedByName() {
        assertEquals(List.of(8, 16, 32), KeySize.parseSizes("8,16,32"));
        assertEquals(List.of(32, 8), KeySize.parseSizes(" 32 , 8 "));
        assertEquals(List.of(1, 64), KeySize.parseSizes("1,64"));
        for (String[] bad : new String[][] {{"8,x", "'x' is not a whole number"}, {"0,8", "key size 0 is outside"},
                {"65", "key size 65 is outside"}, {"8,8", "8 is listed twice"}, {"8,,16", "empty entry"},
                {"", "empty entry"}}) {
            LockeyException e = assertThrows(LockeyException.class, () -> KeySize.parseSizes(bad[0]), bad[0]);
            assertTrue(e.getMessage().startsWith("--sizes: ") && e.getMessage().contains(bad[1]), e.getMessage());
        }
    }

    /** Frames of the 22.05 kHz watermark for n samples, upstream's rule: right-pad to the next N_FFT multiple, centred frames. */
    private static int wmFrames(int n) {
        int padded = n + (2048 - n % 2048);
        return padded / 1024 + 1;
    }

    @Test
    void cropsHoldAtLeastOnePayloadPeriodForEveryKeySize() {
        SilentCipherConfig wm = SilentCipherConfig.sc22k(16);
        for (int k = 1; k <= 64; k++) {
            int frames = KeySize.cropFrames(k, wm, 256);
            int period = (k + 1) / 2 + 1;
            assertTrue(wmFrames(frames * 256) >= period, "K=" + k + ": " + frames + " frames");
            assertTrue(frames == KeySize.RECIPE_CROP_FRAMES || wmFrames((frames - 16) * 256) < period,
                    "K=" + k + ": no longer than needed");
        }
        assertEquals(KeySize.RECIPE_CROP_FRAMES, KeySize.cropFrames(32, wm, 256), "the recipe's crops hold K=32");
        assertTrue(KeySize.cropFrames(64, wm, 256) > KeySize.RECIPE_CROP_FRAMES, "K=64 needs longer crops");
    }

    @Test
    void totalKeysAreWrittenOutExactly() {
        assertEquals("256", KeySize.totalKeys(8));
        assertEquals("4294967296", KeySize.totalKeys(32));
        assertEquals("18446744073709551616", KeySize.totalKeys(64));
    }
}
