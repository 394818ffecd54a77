package org.lockey.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

/**
 * The safetensors reader is a security boundary: every malformed file must end in a
 * {@link LockeyException} that names the file, never in another exception, an OutOfMemoryError or
 * an out-of-bounds read.
 */
class SafeTensorsTest {
    @TempDir
    Path dir;

    /** Builds a file from a header JSON text and a data section, bypassing the writer. */
    private Path raw(String name, String json, byte[] data) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private static void assertRejected(Path p, String fragment) {
        LockeyException e = assertThrows(LockeyException.class, () -> SafeTensors.read(p));
        assertTrue(e.getMessage().startsWith(p.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
    }

    @Test
    void roundTripKeepsValuesShapesAndMetadata() {
        float[] f = {1.5f, -2f, 3.25f, 0f, 1e-30f, -7f};
        long[] l = {Long.MIN_VALUE, -1, 0, 42};
        Path p = dir.resolve("rt.safetensors");
        SafeTensors.write(p, List.of(Tensor.ofFloats("b.weight", f, 2, 3), Tensor.ofLongs("a.count", l, 4),
                Tensor.ofFloats("scalar", new float[] {9f})), Map.of("config", "{\"x\": 1}", "k", "v"));
        SafeTensors st = SafeTensors.read(p);
        assertEquals(List.of("a.count", "b.weight", "scalar"), List.copyOf(st.tensors().keySet()));
        assertArrayEquals(f, st.get("b.weight").toFloatArray());
        assertArrayEquals(new long[] {2, 3}, st.get("b.weight").shape());
        assertArrayEquals(l, st.get("a.count").toLongArray());
        assertArrayEquals(new long[] {}, st.get("scalar").shape());
        assertEquals(9f, st.get("scalar").toFloatArray()[0]);
        assertEquals(Map.of("config", "{\"x\": 1}", "k", "v"), st.metadata());
    }

    @Test
    void readsEveryDtypeItDeclares() throws IOException {
        // F64 1.5 | F16 -2.0 (0xC000) | BF16 3.0 (0x4040) | I32 -5 | I8 -3 | U8 250 | BOOL 1
        ByteBuffer d = ByteBuffer.allocate(8 + 2 + 2 + 4 + 1 + 1 + 1).order(ByteOrder.LITTLE_ENDIAN);
        d.putDouble(1.5).putShort((short) 0xC000).putShort((short) 0x4040).putInt(-5).put((byte) -3)
                .put((byte) 250).put((byte) 1);
        String json = "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[8,10]},"
                + "\"c\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[10,12]},"
                + "\"d\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[12,16]},"
                + "\"e\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[16,17]},"
                + "\"f\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[17,18]},"
                + "\"g\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[18,19]}}";
        SafeTensors st = SafeTensors.read(raw("dtypes.safetensors", json, d.array()));
        assertEquals(1.5, st.get("a").toDoubleArray()[0]);
        assertEquals(-2.0, st.get("b").toDoubleArray()[0]);
        assertEquals(3.0, st.get("c").toDoubleArray()[0]);
        assertEquals(-5, st.get("d").toLongArray()[0]);
        assertEquals(-3, st.get("e").toLongArray()[0]);
        assertEquals(250, st.get("f").toLongArray()[0]);
        assertEquals(1, st.get("g").toLongArray()[0]);
    }

    @Test
    void halfPrecisionDecodesSubnormalsInfinityAndNaN() {
        assertEquals(0x1p-24f, Tensor.halfToFloat((short) 0x0001));
        assertEquals(65504f, Tensor.halfToFloat((short) 0x7bff));
        assertEquals(Float.NEGATIVE_INFINITY, Tensor.halfToFloat((short) 0xfc00));
        assertTrue(Float.isNaN(Tensor.halfToFloat((short) 0x7e00)));
    }

    @Test
    void rejectsNamedStructuralProblems() throws IOException {
        byte[] eight = new byte[8];
        assertRejected(raw("short.st", "", new byte[0]).resolveSibling("short.st"), "");
        Files.write(dir.resolve("tiny.st"), new byte[] {1, 2, 3});
        assertRejected(dir.resolve("tiny.st"), "shorter than the 8-byte header length");
        assertRejected(raw("notjson.st", "{nope", eight), "not valid JSON");
        assertRejected(raw("array.st", "[1,2]", eight), "not a JSON object");
        assertRejected(raw("dtype.st", "{\"x\":{\"dtype\":\"Q8\",\"shape\":[2],\"data_offsets\":[0,2]}}", eight),
                "unsupported dtype");
        assertRejected(raw("neg.st", "{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", eight),
                "not a non-negative integer");
        assertRejected(raw("span.st", "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", eight),
                "needs 12");
        assertRejected(raw("range.st", "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", eight),
                "outside the data section");
        assertRejected(raw("overlap.st", "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "overlaps");
        assertRejected(raw("huge.st", "{\"x\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],"
                + "\"data_offsets\":[0,8]}}", eight), "overflows");
        assertRejected(raw("dup.st", "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "not valid JSON");
        assertRejected(raw("meta.st", "{\"__metadata__\":{\"a\":1}}", new byte[0]), "not a string");
        assertRejected(dir.resolve("absent.st"), "no such file");
    }

    @Test
    void headerLengthBeyondTheFileIsRejectedBeforeAllocating() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE - 3);
        Path p = dir.resolve("len.st");
        Files.write(p, b.array());
        assertRejected(p, "header length");
    }

    /** Random corruption of a valid file: either it still reads, or a LockeyException names the file. */
    @Test
    void corruptedFilesFailOnlyWithLockeyException() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", Tensor.ofFloats("w", new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        m.put("n", Tensor.ofLongs("n", new long[] {7}));
        SafeTensors.write(good, m, Map.of("k", "v"));
        byte[] bytes = Files.readAllBytes(good);
        qt().withFixedSeed(99).withExamples(400)
                .forAll(integers().between(0, 2), integers().between(0, bytes.length - 1), longs().all())
                .checkAssert((mode, pos, seed) -> {
                    byte[] b = bytes.clone();
                    Random r = new Random(seed);
                    if (mode == 0) {
                        b[pos] = (byte) r.nextInt(256);               // flip one byte
                    } else if (mode == 1) {
                        b = java.util.Arrays.copyOf(b, pos);           // truncate
                    } else {
                        for (int i = 0; i < 4 && pos + i < b.length; i++) { // smash a run
                            b[pos + i] = (byte) "9]\"-".charAt(r.nextInt(4));
                        }
                    }
                    Path p = dir.resolve("c.safetensors");
                    try {
                        Files.write(p, b);
                        SafeTensors st = SafeTensors.read(p);
                        for (Tensor t : st.tensors().values()) {
                            t.toDoubleArray();
                        }
                    } catch (LockeyException e) {
                        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
    }
}
