package org.lockey.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.lockey.LockeyException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reader and writer of the safetensors format (huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON mapping tensor names to {@code dtype}, {@code shape} and
 * {@code data_offsets} (relative to the data section), an optional {@code __metadata__} string map,
 * then the raw row-major little-endian data.
 *
 * <p>This is a security boundary: checkpoints come from strangers. Before anything is allocated
 * from the file's claims, the header length is bounded (by {@link #MAX_HEADER_BYTES} and the file
 * size), the JSON must be well formed UTF-8 without duplicate keys, every entry must have a known
 * dtype, a non-negative shape whose byte size fits and equals its offset span, and every span must
 * lie inside the data section without overlapping another. Every failure is a
 * {@link LockeyException} naming the file and, where there is one, the tensor.
 */
public final class SafeTensors {
    /** Upper bound of the JSON header (the reference implementation uses the same 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L << 20;
    /** Upper bound of the number of dimensions of one tensor. */
    public static final int MAX_RANK = 16;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private final Path path;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafeTensors(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** The file this was read from. */
    public Path path() {
        return path;
    }

    /** Tensors by name, in header order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The named tensor; a clear error when it is missing. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new LockeyException(path + ": no tensor named '" + name + "'");
        }
        return t;
    }

    /** Reads and validates a safetensors file. */
    public static SafeTensors read(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(path, "not a safetensors file (" + size + " bytes, shorter than the 8-byte header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n < 2 || n > MAX_HEADER_BYTES || n > size - 8) {
                throw bad(path, "not a safetensors file (header length " + Long.toUnsignedString(n)
                        + " does not fit the file of " + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8);
            long dataStart = 8 + n;
            long dataLen = size - dataStart;
            ParsedHeader ph = parseHeader(path, header.array(), dataLen);
            ByteBuffer data = dataLen == 0 ? ByteBuffer.allocate(0)
                    : ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLen).order(ByteOrder.LITTLE_ENDIAN);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Entry e : ph.entries) {
                ByteBuffer slice = data.duplicate().position((int) e.begin).limit((int) e.end).slice();
                out.put(e.name, new Tensor(e.name, e.dtype, e.shape, slice));
            }
            return new SafeTensors(path, out, ph.metadata);
        } catch (NoSuchFileException e) {
            throw new LockeyException(path + ": no such file");
        } catch (IOException e) {
            throw new LockeyException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private record ParsedHeader(List<Entry> entries, Map<String, String> metadata) {
    }

    private static ParsedHeader parseHeader(Path path, byte[] bytes, long dataLen) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw bad(path, "header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad(path, "header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw bad(path, "header is not a JSON object");
        }
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw bad(path, "__metadata__ is not an object");
                }
                Iterator<Map.Entry<String, JsonNode>> mi = v.fields();
                while (mi.hasNext()) {
                    Map.Entry<String, JsonNode> m = mi.next();
                    if (!m.getValue().isTextual()) {
                        throw bad(path, "__metadata__ value '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                }
                continue;
            }
            entries.add(parseEntry(path, name, v, dataLen));
        }
        checkOverlaps(path, entries);
        return new ParsedHeader(entries, metadata);
    }

    private static Entry parseEntry(Path path, String name, JsonNode v, long dataLen) {
        if (!v.isObject()) {
            throw badTensor(path, name, "entry is not an object");
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw badTensor(path, name, "missing dtype");
        }
        DType dtype = DType.parse(dt.asText());
        if (dtype == null) {
            throw badTensor(path, name, "unsupported dtype '" + dt.asText() + "'");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray() || sh.size() > MAX_RANK) {
            throw badTensor(path, name, "shape is not an array of at most " + MAX_RANK + " dimensions");
        }
        long[] shape = new long[sh.size()];
        long bytes = dtype.bytes();
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw badTensor(path, name, "shape entry " + d + " is not a non-negative integer");
            }
            shape[i] = d.asLong();
            try {
                bytes = Math.multiplyExact(bytes, shape[i]);
            } catch (ArithmeticException e) {
                throw badTensor(path, name, "shape " + sh + " overflows");
            }
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2
                || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw badTensor(path, name, "data_offsets is not a pair of integers");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLen) {
            throw badTensor(path, name, "data_offsets [" + begin + ", " + end + "] outside the data section of "
                    + dataLen + " bytes");
        }
        if (end - begin != bytes) {
            throw badTensor(path, name, "data_offsets span " + (end - begin) + " bytes but " + dtype + sh
                    + " needs " + bytes);
        }
        if (end > Integer.MAX_VALUE) {
            throw badTensor(path, name, "tensor lies beyond 2 GiB, which this reader does not support");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static void checkOverlaps(Path path, List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1);
            Entry b = sorted.get(i);
            if (b.begin < a.end) {
                throw badTensor(path, b.name, "data overlaps tensor '" + a.name + "'");
            }
        }
    }

    /**
     * Writes tensors (sorted by name, as the reference writer does) and metadata atomically. Only F32
     * and I64 tensors are written by this project, but any dtype read can be written back.
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(m::put);
        }
        long offset = 0;
        for (Tensor t : sorted.values()) {
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t.dtype().name());
            var shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long len = t.data().remaining();
            e.putArray("data_offsets").add(offset).add(offset + len);
            offset += len;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[padded];
        java.util.Arrays.fill(head, (byte) ' ');
        System.arraycopy(json, 0, head, 0, json.length);
        AtomicFiles.write(path, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(head);
            byte[] buf = new byte[1 << 16];
            for (Tensor t : sorted.values()) {
                ByteBuffer d = t.data().duplicate();
                while (d.hasRemaining()) {
                    int k = Math.min(buf.length, d.remaining());
                    d.get(buf, 0, k);
                    out.write(buf, 0, k);
                }
            }
        });
    }

    /** Convenience: tensors given in a list (keys are their names). */
    public static void write(Path path, List<Tensor> tensors, Map<String, String> metadata) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            if (m.put(t.name(), t) != null) {
                throw new IllegalArgumentException("duplicate tensor name " + t.name());
            }
        }
        write(path, m, metadata);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static LockeyException bad(Path path, String what) {
        return new LockeyException(path + ": " + what);
    }

    private static LockeyException badTensor(Path path, String tensor, String what) {
        return new LockeyException(path + ": tensor '" + tensor + "': " + what);
    }
}
