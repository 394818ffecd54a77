package org.lockey.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.lockey.LockeyException;

/**
 * A checkpoint as upstream PyTorch stores it: parameter name to tensor. Loading strips the
 * {@code module.} prefix that {@code nn.DataParallel} adds (SilentCipher's released files carry
 * it); {@link #check} compares a checkpoint with the keys and shapes a model expects and reports
 * every missing, unexpected and mis-shaped key in one error (the nanoGPT {@code from_pretrained}
 * way), so a user fixes a conversion in one round.
 */
public final class StateDict {
    /** The prefix {@code torch.nn.DataParallel} puts before every key. */
    public static final String DATA_PARALLEL_PREFIX = "module.";

    private StateDict() {
    }

    /** Reads a safetensors checkpoint, stripping a {@code module.} prefix from every key that has one. */
    public static Map<String, Tensor> load(Path path) {
        return stripPrefix(SafeTensors.read(path).tensors(), DATA_PARALLEL_PREFIX);
    }

    /** The same tensors with {@code prefix} removed from the keys that start with it. */
    public static Map<String, Tensor> stripPrefix(Map<String, Tensor> tensors, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String k = e.getKey().startsWith(prefix) ? e.getKey().substring(prefix.length()) : e.getKey();
            out.put(k, e.getValue());
        }
        return out;
    }

    /** The tensors under {@code prefix + "."}, with that prefix removed (a sub-module's state dict). */
    public static Map<String, Tensor> select(Map<String, Tensor> tensors, String prefix) {
        String p = prefix.endsWith(".") ? prefix : prefix + ".";
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(p)) {
                out.put(k.substring(p.length()), v);
            }
        });
        return out;
    }

    /** The same tensors with {@code prefix + "."} put before every key. */
    public static Map<String, Tensor> withPrefix(Map<String, Tensor> tensors, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(prefix + "." + k, v));
        return out;
    }

    /**
     * Throws a {@link LockeyException} listing all differences between what a model expects and
     * what a checkpoint holds.
     *
     * @param source        the checkpoint's name for the message (usually its file)
     * @param expected      key to shape, as the model creates them
     * @param actual        the checkpoint
     * @param ownedPrefixes when given, only checkpoint keys starting with one of these count as
     *                      unexpected (a file may hold several models)
     */
    public static void check(String source, Map<String, long[]> expected, Map<String, Tensor> actual,
            String... ownedPrefixes) {
        List<String> missing = new ArrayList<>();
        List<String> misshaped = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Tensor t = actual.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                misshaped.add(e.getKey() + " " + Arrays.toString(t.shape()) + " (model "
                        + Arrays.toString(e.getValue()) + ")");
            }
        }
        TreeSet<String> unexpected = new TreeSet<>();
        for (String k : actual.keySet()) {
            boolean owned = ownedPrefixes.length == 0 || Arrays.stream(ownedPrefixes).anyMatch(k::startsWith);
            if (owned && !expected.containsKey(k)) {
                unexpected.add(k);
            }
        }
        if (missing.isEmpty() && unexpected.isEmpty() && misshaped.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder(source).append(": checkpoint does not match the model:");
        append(sb, "missing", missing);
        append(sb, "unexpected", new ArrayList<>(unexpected));
        append(sb, "mis-shaped", misshaped);
        sb.setLength(sb.length() - 1);
        throw new LockeyException(sb.toString());
    }

    private static void append(StringBuilder sb, String what, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        int max = 12;
        String list = items.size() <= max ? items.toString()
                : items.subList(0, max) + " and " + (items.size() - max) + " more";
        sb.append(' ').append(what).append(' ').append(items.size()).append(' ').append(list).append(';');
    }

    /** Total number of elements of the floating-point tensors (a model's parameter count as stored). */
    public static long parameterCount(Map<String, long[]> shapes) {
        long n = 0;
        for (long[] s : shapes.values()) {
            n += Tensor.numel(s);
        }
        return n;
    }
}
