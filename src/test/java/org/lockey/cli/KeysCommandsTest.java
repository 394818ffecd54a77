package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code keys init|issue|revoke|list} as a provider uses them: many processes issuing at once on one
 * registry, revocation end to end through {@code trace}, and hand-edited registries refused in one line.
 * Expected values come from the registry file read here with Jackson, never from {@code KeyRegistry}.
 */
class KeysCommandsTest {
    /** Processes issuing at once (issue 22: at least 32). */
    static final int PROCESSES = 32;

    @TempDir
    Path dir;

    /** The registry file as plain JSON. */
    static JsonNode json(Path registry) throws Exception {
        return new ObjectMapper().readTree(registry.toFile());
    }

    static List<String> validKeys(Path registry) throws Exception {
        List<String> valid = new ArrayList<>();
        json(registry).get("valid_keys").forEach(k -> valid.add(k.asText()));
        return valid;
    }

    /** The issued records of the file: user -> JSON record. */
    static Map<String, JsonNode> issued(Path registry) throws Exception {
        Map<String, JsonNode> byUser = new HashMap<>();
        json(registry).get("issued").forEach(i -> byUser.put(i.get("user").asText(), i));
        return byUser;
    }

    static void assertOneLineNaming(MainTest.Run r, Path file, String problem) {
        assertEquals(Command.USAGE, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(file.toString()), "names the file: " + r.err());
        assertTrue(r.err().contains(problem), "expected '" + problem + "' in: " + r.err());
        assertFalse(r.err().contains("at org."), "no stack trace: " + r.err());
    }

    @Test
    void thirtyTwoProcessesIssuingAtOnceGetThirtyTwoDistinctKeysAndRecords() throws Exception {
        Path registry = dir.resolve("registry.json");
        MainTest.Run init = MainTest.run("keys", "init", "--valid", "100", "--seed", "7", "--out", registry.toString());
        assertEquals(0, init.code(), init.err());
        Path go = dir.resolve("go");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        Map<String, String> printed = new HashMap<>();
        try {
            for (int i = 0; i < PROCESSES; i++) {
                // Small JVMs: the keys commands never load ND4J, a few MB of heap is all they use.
                ProcessBuilder pb = new ProcessBuilder(java, "-Xms8m", "-Xmx256m", "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                        StartTogetherMain.class.getName(), go.toString(), "keys", "issue", "--registry",
                        registry.toString(), "--user", "user" + i);
                pb.redirectError(dir.resolve("stderr-" + i + ".txt").toFile());
                processes.add(pb.start());
            }
            List<BufferedReader> outs = new ArrayList<>();
            for (Process p : processes) {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                assertEquals("ready", out.readLine(), "a process did not start");
                outs.add(out);
            }
            Files.createFile(go);
            for (int i = 0; i < PROCESSES; i++) {
                Process p = processes.get(i);
                assertTrue(p.waitFor(180, TimeUnit.SECONDS), "user" + i + " still running");
                String err = Files.readString(dir.resolve("stderr-" + i + ".txt"));
                assertEquals(0, p.exitValue(), "user" + i + ": " + err);
                assertEquals("", err, "user" + i);
                String key = outs.get(i).readLine();
                assertTrue(key != null && key.matches("[0-9a-f]{4}"), "user" + i + " printed " + key);
                printed.put("user" + i, key);
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
        assertEquals(PROCESSES, new HashSet<>(printed.values()).size(), "every process printed another key");
        Map<String, JsonNode> records = issued(registry);
        assertEquals(PROCESSES, json(registry).get("issued").size(), "one record per process");
        assertEquals(printed.keySet(), records.keySet());
        Set<String> valid = new HashSet<>(validKeys(registry));
        for (var e : printed.entrySet()) {
            assertEquals(e.getValue(), records.get(e.getKey()).get("key").asText(), "the printed key is the recorded one");
            assertTrue(valid.contains(e.getValue()), e.getKey() + "'s key is valid");
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(registry)));
        assertTrue(Files.exists(dir.resolve("registry.json.lock")), "the lock file beside the registry");
        try (var s = Files.list(dir)) {
            assertEquals(List.of(), s.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(),
                    "no temporary file left");
        }
    }

    @Test
    void revokeMarksTheUserShowsInListAndTheKeyIsNeverIssuedAgain() throws Exception {
        Path registry = dir.resolve("r.json");
        assertEquals(0, MainTest.run("keys", "init", "--valid", "3", "--seed", "2", "--out", registry.toString()).code());
        String alice = MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "alice").out().strip();
        String bob = MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "bob").out().strip();
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MainTest.Run revoke = MainTest.run("keys", "revoke", "--registry", registry.toString(), "--user", "bob");
        Instant after = Instant.now();
        assertEquals(0, revoke.code(), revoke.err());
        assertTrue(revoke.out().contains("user bob is revoked at "), revoke.out());
        assertFalse(revoke.out().contains(bob), "the key is not printed");

        JsonNode bobRecord = issued(registry).get("bob");
        Instant revokedAt = Instant.parse(bobRecord.get("revoked_at").asText());
        assertFalse(revokedAt.isBefore(before) || revokedAt.isAfter(after), revokedAt + " not in [" + before + ", " + after + "]");
        assertEquals(bob, bobRecord.get("key").asText(), "the record keeps the key");
        assertFalse(issued(registry).get("alice").has("revoked_at"));

        MainTest.Run list = MainTest.run("keys", "list", "--registry", registry.toString());
        assertEquals(0, list.code(), list.err());
        List<String> lines = list.out().lines().toList();
        assertTrue(lines.get(0).endsWith("3 valid, 2 issued, 1 revoked"), lines.get(0));
        assertEquals("bob\t" + bobRecord.get("issued_at").asText() + "\trevoked " + revokedAt, lines.get(2));
        assertEquals("alice\t" + issued(registry).get("alice").get("issued_at").asText(), lines.get(1));
        assertFalse(list.out().contains(bob) || list.out().contains(alice), "keys only with --show-keys");
        MainTest.Run shown = MainTest.run("keys", "list", "--registry", registry.toString(), "--show-keys");
        assertTrue(shown.out().contains("bob\t" + bob + "\t"), shown.out());

        MainTest.Run again = MainTest.run("keys", "revoke", "--registry", registry.toString(), "--user", "bob");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("was already revoked at " + revokedAt), again.out());
        assertEquals(revokedAt.toString(), issued(registry).get("bob").get("revoked_at").asText(), "first time kept");

        MainTest.Run carol = MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "carol");
        assertEquals(0, carol.code(), carol.err());
        Set<String> three = Set.of(alice, bob, carol.out().strip());
        assertEquals(new HashSet<>(validKeys(registry)), three, "carol gets the third key, never bob's");
        assertOneLineNaming(MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "dave"), registry,
                "every valid key is issued");
        assertOneLineNaming(MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "bob"), registry,
                "user 'bob' already has a key");
        assertOneLineNaming(MainTest.run("keys", "revoke", "--registry", registry.toString(), "--user", "mallory"),
                registry, "no key is issued to user 'mallory'");
        assertOneLineNaming(MainTest.run("keys", "revoke", "--registry", dir.resolve("none.json").toString(), "--user",
                "bob"), dir.resolve("none.json"), "no such key registry");

        MainTest.Run help = MainTest.run("keys", "revoke", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("./lockey keys revoke") && help.out().contains("--user")
                && help.out().contains("revoked: USER"), help.out());
    }

    @Test
    void initRefusesToReplaceARegistryWithoutForce() throws Exception {
        Path registry = dir.resolve("r.json");
        assertEquals(0, MainTest.run("keys", "init", "--valid", "5", "--seed", "2", "--out", registry.toString()).code());
        MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "alice");
        String before = Files.readString(registry);
        assertOneLineNaming(MainTest.run("keys", "init", "--valid", "5", "--seed", "3", "--out", registry.toString()),
                registry, "exists");
        assertEquals(before, Files.readString(registry));
        assertEquals(0, MainTest.run("keys", "init", "--valid", "5", "--seed", "3", "--out", registry.toString(),
                "--force").code());
        assertEquals(0, json(registry).get("issued").size(), "replaced");
    }

    @Test
    void everyCommandRefusesAHandEditedRegistryInOneLineAndLeavesItAlone() throws Exception {
        Path registry = dir.resolve("edited.json");
        assertEquals(0, MainTest.run("keys", "init", "--valid", "5", "--seed", "4", "--out", registry.toString()).code());
        MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "alice");
        MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "bob");
        // the edit: bob's record names alice
        String edited = Files.readString(registry).replace("\"user\" : \"bob\"", "\"user\" : \"alice\"");
        Files.writeString(registry, edited);
        String problem = "issued[1] (user 'alice') repeats the user of issued[0]";
        assertOneLineNaming(MainTest.run("keys", "list", "--registry", registry.toString()), registry, problem);
        assertOneLineNaming(MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "carol"), registry,
                problem);
        assertOneLineNaming(MainTest.run("keys", "revoke", "--registry", registry.toString(), "--user", "alice"),
                registry, problem);
        assertEquals(edited, Files.readString(registry), "never repaired");
    }

    @Test
    void traceReportsTheRevokedUserOfAWatermarkedClip() throws Exception {
        // trace reads only the run's watermark model: the shipped 22.05 kHz SilentCipher (16-bit payload)
        Path run = dir.resolve("run");
        Path wm = run.resolve("model").resolve("watermark");
        Files.createDirectories(wm);
        Path shipped = Path.of("reference-data/models/watermark-22k");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(shipped.resolve(f), wm.resolve(f));
        }
        Path registry = dir.resolve("registry.json");
        assertEquals(0, MainTest.run("keys", "init", "--valid", "16", "--seed", "5", "--out", registry.toString()).code());
        String alice = MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "alice").out().strip();
        assertEquals(0, MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "bob").code());
        Path batch = Files.createDirectories(dir.resolve("clips"));
        Path clip = batch.resolve("alice.wav");
        MainTest.Run embed = MainTest.run("watermark", "embed", "--model", shipped.toString(), "--in",
                "reference-data/speech/000.wav", "--payload", "0x" + alice, "--out", clip.toString());
        assertEquals(0, embed.code(), embed.err());

        String revokedAt = traceRevokeTrace(run, registry, clip, "alice", alice);

        Path csv = dir.resolve("trace.csv");
        MainTest.Run dirRun = MainTest.run("trace", "--model", run.toString(), "--registry", registry.toString(), "--in",
                batch.toString(), "--csv", csv.toString());
        assertEquals(0, dirRun.code(), dirRun.out() + dirRun.err());
        List<String> rows = Files.readAllLines(csv);
        assertEquals("file,found,user,hamming,confidence,note", rows.get(0));
        assertTrue(rows.get(1).startsWith(clip + ",true,alice,") && rows.get(1).endsWith(",revoked: alice at " + revokedAt),
                rows.get(1));
    }

    /**
     * The provider's whole round with the shipped keyed HiFi-GAN: issue a key, generate with it, trace the output to its
     * user, revoke the user, and the same clip now traces as "revoked".
     */
    @Test
    void issueGenerateRevokeTraceEndToEnd() throws Exception {
        Path model = Path.of("reference-data/models/lockey-hifigan");
        Path registry = dir.resolve("registry.json");
        Files.copy(Path.of("reference-data/models/registry-hifigan.json"), registry);
        MainTest.Run issue = MainTest.run("keys", "issue", "--registry", registry.toString(), "--user", "dave");
        assertEquals(0, issue.code(), issue.err());
        Path keyFile = dir.resolve("dave.key");
        Files.writeString(keyFile, issue.out().strip());
        Path clip = dir.resolve("dave.wav");
        MainTest.Run generate = MainTest.run("generate", "--model", model.toString(), "--key-file", keyFile.toString(),
                "--in", "reference-data/speech/001.wav", "--out", clip.toString());
        assertEquals(0, generate.code(), generate.err());
        traceRevokeTrace(model, registry, clip, "dave", issue.out().strip());
    }

    /**
     * {@code trace} names {@code user} behind {@code clip}; after {@code keys revoke} the same clip traces as "revoked:
     * user" with the revocation time and without printing the key. Returns the revocation time as recorded.
     */
    private static String traceRevokeTrace(Path model, Path registry, Path clip, String user, String key)
            throws Exception {
        MainTest.Run traced = MainTest.run("trace", "--model", model.toString(), "--registry", registry.toString(),
                "--in", clip.toString());
        assertEquals(0, traced.code(), traced.out() + traced.err());
        assertTrue(traced.out().startsWith(clip + ": user " + user + " (Hamming distance"), traced.out());

        assertEquals(0, MainTest.run("keys", "revoke", "--registry", registry.toString(), "--user", user).code());
        String revokedAt = issued(registry).get(user).get("revoked_at").asText();
        MainTest.Run revoked = MainTest.run("trace", "--model", model.toString(), "--registry", registry.toString(),
                "--in", clip.toString());
        assertEquals(0, revoked.code(), revoked.out() + revoked.err());
        assertTrue(revoked.out().startsWith(clip + ": revoked: " + user + " (key revoked at " + revokedAt + ";"),
                revoked.out());
        assertFalse(revoked.out().contains(key), "the key is not printed");
        return revokedAt;
    }
}
