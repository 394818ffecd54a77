package org.lockey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The package layering of {@code src/main/java} (issue 21, {@code docs/architecture.md}): every
 * package uses only packages of lower layers, and no package cycle exists.
 *
 * <p>A use is an {@code import} (static or not, wildcard or not) or a fully qualified
 * {@code org.lockey.} name in code. Comments and string literals are not code: a Javadoc link to a
 * higher layer ("used by ...") is not an edge, while an import made only for Javadoc is. The package of
 * a qualified name is its segments before the first capitalised one ({@code org.lockey.train.Progress.Line}
 * is in {@code org.lockey.train}). Written here rather than with ArchUnit so that the build needs no
 * new dependency; {@link #detectorFindsEveryKindOfViolation} and {@link #parserSeesImportsAndQualifiedNames}
 * show that it can fail.
 */
class ArchitectureTest {
    /**
     * The layers, bottom first. A package may use any package of a lower layer; packages of one layer
     * are beside each other and use none of each other. Every main package must be listed here, so a
     * new package is placed on purpose.
     */
    static final List<List<String>> LAYERS = List.of(
            List.of("org.lockey"), // LockeyException, the one user-facing failure
            List.of("org.lockey.io"), // safetensors, state dicts, JSON, atomic files
            List.of("org.lockey.audio"), // plain-array signal processing
            List.of("org.lockey.nn"), // shared SameDiff blocks
            List.of("org.lockey.model.hifigan", "org.lockey.model.encodec", "org.lockey.model.silentcipher"),
            List.of("org.lockey.model.lockey"), // keys on the backbones above
            List.of("org.lockey.data", "org.lockey.distortion"), // clips and their corruptions (plain arrays)
            List.of("org.lockey.metric"), // bit accuracy, SDR, a watermark model over a data set
            List.of("org.lockey.train"), // loss terms, optimiser, checkpoints, trainers
            List.of("org.lockey.eval"), // tables, probe, attack, key size, demo
            List.of("org.lockey.bench", "org.lockey.golden", "org.lockey.corpus"), // speed; golden adapters; corpus work on an engine
            List.of("org.lockey.spark"), // the Spark engine (compiled with -Pspark only; cli finds it by name)
            List.of("org.lockey.cli")); // one class per sub-command

    static final Path MAIN = Path.of("src/main/java");

    @Test
    void mainSourcesAreLayeredWithoutCycles() {
        Graph g = Graph.of(MAIN);
        assertTrue(g.files() > 100, "parsed only " + g.files() + " files under " + MAIN.toAbsolutePath());
        List<String> problems = violations(g, LAYERS);
        assertEquals(List.of(), problems, "package layering (ArchitectureTest.LAYERS):\n" + String.join("\n", problems));
    }

    @Test
    void everyDeclaredPackageExists() {
        Set<String> packages = Graph.of(MAIN).packages();
        List<String> missing = LAYERS.stream().flatMap(List::stream).filter(p -> !packages.contains(p)).toList();
        assertEquals(List.of(), missing, "declared in LAYERS but without a main source file");
    }

    @Test
    void detectorFindsEveryKindOfViolation() {
        List<List<String>> layers = List.of(List.of("a"), List.of("b", "c"), List.of("d"));
        Graph ok = new Graph();
        ok.add("b", "a", "B.java: import a.A");
        ok.add("c", "a", "C.java: import a.A");
        ok.add("d", "b", "D.java: import b.B");
        ok.add("d", "c", "D.java: import c.C");
        assertEquals(List.of(), violations(ok, layers));

        Graph up = new Graph();
        up.add("a", "d", "A.java: import d.D");
        assertEquals(List.of("upward edge a -> d (layer 0 uses layer 2): A.java: import d.D"), violations(up, layers));

        Graph beside = new Graph();
        beside.add("b", "c", "B.java:3 c.C");
        assertEquals(List.of("edge inside layer 1 b -> c: B.java:3 c.C"), violations(beside, layers));

        Graph cycle = new Graph();
        cycle.add("b", "a", "B.java: import a.A");
        cycle.add("a", "d", "A.java:7 d.D");
        cycle.add("d", "b", "D.java: import b.B");
        cycle.add("d", "c", "D.java: import c.C");
        cycle.add("c", "a", "C.java: import a.A");
        List<String> v = violations(cycle, layers);
        assertTrue(v.contains("cycle a -> d -> b -> a (one of the cycles among [a, b, c, d])"), v.toString());
        assertTrue(v.contains("upward edge a -> d (layer 0 uses layer 2): A.java:7 d.D"), v.toString());
        assertEquals(2, v.size(), v.toString());

        Graph pair = new Graph();
        pair.add("b", "c", "B.java: import c.C");
        pair.add("c", "b", "C.java: import b.B");
        assertEquals(List.of("edge inside layer 1 b -> c: B.java: import c.C", "edge inside layer 1 c -> b: C.java: import b.B",
                "cycle b -> c -> b"), violations(pair, layers));

        Graph unknown = new Graph();
        unknown.add("e", "a", "E.java: import a.A");
        assertEquals(List.of("package e is not in the layers"), violations(unknown, layers));
    }

    @Test
    void parserSeesImportsAndQualifiedNames() {
        String src = """
                package org.lockey.model.hifigan;

                import static org.lockey.nn.Functional.logSoftmax;
                import java.util.List;
                import org.lockey.io.*;
                import org.lockey.audio.MelConfig;

                /** Used by {@link org.lockey.train.VocoderTrainer}. */
                final class X {
                    // org.lockey.eval.Table1 in a line comment
                    String s = "org.lockey.cli.Main";
                    char c = '"';
                    Object o = new org.lockey.bench.Stats(new double[] {1});
                    org.lockey.model.hifigan.Generator g; // same package: no edge
                    org.lockey.LockeyException e;
                }
                """;
        Graph g = new Graph();
        g.parse("X.java", src);
        assertEquals(Map.of("org.lockey.model.hifigan", Set.of("org.lockey.nn", "org.lockey.io", "org.lockey.audio",
                "org.lockey.bench", "org.lockey")), g.targets());
        assertEquals(List.of("X.java:13 org.lockey.bench.Stats"),
                g.evidence("org.lockey.model.hifigan", "org.lockey.bench"));
    }

    /**
     * Everything wrong with {@code g} under {@code layers}: packages not in the layers, edges to a
     * higher layer, edges inside a layer, and cycles (each set of two or more packages that all reach
     * each other, reported as one shortest closed path through it). Empty when the layering holds.
     */
    static List<String> violations(Graph g, List<List<String>> layers) {
        Map<String, Integer> layer = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            for (String p : layers.get(i)) {
                layer.put(p, i);
            }
        }
        List<String> out = new ArrayList<>();
        for (String p : g.packages()) {
            if (!layer.containsKey(p)) {
                out.add("package " + p + " is not in the layers");
            }
        }
        g.targets().forEach((from, tos) -> {
            for (String to : tos) {
                Integer lf = layer.get(from);
                Integer lt = layer.get(to);
                if (lf == null || lt == null) {
                    continue;
                }
                String why = String.join("; ", g.evidence(from, to));
                if (lt > lf) {
                    out.add("upward edge " + from + " -> " + to + " (layer " + lf + " uses layer " + lt + "): " + why);
                } else if (lt.equals(lf)) {
                    out.add("edge inside layer " + lf + " " + from + " -> " + to + ": " + why);
                }
            }
        });
        for (Set<String> knot : knots(g.targets())) {
            List<String> cycle = closedPath(g.targets(), knot);
            out.add("cycle " + String.join(" -> ", cycle)
                    + (knot.size() > cycle.size() - 1 ? " (one of the cycles among " + knot + ")" : ""));
        }
        return out;
    }

    /**
     * The strongly connected components of two or more nodes (Tarjan's algorithm, iterative): the sets
     * of packages that all reach each other.
     */
    static List<Set<String>> knots(Map<String, Set<String>> edges) {
        Set<String> nodes = new TreeSet<>(edges.keySet());
        edges.values().forEach(nodes::addAll);
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> components = new ArrayList<>();
        int[] counter = {0};
        for (String start : nodes) {
            if (index.containsKey(start)) {
                continue;
            }
            Deque<Object[]> work = new ArrayDeque<>();
            work.push(new Object[] {start, new ArrayList<>(edges.getOrDefault(start, Set.of())).iterator()});
            index.put(start, counter[0]);
            low.put(start, counter[0]++);
            stack.push(start);
            onStack.add(start);
            while (!work.isEmpty()) {
                Object[] frame = work.peek();
                String v = (String) frame[0];
                @SuppressWarnings("unchecked")
                Iterator<String> it = (Iterator<String>) frame[1];
                if (it.hasNext()) {
                    String w = it.next();
                    if (!index.containsKey(w)) {
                        index.put(w, counter[0]);
                        low.put(w, counter[0]++);
                        stack.push(w);
                        onStack.add(w);
                        work.push(new Object[] {w, new ArrayList<>(edges.getOrDefault(w, Set.of())).iterator()});
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty()) {
                    String parent = (String) work.peek()[0];
                    low.put(parent, Math.min(low.get(parent), low.get(v)));
                }
                if (low.get(v).equals(index.get(v))) {
                    Set<String> c = new TreeSet<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        c.add(w);
                    } while (!w.equals(v));
                    if (c.size() > 1) {
                        components.add(c);
                    }
                }
            }
        }
        return components;
    }

    /** A shortest path from the smallest node of {@code c} back to itself, inside {@code c}. */
    private static List<String> closedPath(Map<String, Set<String>> edges, Set<String> c) {
        String start = c.iterator().next();
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            String v = queue.poll();
            for (String w : new TreeSet<>(edges.getOrDefault(v, Set.of()))) {
                if (!c.contains(w)) {
                    continue;
                }
                if (w.equals(start)) {
                    List<String> path = new ArrayList<>(List.of(start));
                    for (String u = v; !u.equals(start); u = parent.get(u)) {
                        path.add(1, u);
                    }
                    path.add(start);
                    return path;
                }
                if (!parent.containsKey(w)) {
                    parent.put(w, v);
                    queue.add(w);
                }
            }
        }
        throw new IllegalStateException("no cycle through " + start + " in " + c);
    }

    /** Package edges with their evidence (file and import, or file:line and qualified name). */
    static final class Graph {
        private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
        private static final Pattern IMPORT = Pattern.compile(
                "^\\s*import\\s+(static\\s+)?(org\\.lockey(?:\\.\\w+)*?)(\\.\\*)?\\s*;", Pattern.MULTILINE);
        private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.])org\\.lockey(?:\\.[a-z_]\\w*)*\\.[A-Z]\\w*");
        private static final Pattern HEADER_LINE = Pattern.compile("^\\s*(?:package|import)\\b[^;]*;", Pattern.MULTILINE);

        private final Map<String, Map<String, List<String>>> edges = new TreeMap<>();
        private final Set<String> packages = new TreeSet<>();
        private int files;

        /** The graph of every {@code .java} file under {@code root}. */
        static Graph of(Path root) {
            Graph g = new Graph();
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    g.parse(root.relativize(p).toString(), Files.readString(p));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return g;
        }

        void add(String from, String to, String evidence) {
            packages.add(from);
            if (!from.equals(to)) {
                edges.computeIfAbsent(from, k -> new TreeMap<>()).computeIfAbsent(to, k -> new ArrayList<>()).add(evidence);
            }
        }

        /** Adds the edges of one source file. */
        void parse(String name, String source) {
            String code = blankCommentsAndLiterals(source);
            Matcher pm = PACKAGE.matcher(code);
            if (!pm.find()) {
                throw new IllegalStateException(name + ": no package declaration");
            }
            String from = pm.group(1);
            files++;
            packages.add(from);
            Matcher im = IMPORT.matcher(code);
            while (im.find()) {
                String q = im.group(2);
                boolean packageWildcard = im.group(3) != null && im.group(1) == null;
                add(from, packageWildcard ? q : packageOf(q), name + ": import " + q + (im.group(3) == null ? "" : ".*"));
            }
            Matcher header = HEADER_LINE.matcher(code);
            StringBuilder body = new StringBuilder(code);
            while (header.find()) {
                for (int i = header.start(); i < header.end(); i++) {
                    if (body.charAt(i) != '\n') {
                        body.setCharAt(i, ' ');
                    }
                }
            }
            Matcher qm = QUALIFIED.matcher(body);
            while (qm.find()) {
                int line = 1 + (int) body.substring(0, qm.start()).chars().filter(ch -> ch == '\n').count();
                add(from, packageOf(qm.group()), name + ":" + line + " " + qm.group());
            }
        }

        /** The segments of a qualified name before the first capitalised one. */
        static String packageOf(String qualified) {
            List<String> p = new ArrayList<>();
            for (String s : qualified.split("\\.")) {
                if (Character.isUpperCase(s.charAt(0))) {
                    break;
                }
                p.add(s);
            }
            return String.join(".", p);
        }

        /**
         * {@code source} with comments, string, character and text-block literals replaced by spaces
         * (newlines kept, so line numbers stay right).
         */
        static String blankCommentsAndLiterals(String source) {
            StringBuilder out = new StringBuilder(source);
            int n = source.length();
            int i = 0;
            while (i < n) {
                int end;
                if (source.startsWith("//", i)) {
                    end = source.indexOf('\n', i);
                    end = end < 0 ? n : end;
                } else if (source.startsWith("/*", i)) {
                    end = source.indexOf("*/", i + 2);
                    end = end < 0 ? n : end + 2;
                } else if (source.startsWith("\"\"\"", i)) {
                    end = source.indexOf("\"\"\"", i + 3);
                    end = end < 0 ? n : end + 3;
                } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                    char quote = source.charAt(i);
                    end = i + 1;
                    while (end < n && source.charAt(end) != quote) {
                        end += source.charAt(end) == '\\' ? 2 : 1;
                    }
                    end = Math.min(n, end + 1);
                } else {
                    i++;
                    continue;
                }
                for (int k = i; k < end; k++) {
                    if (out.charAt(k) != '\n') {
                        out.setCharAt(k, ' ');
                    }
                }
                i = end;
            }
            return out.toString();
        }

        int files() {
            return files;
        }

        Set<String> packages() {
            return packages;
        }

        /** The packages each package uses (itself excluded). */
        Map<String, Set<String>> targets() {
            Map<String, Set<String>> out = new TreeMap<>();
            edges.forEach((from, tos) -> out.put(from, new TreeSet<>(tos.keySet())));
            return out;
        }

        /** Why {@code from} uses {@code to}: the imports and qualified names, in source order. */
        List<String> evidence(String from, String to) {
            return edges.getOrDefault(from, Map.of()).getOrDefault(to, List.of());
        }
    }
}
