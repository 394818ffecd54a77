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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
        assertTrue(assertThrows(LockeyException.class, () -> KeyRegistry.load(p)).getMessage().contains("invalid key registry"));
        assertThrows(LockeyException.class, () -> KeyRegistry.create("m", 4, 17, 1));
    }

    /** A hand-written registry of 16-bit keys: {@code valid} and {@code issued} are JSON array bodies. */
    static String registryJson(String valid, String issued) {
        return "{\"format\": \"lockey-key-registry/1\", \"model_id\": \"m\", \"key_bits\": 16, \"seed\": 1,\n"
                + " \"valid_keys\": [" + valid + "],\n \"issued\": [" + issued + "]}\n";
    }

    /** {@code load} of {@code json} fails with one line that names the file and contains {@code problem}, no key. */
    private void assertOneLineError(String json, String problem) throws Exception {
        Path p = dir.resolve("hand-edited.json");
        Files.writeString(p, json);
        String before = Files.readString(p);
        LockeyException e = assertThrows(LockeyException.class, () -> KeyRegistry.load(p), problem);
        String m = e.getMessage();
        assertTrue(m.startsWith(p + ": "), "names the file: " + m);
        assertTrue(m.contains(problem), "expected '" + problem + "' in: " + m);
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String key : List.of("aa0c", "b10b", "a078", "0aa0c", "AA0C")) {
            assertFalse(m.toLowerCase(java.util.Locale.ROOT).contains(key.toLowerCase(java.util.Locale.ROOT)),
                    "never shows a key: " + m);
        }
        assertEquals(before, Files.readString(p), "never repaired");
    }

    @Test
    void everyHandEditThatBreaksTheRegistryIsOneLineNamingTheFileAndTheEntry() throws Exception {
        String alice = "{\"user\": \"alice\", \"key\": \"aa0c\", \"issued_at\": \"2025-01-02T03:04:05Z\"}";
        String bobSameKey = "{\"user\": \"bob\", \"key\": \"aa0c\", \"issued_at\": \"2025-01-02T03:04:06Z\"}";
        String aliceAgain = "{\"user\": \"alice\", \"key\": \"b10b\", \"issued_at\": \"2025-01-02T03:04:06Z\"}";
        String valid = "\"aa0c\", \"b10b\", \"a078\"";
        // the well-formed registry the edits start from loads
        Path ok = dir.resolve("ok.json");
        Files.writeString(ok, registryJson(valid, alice));
        assertEquals("alice", KeyRegistry.load(ok).issued().keySet().iterator().next());

        assertOneLineError(registryJson("\"aa0c\", \"b10b\", \"aa0c\"", ""), "valid_keys[2] repeats valid_keys[0]");
        assertOneLineError(registryJson("\"aa0c\", \"0aa0c\"", ""), "valid_keys[1]: malformed key: a 16-bit key has 4 hex digits, got 5");
        assertOneLineError(registryJson("\"aa0c\", 43532", ""), "valid_keys[1] must be a hex string");
        assertOneLineError(registryJson("", ""), "valid_keys is empty");
        assertOneLineError(registryJson(valid, alice).replace("\"key_bits\": 16", "\"key_bits\": 65"),
                "key_bits must be an integer from 1 to 64");
        assertOneLineError(registryJson(valid, alice).replace("\"key_bits\": 16", "\"key_bits\": \"16\""),
                "key_bits must be an integer from 1 to 64");
        assertOneLineError(registryJson(valid, alice).replace("\"issued\": [", "\"issued\": 3, \"x\": ["),
                "issued is not an array");
        assertOneLineError(registryJson(valid, alice).replace("\"seed\": 1", "\"seed\": \"one\""), "seed must be an integer");
        assertOneLineError(registryJson(valid, alice.replace("aa0c", "5555")),
                "issued[0] (user 'alice'): the key is not one of valid_keys");
        assertOneLineError(registryJson(valid, alice + ", " + bobSameKey),
                "issued[1] (user 'bob'): the key is also issued to issued[0] (user 'alice')");
        assertOneLineError(registryJson(valid, alice + ", " + aliceAgain),
                "issued[1] (user 'alice') repeats the user of issued[0]");
        assertOneLineError(registryJson(valid, alice.replace("alice", " alice")), "issued[0]: user id must be");
        assertOneLineError(registryJson(valid, alice.replace("\"user\": \"alice\", ", "")), "issued[0] has no user");
        assertOneLineError(registryJson(valid, alice.replace("\"aa0c\"", "\"aa0\"")),
                "issued[0] (user 'alice') key: malformed key: a 16-bit key has 4 hex digits, got 3");
        assertOneLineError(registryJson(valid, alice.replace("2025-01-02T03:04:05Z", "yesterday")),
                "issued[0] (user 'alice') issued_at is not an ISO-8601 UTC time");
        assertOneLineError(registryJson(valid, alice.replace("}", ", \"revoked_at\": \"2024-12-31T00:00:00Z\"}")),
                "issued[0] (user 'alice'): revoked_at is before issued_at");
        assertOneLineError(registryJson(valid, alice.replace("}", ", \"revoked_at\": \"soon\"}")),
                "issued[0] (user 'alice') revoked_at is not an ISO-8601 UTC time");
        assertOneLineError(registryJson(valid, "\"alice\""), "issued[0] is not an object");
        assertOneLineError(registryJson(valid, alice).replace("\"seed\": 1,", "\"seed\": 1, \"key_bits\": 16,"),
                "a repeated field at line 1");
        assertOneLineError(registryJson(valid, alice).replace("]}", "]"), "invalid JSON at line");
        // a key outside the 2^K space: 6-bit keys have 2 hex digits, so 0x40..0xff do not fit
        assertOneLineError(registryJson("\"3f\", \"40\"", "").replace("\"key_bits\": 16", "\"key_bits\": 6"),
                "valid_keys[1]: malformed key: value exceeds 6 bits");
    }

    @Test
    void theShippedRegistriesAndOneWrittenBeforeRevocationLoadAndRewriteUnchanged() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String name : List.of("registry-hifigan.json", "registry-encodec.json")) {
            Path shipped = Path.of("reference-data/models").resolve(name);
            JsonNode tree = json.readTree(shipped.toFile());
            KeyRegistry r = KeyRegistry.load(shipped);
            assertEquals(tree.get("model_id").asText(), r.modelId(), name);
            assertEquals(tree.get("key_bits").asInt(), r.bits(), name);
            List<String> hex = new ArrayList<>();
            tree.get("valid_keys").forEach(k -> hex.add(k.asText()));
            assertEquals(hex, r.validKeys().stream().map(Key::toHex).toList(), name);
            Path copy = dir.resolve(name);
            Files.copy(shipped, copy);
            KeyRegistry.update(copy, reg -> reg);
            assertEquals(tree, json.readTree(copy.toFile()), name + " rewritten unchanged");
        }
        // written by the registry before revocation existed: sub-second issue times, no revoked_at
        Path old = dir.resolve("old.json");
        Files.writeString(old, registryJson("\"aa0c\", \"b10b\", \"a078\"",
                "{\"user\": \"alice\", \"key\": \"b10b\", \"issued_at\": \"2026-12-03T14:22:41.710186355Z\"}"));
        JsonNode before = json.readTree(old.toFile());
        KeyRegistry r = KeyRegistry.load(old);
        assertEquals(Instant.parse("2026-12-03T14:22:41.710186355Z"), r.issued().get("alice").issuedAt());
        assertFalse(r.issued().get("alice").isRevoked());
        KeyRegistry.update(old, reg -> reg);
        assertEquals(before, json.readTree(old.toFile()), "rewritten unchanged");
    }

    @Test
    void aRevokedKeyIsKeptNamedAndNeverIssuedAgain() throws Exception {
        Path p = dir.resolve("revoke.json");
        KeyRegistry.create("m", 16, 3, 9).save(p);
        List<String> valid = new ArrayList<>();
        new ObjectMapper().readTree(p.toFile()).get("valid_keys").forEach(k -> valid.add(k.asText()));
        Key a = KeyRegistry.update(p, r -> r.issue("a"));
        Key b = KeyRegistry.update(p, r -> r.issue("b"));
        Instant at = Instant.parse("2030-05-06T07:08:09Z");
        KeyRegistry.Issued revoked = KeyRegistry.update(p, r -> r.revoke("b", at));
        assertEquals(Optional.of(at), revoked.revokedAt());
        assertEquals(Optional.of(at), KeyRegistry.update(p, r -> r.revoke("b", at.plusSeconds(60))).revokedAt(),
                "a second revocation keeps the first time");
        Key c = KeyRegistry.update(p, r -> r.issue("c"));
        assertEquals(Set.of(valid.get(0), valid.get(1), valid.get(2)), Set.of(a.toHex(), b.toHex(), c.toHex()),
                "c gets the one key never issued, not b's");
        LockeyException full = assertThrows(LockeyException.class, () -> KeyRegistry.update(p, r -> r.issue("d")));
        assertTrue(full.getMessage().startsWith(p + ": every valid key is issued"), full.getMessage());
        LockeyException again = assertThrows(LockeyException.class, () -> KeyRegistry.update(p, r -> r.issue("b")));
        assertTrue(again.getMessage().contains("already has a key") && again.getMessage().contains("revoked at 2030-05-06T07:08:09Z"),
                again.getMessage());
        LockeyException unknown = assertThrows(LockeyException.class,
                () -> KeyRegistry.update(p, r -> r.revoke("mallory", at)));
        assertEquals(p + ": no key is issued to user 'mallory'", unknown.getMessage());

        JsonNode stored = new ObjectMapper().readTree(p.toFile());
        assertEquals("2030-05-06T07:08:09Z", stored.get("issued").get(1).get("revoked_at").asText());
        assertFalse(stored.get("issued").get(0).has("revoked_at"), "an unrevoked record has no revoked_at");
        KeyRegistry back = KeyRegistry.load(p);
        KeyRegistry.Match m = back.nearest(b).orElseThrow();
        assertEquals("b", m.issued().user());
        assertTrue(m.issued().isRevoked(), "the revoked key still names its user");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(KeyRegistry.lockFile(p))));
    }

    @Test
    void threadsIssuingAtOnceGetDistinctKeysAndOnlyOneCreatesTheRegistry() throws Exception {
        Path p = dir.resolve("threads.json");
        int n = 12;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Boolean>> creators = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                creators.add(pool.submit(() -> {
                    go.await();
                    try {
                        KeyRegistry.create("m", 16, 40, 5).saveNew(p);
                        return true;
                    } catch (LockeyException e) {
                        assertTrue(e.getMessage().contains("exists"), e.getMessage());
                        return false;
                    }
                }));
            }
            go.countDown();
            int created = 0;
            for (var f : creators) {
                created += f.get() ? 1 : 0;
            }
            assertEquals(1, created, "exactly one of four concurrent creations succeeds");

            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Key>> issues = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String user = "user" + i;
                issues.add(pool.submit(() -> {
                    start.await();
                    return KeyRegistry.update(p, r -> r.issue(user));
                }));
            }
            start.countDown();
            Set<Key> keys = new HashSet<>();
            for (var f : issues) {
                keys.add(f.get());
            }
            assertEquals(n, keys.size(), "distinct keys");
            assertEquals(n, new ObjectMapper().readTree(p.toFile()).get("issued").size(), "one record per issue");
        } finally {
            pool.shutdownNow();
        }
    }
}
