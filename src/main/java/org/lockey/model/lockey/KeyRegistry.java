package org.lockey.model.lockey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;
import org.lockey.io.ExclusiveLock;
import org.lockey.io.Json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The provider's secret: the key size, the set of valid keys (drawn uniformly without replacement
 * from the 2^K keys with a seed; paper §III: 655 of 2^16), which valid key was issued to which user
 * (docs/lockey.md, "Decisions and why"), and which of those keys were revoked (leaked). Keys are never logged.
 *
 * <pre>{"format": "lockey-key-registry/1", "model_id": "...", "key_bits": 16, "seed": 1,
 *  "valid_keys": ["3fa2", ...],
 *  "issued": [{"user": "alice", "key": "3fa2", "issued_at": "2025-01-02T03:04:05Z"},
 *             {"user": "bob", "key": "91c0", "issued_at": "...", "revoked_at": "2025-02-01T00:00:00Z"}]}</pre>
 *
 * <p>{@code revoked_at} is optional (absent: not revoked), so registries written before revocation
 * existed load unchanged; unknown fields are ignored. The file is a small database that cannot lose a
 * write: {@link #update} (and {@link #save}, {@link #saveNew}) hold an exclusive OS lock on the lock file
 * beside it ({@code registry.json.lock}, {@link ExclusiveLock}), re-read the file under the lock and
 * write it atomically and owner-only ({@link AtomicFiles}); readers need no lock, since a rename shows
 * them either the old or the new file. {@link #load} checks every invariant and names the first broken
 * one in a single line; it never repairs a file.
 */
public final class KeyRegistry {
    /** The format tag written into every registry. */
    public static final String FORMAT = "lockey-key-registry/1";
    /** Appended to the registry's file name to name its lock file. */
    public static final String LOCK_SUFFIX = ".lock";
    private static final int MAX_USER_LENGTH = 200;

    /**
     * One issued key.
     *
     * @param user      the user id the key was issued to
     * @param key       the key, one of the valid set
     * @param issuedAt  when it was issued (ISO-8601 UTC in the file)
     * @param revokedAt when it was revoked, if it was: a revoked key is never issued again, and tracing
     *                  reports its clips as the revoked user's
     */
    public record Issued(String user, Key key, Instant issuedAt, Optional<Instant> revokedAt) {
        public Issued {
            Objects.requireNonNull(user);
            Objects.requireNonNull(key);
            Objects.requireNonNull(issuedAt);
            Objects.requireNonNull(revokedAt);
        }

        /** True when the key was revoked. */
        public boolean isRevoked() {
            return revokedAt.isPresent();
        }
    }

    /** The nearest issued key to a decoded payload. */
    public record Match(Issued issued, int hamming) {
    }

    private final String modelId;
    private final int bits;
    private final long seed;
    private final List<Key> valid;
    private final Set<Long> validValues;
    private final Map<String, Issued> issued = new LinkedHashMap<>();

    private KeyRegistry(String modelId, int bits, long seed, List<Key> valid) {
        this.modelId = modelId;
        this.bits = bits;
        this.seed = seed;
        this.valid = List.copyOf(valid);
        this.validValues = new HashSet<>();
        for (Key k : valid) {
            if (!validValues.add(k.value())) {
                throw new LockeyException("key registry: a valid key is listed twice");
            }
        }
    }

    /**
     * A new registry with {@code count} valid keys of {@code bits} bits drawn uniformly without
     * replacement (seeded).
     */
    public static KeyRegistry create(String modelId, int bits, int count, long seed) {
        if (bits < 1 || bits > 64) {
            throw new LockeyException("--bits must be 1..64, got " + bits);
        }
        double space = Math.pow(2, bits);
        if (count < 1 || count > space) {
            throw new LockeyException("--valid must be between 1 and 2^" + bits + ", got " + count);
        }
        return new KeyRegistry(modelId, bits, seed, drawValid(bits, count, seed));
    }

    /** {@code count} distinct K-bit keys, uniform without replacement, in draw order. */
    static List<Key> drawValid(int bits, int count, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Key> keys = new ArrayList<>(count);
        if (bits <= 24) {
            // Partial Fisher-Yates over the whole space: exact and cheap for small key sizes.
            int n = 1 << bits;
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            for (int i = 0; i < count; i++) {
                int j = i + rng.nextInt(n - i);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
                keys.add(new Key(bits, perm[i]));
            }
        } else {
            // Rejection of repeats: the space is at least 2^25, so repeats are rare.
            Set<Long> seen = new HashSet<>();
            long mask = bits == 64 ? -1L : (1L << bits) - 1;
            while (keys.size() < count) {
                long v = rng.nextLong() & mask;
                if (seen.add(v)) {
                    keys.add(new Key(bits, v));
                }
            }
        }
        return keys;
    }

    public String modelId() {
        return modelId;
    }

    public int bits() {
        return bits;
    }

    public long seed() {
        return seed;
    }

    /** The valid keys, in draw order. */
    public List<Key> validKeys() {
        return valid;
    }

    /** True when {@code k} is in the valid set. */
    public boolean isValid(Key k) {
        return k.bits() == bits && validValues.contains(k.value());
    }

    /**
     * A key drawn uniformly from the keys outside the valid set (rejection: draws of {@code r} until one is
     * invalid), for training and evaluation with invalid keys; an error when every key of the space is valid
     * (the draw would never end).
     */
    public Key randomInvalid(SplittableRandom r) {
        if (bits < 63 && valid.size() >= (1L << bits)) {
            throw new LockeyException("every one of the 2^" + bits + " keys is valid: there is no invalid key to draw");
        }
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        while (true) {
            Key k = new Key(bits, r.nextLong() & mask);
            if (!isValid(k)) {
                return k;
            }
        }
    }

    /** Issued keys by user, in issue order. */
    public Map<String, Issued> issued() {
        return Collections.unmodifiableMap(issued);
    }

    /**
     * Issues the next valid key that was never issued (revoked keys included) to {@code user}, at the
     * current time (whole seconds); an error if the user already holds a key, revoked or not (keys are issued once).
     */
    public Key issue(String user) {
        checkUserId(user);
        Issued held = issued.get(user);
        if (held != null) {
            throw new LockeyException("user '" + user + "' already has a key (keys are issued once"
                    + held.revokedAt().map(at -> "; it was revoked at " + at + ": issue a new key under a new user id")
                            .orElse("") + ")");
        }
        Set<Long> used = new HashSet<>();
        issued.values().forEach(i -> used.add(i.key().value()));
        for (Key k : valid) {
            if (!used.contains(k.value())) {
                issued.put(user, new Issued(user, k, Instant.now().truncatedTo(ChronoUnit.SECONDS), Optional.empty()));
                return k;
            }
        }
        throw new LockeyException("every valid key is issued (" + valid.size() + "); create a registry with more");
    }

    /**
     * Marks {@code user}'s key revoked at {@code at} and returns the record; a key already revoked
     * keeps its first revocation time. An error when no key is issued to {@code user}.
     */
    public Issued revoke(String user, Instant at) {
        Issued held = issued.get(user);
        if (held == null) {
            throw new LockeyException("no key is issued to user '" + user + "'");
        }
        if (held.isRevoked()) {
            return held;
        }
        Issued revoked = new Issued(held.user(), held.key(), held.issuedAt(), Optional.of(at));
        issued.put(user, revoked);
        return revoked;
    }

    /** The issued key nearest in Hamming distance to {@code decoded}, revoked keys included, if any key is issued. */
    public Optional<Match> nearest(Key decoded) {
        Match best = null;
        for (Issued i : issued.values()) {
            int d = i.key().hamming(decoded);
            if (best == null || d < best.hamming()) {
                best = new Match(i, d);
            }
        }
        return Optional.ofNullable(best);
    }

    /** The lock file of the registry at {@code path}: {@code registry.json.lock} beside {@code registry.json}. */
    public static Path lockFile(Path path) {
        return path.resolveSibling(path.getFileName() + LOCK_SUFFIX);
    }

    /**
     * One read-modify-write of the registry at {@code path}, safe against every other process and thread
     * that writes it through this class: under the registry's exclusive lock the file is read (and
     * validated), {@code change} is applied to it, and the result is written atomically, owner-only.
     * Returns what {@code change} returns. A {@link LockeyException} of {@code change} comes back with the
     * file's name in front, and nothing is written.
     */
    public static <T> T update(Path path, Function<KeyRegistry, T> change) {
        if (!Files.isRegularFile(path)) {
            throw new LockeyException(path + ": no such key registry");
        }
        try (ExclusiveLock lock = ExclusiveLock.acquire(lockFile(path))) {
            KeyRegistry r = load(path);
            T result;
            try {
                result = change.apply(r);
            } catch (LockeyException e) {
                throw new LockeyException(path + ": " + e.getMessage(), e);
            }
            r.write(path);
            return result;
        }
    }

    /** Writes the registry to {@code path}, replacing any file there, under the registry's lock. */
    public void save(Path path) {
        try (ExclusiveLock lock = lockBeside(path)) {
            write(path);
        }
    }

    /**
     * Writes the registry to {@code path} under the registry's lock, unless a file is already there (checked
     * under the lock, so of two processes creating one registry exactly one succeeds); a registry holds
     * issued keys, so replacing one is an explicit {@link #save}.
     */
    public void saveNew(Path path) {
        try (ExclusiveLock lock = lockBeside(path)) {
            if (Files.exists(path)) {
                throw new LockeyException(path + ": exists; a registry holds issued keys, use --force to replace it");
            }
            write(path);
        }
    }

    private static ExclusiveLock lockBeside(Path path) {
        Path dir = path.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LockeyException(dir + ": cannot create directory (" + e.getMessage() + ")", e);
        }
        return ExclusiveLock.acquire(lockFile(path));
    }

    /** Writes the registry atomically, readable by its owner only (the caller holds the lock). */
    private void write(Path path) {
        ObjectNode root = Json.object();
        root.put("format", FORMAT);
        root.put("model_id", modelId);
        root.put("key_bits", bits);
        root.put("seed", seed);
        ArrayNode v = root.putArray("valid_keys");
        valid.forEach(k -> v.add(k.toHex()));
        ArrayNode is = root.putArray("issued");
        for (Issued i : issued.values()) {
            ObjectNode o = is.addObject();
            o.put("user", i.user());
            o.put("key", i.key().toHex());
            o.put("issued_at", i.issuedAt().toString());
            i.revokedAt().ifPresent(at -> o.put("revoked_at", at.toString()));
        }
        byte[] bytes = Json.prettyUtf8(root);
        AtomicFiles.write(path, out -> out.write(bytes), AtomicFiles.Access.OWNER_ONLY);
    }

    /**
     * Reads and validates a registry (no lock: writes are atomic renames). The first broken invariant is
     * a {@link LockeyException} of one line naming the file and the entry, which never shows a key:
     * invalid JSON or a repeated field, a missing or mistyped field, a key of the wrong size or outside
     * the 2^K key space, a valid key listed twice, an issued key outside the valid set or issued twice, a
     * user listed twice or with a malformed id, a time that is not ISO-8601 UTC, a revocation before its
     * issue.
     */
    public static KeyRegistry load(Path path) {
        JsonNode root;
        try {
            root = Json.treeRefusingRepeatedFields(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            throw new LockeyException(path + ": no such key registry");
        } catch (JsonProcessingException e) {
            // Jackson's own message may quote the text around the error, which may be a key: say where only.
            boolean repeated = String.valueOf(e.getOriginalMessage()).startsWith("Duplicate field");
            throw new LockeyException(path + ": not a key registry (" + (repeated ? "a repeated field" : "invalid JSON")
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw new LockeyException(path + ": cannot read (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
            throw new LockeyException(path + ": not a key registry (format is not " + FORMAT + ")");
        }
        try {
            return fromJson(root);
        } catch (LockeyException e) {
            throw new LockeyException(path + ": invalid key registry: " + e.getMessage(), e);
        }
    }

    private static KeyRegistry fromJson(JsonNode root) {
        JsonNode bitsNode = root.path("key_bits");
        if (!bitsNode.isIntegralNumber() || !bitsNode.canConvertToInt() || bitsNode.asInt() < 1 || bitsNode.asInt() > 64) {
            throw new LockeyException("key_bits must be an integer from 1 to 64");
        }
        int bits = bitsNode.asInt();
        String modelId = optionalText(root, "model_id", "");
        JsonNode seedNode = root.path("seed");
        if (!seedNode.isMissingNode() && !(seedNode.isIntegralNumber() && seedNode.canConvertToLong())) {
            throw new LockeyException("seed must be an integer");
        }
        List<Key> valid = new ArrayList<>();
        Map<Long, Integer> validIndex = new HashMap<>();
        JsonNode validNode = array(root, "valid_keys");
        if (validNode.isEmpty()) {
            throw new LockeyException("valid_keys is empty");
        }
        for (int i = 0; i < validNode.size(); i++) {
            String where = "valid_keys[" + i + "]";
            Key k = key(validNode.get(i), bits, where);
            Integer first = validIndex.putIfAbsent(k.value(), i);
            if (first != null) {
                throw new LockeyException(where + " repeats valid_keys[" + first + "]");
            }
            valid.add(k);
        }
        KeyRegistry r = new KeyRegistry(modelId, bits, seedNode.asLong(0), valid);
        JsonNode issuedNode = array(root, "issued");
        Map<Long, Integer> issuedIndex = new HashMap<>();
        Map<String, Integer> userIndex = new HashMap<>();
        for (int i = 0; i < issuedNode.size(); i++) {
            JsonNode entry = issuedNode.get(i);
            if (!entry.isObject()) {
                throw new LockeyException("issued[" + i + "] is not an object");
            }
            JsonNode userNode = entry.path("user");
            if (!userNode.isTextual()) {
                throw new LockeyException("issued[" + i + "] has no user");
            }
            String user = userNode.asText();
            String where = "issued[" + i + "] (user '" + user + "')";
            try {
                checkUserId(user);
            } catch (LockeyException e) {
                throw new LockeyException("issued[" + i + "]: " + e.getMessage());
            }
            Integer sameUser = userIndex.putIfAbsent(user, i);
            if (sameUser != null) {
                throw new LockeyException(where + " repeats the user of issued[" + sameUser + "]");
            }
            Key k = key(entry.path("key"), bits, where + " key");
            if (!r.isValid(k)) {
                throw new LockeyException(where + ": the key is not one of valid_keys");
            }
            Integer sameKey = issuedIndex.putIfAbsent(k.value(), i);
            if (sameKey != null) {
                throw new LockeyException(where + ": the key is also issued to issued[" + sameKey + "] (user '"
                        + issuedNode.get(sameKey).path("user").asText() + "')");
            }
            Instant issuedAt = time(entry.path("issued_at"), where + " issued_at");
            Optional<Instant> revokedAt = entry.path("revoked_at").isMissingNode() || entry.path("revoked_at").isNull()
                    ? Optional.empty() : Optional.of(time(entry.path("revoked_at"), where + " revoked_at"));
            if (revokedAt.isPresent() && revokedAt.get().isBefore(issuedAt)) {
                throw new LockeyException(where + ": revoked_at is before issued_at");
            }
            r.issued.put(user, new Issued(user, k, issuedAt, revokedAt));
        }
        return r;
    }

    private static JsonNode array(JsonNode root, String field) {
        JsonNode node = root.path(field);
        if (!node.isArray()) {
            throw new LockeyException(field + (node.isMissingNode() ? " is missing" : " is not an array"));
        }
        return node;
    }

    private static String optionalText(JsonNode root, String field, String absent) {
        JsonNode node = root.path(field);
        if (node.isMissingNode()) {
            return absent;
        }
        if (!node.isTextual()) {
            throw new LockeyException(field + " must be a string");
        }
        return node.asText();
    }

    private static Key key(JsonNode node, int bits, String where) {
        if (!node.isTextual()) {
            throw new LockeyException(where + (node.isMissingNode() ? " is missing" : " must be a hex string"));
        }
        try {
            return Key.parseHex(node.asText(), bits);
        } catch (LockeyException e) {
            throw new LockeyException(where + ": " + e.getMessage() + " (key_bits is " + bits + ")");
        }
    }

    private static Instant time(JsonNode node, String where) {
        if (!node.isTextual()) {
            throw new LockeyException(where + (node.isMissingNode() ? " is missing" : " must be a string"));
        }
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            throw new LockeyException(where + " is not an ISO-8601 UTC time such as 2025-01-02T03:04:05Z");
        }
    }

    /** The rule for user ids: non-empty, at most 200 characters, no surrounding white space. */
    private static void checkUserId(String user) {
        if (user == null || user.isBlank() || !user.strip().equals(user) || user.length() > MAX_USER_LENGTH) {
            throw new LockeyException("user id must be a non-empty name of at most " + MAX_USER_LENGTH
                    + " characters without surrounding spaces");
        }
    }
}
