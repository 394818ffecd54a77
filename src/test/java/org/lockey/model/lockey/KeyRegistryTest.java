package org.lockey.model.lockey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

class KeyRegistryTest {
    @TempDir
    Path dir;

    @Test
    void hexRoundTripsForEveryKeySize() {
        qt().withFixedSeed(5).withExamples(300).forAll(integers().between(1, 64), longs().all())
                .checkAssert((bits, raw) -> {
                    long v = bits == 64 ? raw : raw & ((1L << bits) - 1);
                    Key k = new Key(bits, v);
                    assertEquals(Key.hexDigits(bits), k.toHex().length());
                    assertEquals(k, Key.parseHex(k.toHex(), bits));
                    assertEquals(k, Key.parseHex("0X" + k.toHex().toUpperCase(), bits));
                });
    }

    @Test
    void bitFlagsAndTheBitMatrixAgreeWithBitForEveryKeySize() {
        qt().withFixedSeed(6).withExamples(200).forAll(integers().between(1, 64), longs().all())
                .checkAssert((bits, raw) -> {
                    Key k = new Key(bits, bits == 64 ? raw : raw & ((1L << bits) - 1));
                    boolean[] flags = k.bitFlags();
                    var m = Key.bitMatrix(k, k);
                    assertEquals(List.of(2L, (long) bits), java.util.Arrays.stream(m.shape()).boxed().toList());
                    for (int i = 0; i < bits; i++) {
                        assertEquals(k.bit(i) == 1, flags[i]);
                        assertEquals(k.bit(i), m.getLong(1, i));
                    }
                    assertEquals(k.value(), org.lockey.model.silentcipher.PayloadCodec.valueOf(flags));
                });
    }

    @Test
    void randomInvalidKeysAreNeverValidAndSpreadOverTheRest() {
        KeyRegistry r = KeyRegistry.create("t", 8, 200, 3);          // 200 of 256 valid: 56 invalid keys
        java.util.SplittableRandom rng = new java.util.SplittableRandom(4);
        Set<Key> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            Key k = r.randomInvalid(rng);
            assertEquals(8, k.bits());
            assertFalse(r.isValid(k), k.toHex());
            seen.add(k);
        }
        assertEquals(56, seen.size(), "every invalid key is drawn");
    }

    @Test
    void bitZeroIsTheMostSignificant() {
        Key k = Key.parseHex("8001", 16);
        assertEquals(1, k.bit(0));
        assertEquals(0, k.bit(1));
        assertEquals(1, k.bit(15));
        assertEquals(k, Key.fromBits(new int[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
        assertEquals(2, Key.parseHex("8001", 16).hamming(Key.parseHex("0000", 16)));
    }

    @Test
    void malformedKeysAreRejectedWithoutEchoingThem() {
        LockeyException len = assertThrows(LockeyException.class, () -> Key.parseHex("abc", 16));
        assertTrue(len.getMessage().contains("4 hex digits"), len.getMessage());
        LockeyException hex = assertThrows(LockeyException.class, () -> Key.parseHex("12g4", 16));
        assertTrue(hex.getMessage().contains("character 3"), hex.getMessage());
        assertFalse(hex.getMessage().contains("12g4"));
        assertThrows(LockeyException.class, () -> Key.parseHex("f", 3));
        assertFalse(new Key(16, 0xbeef).toString().contains("beef"), "toString hides the key");
    }

    @Test
    void validKeysAreDistinctSeededAndInRange() {
        for (int bits : new int[] {4, 16, 40}) {
            int count = bits == 4 ? 16 : 655;
            List<Key> a = KeyRegistry.drawValid(bits, count, 11);
            Set<Long> distinct = new HashSet<>();
            a.forEach(k -> distinct.add(k.value()));
            assertEquals(count, distinct.size(), bits + " bits");
            assertEquals(a, KeyRegistry.drawValid(bits, count, 11), "same seed, same draw");
            assertFalse(a.equals(KeyRegistry.drawValid(bits, count, 12)) && bits > 4, "another seed, another draw");
        }
    }

    @Test
    void issueSaveLoadNearest() throws Exception {
        KeyRegistry r = KeyRegistry.create("m", 16, 655, 3);
        Key alice = r.issue("alice");
        Key bob = r.issue("bob");
        assertTrue(r.isValid(alice) && r.isValid(bob) && !alice.equals(bob));
        assertThrows(LockeyException.class, () -> r.issue("alice"));
        Path p = dir.resolve("reg.json");
        r.save(p);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        KeyRegistry back = KeyRegistry.load(p);
        assertEquals(List.of("alice", "bob"), List.copyOf(back.issued().keySet()));
        assertEquals(r.validKeys(), back.validKeys());
        Key noisy = new Key(16, alice.value() ^ 0b100);
        KeyRegistry.Match m = back.nearest(noisy).orElseThrow();
        assertTrue(m.issued().user().equals("alice") || m.hamming() <= 1);
        assertEquals(alice.hamming(noisy) <= bob.hamming(noisy) ? "alice" : "bob", m.issued().user());
    }

    @Test
    void corruptRegistriesGiveClearErrors() throws Exception {
        Path p = dir.resolve("bad.json");
        Files.writeString(p, "{\"format\": \"something-else\"}");
        assertTrue(assertThrows(LockeyException.class, () -> KeyRegistry.load(p)).getMessage().contains("not a key registry"));
        Files.writeString(p, "{\"format\": \"lockey-key-registry/1\", \"key_bits\": 16, \"valid_keys\": [\"zz\"], \"issued\": []}");
        assertTrue(assertThrows(LockeyException.class, () -> KeyRegistry.load(p)).getMessage().contains("corrupt"));
        assertThrows(LockeyException.class, () -> KeyRegistry.create("m", 4, 17, 1));
    }
}
