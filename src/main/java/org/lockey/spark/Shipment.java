package org.lockey.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;

/**
 * A job's input files as bytes, broadcast to the executors once: the models and the key registry. An executor writes
 * them once into a private temporary directory (owner-only; removed when its JVM ends) and every worker of that
 * executor opens them there. Nothing of it is ever logged or shown: the registry is a secret.
 *
 * @param id    unique per shipment (the executor's cache key)
 * @param files by input name: the files of that input by path relative to it ("" for an input that is one file)
 */
record Shipment(String id, Map<String, Map<String, byte[]>> files) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where each executor JVM has written each shipment: its inputs by name. */
    private static final Map<String, Map<String, Path>> LOCAL = new ConcurrentHashMap<>();

    /** The id and input names only: never the content. */
    @Override
    public String toString() {
        return "Shipment[" + id + ", inputs " + files.keySet() + "]";
    }

    /** Reads {@code inputs} (files, or directories taken whole) on the driver. */
    static Shipment of(Map<String, Path> inputs) {
        Map<String, Map<String, byte[]>> files = new TreeMap<>();
        inputs.forEach((name, path) -> {
            Map<String, byte[]> content = new TreeMap<>();
            try {
                if (Files.isDirectory(path)) {
                    List<Path> all;
                    try (Stream<Path> s = Files.walk(path)) {
                        all = s.filter(Files::isRegularFile).sorted().toList();
                    }
                    for (Path f : all) {
                        content.put(path.relativize(f).toString(), Files.readAllBytes(f));
                    }
                } else {
                    content.put("", Files.readAllBytes(path));
                }
            } catch (IOException e) {
                throw new LockeyException(path + ": cannot read (" + e.getMessage() + ")");
            }
            files.put(name, content);
        });
        return new Shipment(UUID.randomUUID().toString(), files);
    }

    /** The inputs as written on this JVM (written by the first caller, once). */
    Map<String, Path> local() {
        return LOCAL.computeIfAbsent(id, k -> write());
    }

    private Map<String, Path> write() {
        try {
            Path root = Files.createTempDirectory("lockey-spark-");      // rwx------ on POSIX
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    AtomicFiles.deleteTree(root);
                } catch (IOException e) {
                    // a temporary directory left behind: nothing else to do while the JVM stops
                }
            }));
            Map<String, Path> out = new HashMap<>();
            for (var input : files.entrySet()) {
                Path base = root.resolve(input.getKey());
                for (var f : input.getValue().entrySet()) {
                    Path p = f.getKey().isEmpty() ? base : base.resolve(f.getKey());
                    Files.createDirectories(p.getParent());
                    Files.write(p, f.getValue());
                }
                out.put(input.getKey(), base);
            }
            return out;
        } catch (IOException e) {
            throw new LockeyException("cannot write the job's models on this executor (" + e.getMessage() + ")");
        }
    }
}
