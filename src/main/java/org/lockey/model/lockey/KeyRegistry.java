package org.lockey.model.lockey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The provider's secret: the key size, the set of valid keys (drawn uniformly without replacement
 * from the 2^K keys with a seed; paper §III: 655 of 2^16) and which valid key was issued to which
 * user (decisions.md "Tracking"). Written as JSON with owner-only permissions, atomically; keys are
 * never logged.
 *
 * <pre>{"format": "lockey-key-registry/1", "model_id": "...", "key_bits": 16, "seed": 1,
 *  "valid_keys": ["3fa2", ...], "issued": [{"user": "alice", "key": "3fa2", "issued_at": "..."}]}</pre>
 */
public final class KeyRegistry {
    /** The format tag written into every registry. */
    public static final String FORMAT = "lockey-key-registry/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One issued key. */
    public record Issued(String user, Key key, String issuedAt) {
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

    /** Issues the next unissued valid key to {@code user}; an error if the user already has one. */
    public Key issue(String user) {
        if (user == null || user.isBlank() || !user.strip().equals(user) || user.length() > 200) {
            throw new LockeyException("user id must be a non-empty name without surrounding spaces");
        }
        if (issued.containsKey(user)) {
            throw new LockeyException("user '" + user + "' already has a key (keys are issued once)");
        }
        Set<Long> used = new HashSet<>();
        issued.values().forEach(i -> used.add(i.key().value()));
        for (Key k : valid) {
            if (!used.contains(k.value())) {
                issued.put(user, new Issued(user, k, Instant.now().toString()));
                return k;
            }
        }
        throw new LockeyException("every valid key is issued (" + valid.size() + "); create a registry with more");
    }

    /** The issued key nearest in Hamming distance to {@code decoded}, if any key is issued. */
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

    /** Writes the registry atomically, readable by its owner only. */
    public void save(Path path) {
        ObjectNode root = JSON.createObjectNode();
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
            o.put("issued_at", i.issuedAt());
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        AtomicFiles.write(path, out -> out.write(bytes), true);
    }

    /** Reads and validates a registry. */
    public static KeyRegistry load(Path path) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            throw new LockeyException(path + ": no such key registry");
        } catch (JsonProcessingException e) {
            throw new LockeyException(path + ": not a key registry (invalid JSON)");
        } catch (IOException e) {
            throw new LockeyException(path + ": cannot read (" + e.getMessage() + ")");
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new LockeyException(path + ": not a key registry (format is not " + FORMAT + ")");
        }
        int bits = root.path("key_bits").asInt(-1);
        if (bits < 1 || bits > 64 || !root.path("valid_keys").isArray() || !root.path("issued").isArray()) {
            throw new LockeyException(path + ": key registry lacks key_bits, valid_keys or issued");
        }
        List<Key> valid = new ArrayList<>();
        try {
            for (JsonNode k : root.get("valid_keys")) {
                valid.add(Key.parseHex(k.asText(), bits));
            }
            KeyRegistry r = new KeyRegistry(root.path("model_id").asText(""), bits, root.path("seed").asLong(), valid);
            for (JsonNode i : root.get("issued")) {
                Key k = Key.parseHex(i.path("key").asText(), bits);
                String user = i.path("user").asText("");
                if (!r.isValid(k) || user.isEmpty() || r.issued.containsKey(user)) {
                    throw new LockeyException("an issued entry is not a valid key or repeats a user");
                }
                r.issued.put(user, new Issued(user, k, i.path("issued_at").asText("")));
            }
            return r;
        } catch (LockeyException e) {
            throw new LockeyException(path + ": corrupt key registry (" + e.getMessage() + ")");
        }
    }
}
