package org.lockey.io;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.Fuzz;

/**
 * Property-based fuzzing of {@link SafeTensors#read} (issue 22): damaged copies of valid files, byte-level
 * ({@link Fuzz#mutate}) and inside the JSON header (numbers, dtypes, structure, with the header length kept
 * consistent so that the damage reaches the parser). Every case must read, with each tensor holding exactly
 * {@code numel x dtype size} bytes, or be refused in one line naming the file.
 */
class SafeTensorsFuzzTest {
    /** Cases per property; two properties, so 12,000 in all. */
    static final int CASES = 6000;
    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final String[] DTYPES = {"F64", "F32", "F16", "BF16", "I64", "I32", "I8", "U8", "BOOL", "F8_E4M3",
            "X", ""};

    @TempDir
    static Path dir;
    private static final List<byte[]> SEEDS = new ArrayList<>();

    @BeforeAll
    static void seeds() throws IOException {
        Map<String, Tensor> a = new LinkedHashMap<>();
        a.put("w", Tensor.ofFloats("w", new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        a.put("b", Tensor.ofFloats("b", new float[] {0.5f}, 1));
        SEEDS.add(write("a", a, Map.of("format", "pt")));
        Map<String, Tensor> b = new LinkedHashMap<>();
        b.put("codes", Tensor.ofLongs("codes", new long[] {1, -2, 3, 1L << 40}, 1, 2, 2));
        b.put("scalar", Tensor.ofFloats("scalar", new float[] {7}));
        b.put("empty", Tensor.ofFloats("empty", new float[0], 0, 3));
        b.put("bytes", new Tensor("bytes", DType.U8, new long[] {5},
                ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}).order(ByteOrder.LITTLE_ENDIAN)));
        SEEDS.add(write("b", b, Map.of()));
    }

    private static byte[] write(String name, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Path p = dir.resolve(name + ".safetensors");
        SafeTensors.write(p, tensors, metadata);
        return Files.readAllBytes(p);
    }

    private static void read(Path p) {
        SafeTensors st = SafeTensors.read(p);
        for (Tensor t : st.tensors().values()) {
            long want = t.numel() * t.dtype().bytes();
            if (t.data().remaining() != want) {
                throw new AssertionError(t.name() + ": " + t.data().remaining() + " bytes for " + want);
            }
        }
    }

    @Test
    void damagedBytesAreReadOrRefusedInOneLine() {
        Path file = dir.resolve("bytes.safetensors");
        qt().withFixedSeed(22).withExamples(CASES)
                .forAll(integers().between(0, 2 * Fuzz.KINDS - 1), integers().all(), integers().all(), integers().between(0, 1))
                .checkAssert((kind, position, value, seed) -> {
                    byte[] valid = SEEDS.get(seed);
                    int hot = 8 + (int) ByteBuffer.wrap(valid, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                    Fuzz.check(file, Fuzz.mutate(valid, kind < Fuzz.KINDS ? 8 : hot, kind % Fuzz.KINDS, position, value),
                            SafeTensorsFuzzTest::read, "kind " + kind + ", position " + position + ", value " + value);
                });
    }

    @Test
    void damagedHeadersWithAConsistentLengthAreReadOrRefusedInOneLine() {
        Path file = dir.resolve("header.safetensors");
        qt().withFixedSeed(23).withExamples(CASES)
                .forAll(integers().between(0, 3), integers().all(), integers().all(), integers().between(0, 1))
                .checkAssert((kind, position, value, seed) -> Fuzz.check(file, damageHeader(SEEDS.get(seed), kind,
                        position, value), SafeTensorsFuzzTest::read,
                        "header kind " + kind + ", position " + position + ", value " + value));
    }

    /**
     * The file with its JSON header changed and the 8-byte length rewritten to fit: 0 a number replaced (offsets,
     * shapes), 1 a dtype replaced, 2 one character deleted, 3 one character replaced by JSON punctuation.
     */
    static byte[] damageHeader(byte[] valid, int kind, int position, int value) {
        ByteBuffer in = ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) in.getLong(0);
        String json = new String(valid, 8, n, StandardCharsets.UTF_8);
        SplittableRandom rng = new SplittableRandom(value);
        String damaged = switch (kind) {
            case 0 -> {
                List<int[]> spans = new ArrayList<>();
                Matcher m = NUMBER.matcher(json);
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
                int[] s = spans.get(Math.floorMod(position, spans.size()));
                String[] numbers = {"0", "1", "-1", "18446744073709551615", "9223372036854775807", "4294967296",
                        String.valueOf(rng.nextInt(1000)), "1e3", "2.5", "99999999999999999999999"};
                yield json.substring(0, s[0]) + numbers[Math.floorMod(value, numbers.length)] + json.substring(s[1]);
            }
            case 1 -> json.replaceFirst("\"(F32|I64|U8)\"", "\"" + DTYPES[Math.floorMod(value, DTYPES.length)] + "\"");
            case 2 -> {
                int at = Math.floorMod(position, json.length());
                yield json.substring(0, at) + json.substring(at + 1);
            }
            default -> {
                int at = Math.floorMod(position, json.length());
                String punct = "{}[],:\"\\ n0-";
                yield json.substring(0, at) + punct.charAt(Math.floorMod(value, punct.length())) + json.substring(at + 1);
            }
        };
        byte[] header = damaged.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + valid.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header).put(valid, 8 + n, valid.length - 8 - n);
        return out.array();
    }
}
