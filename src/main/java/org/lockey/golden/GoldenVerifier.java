package org.lockey.golden;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs golden cases through their components and grades every output with the tolerance rule.
 */
public final class GoldenVerifier {
    /** Outcome of one case. */
    public enum Status { PASS, FAIL, NOT_IMPLEMENTED, ERROR }

    /**
     * The result of one io file.
     *
     * @param path        the io file
     * @param caseName    the case
     * @param component   its component id
     * @param status      the outcome
     * @param comparisons one per output tensor (empty unless the component ran)
     * @param message     the error, when status is ERROR
     */
    public record Result(Path path, String caseName, String component, Status status, List<Comparison> comparisons,
            String message) {

        /** The worst comparison (largest error relative to its bound), if any. */
        public Optional<Comparison> worst() {
            return comparisons.stream().max((a, b) -> Double.compare(ratio(a), ratio(b)));
        }

        private static double ratio(Comparison c) {
            return c.passed() ? c.maxError() / c.bound() : Double.POSITIVE_INFINITY;
        }

        /** One line: case, component, max-abs error, bound, verdict. */
        public String line() {
            return switch (status) {
                case NOT_IMPLEMENTED -> String.format("%-40s %-24s %s", caseName, component,
                        "component not implemented yet");
                case ERROR -> String.format("%-40s %-24s ERROR %s", caseName, component, message);
                default -> {
                    Comparison w = worst().orElseThrow();
                    String detail = w.note().isEmpty() ? "" : " (" + w.tensor() + ": " + w.note() + ")";
                    yield String.format("%-40s %-24s max-abs %.3e  bound %.3e  %s%s", caseName, component,
                            w.maxError(), w.bound(), status, detail);
                }
            };
        }
    }

    private GoldenVerifier() {
    }

    /** Expands directories to their {@code *.io.safetensors} files (sorted); files are kept as given. */
    public static List<Path> expand(List<Path> args) {
        List<Path> out = new ArrayList<>();
        for (Path p : args) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().endsWith(".io.safetensors")).sorted().forEach(out::add);
                } catch (IOException e) {
                    throw new LockeyException(p + ": cannot list directory (" + e.getMessage() + ")");
                }
            } else if (Files.exists(p)) {
                out.add(p);
            } else {
                throw new LockeyException(p + ": no such file or directory");
            }
        }
        return out;
    }

    /** Verifies one io file. Errors inside a component become an ERROR result, not an exception. */
    public static Result verify(Path path) {
        GoldenCase c;
        try {
            c = GoldenCase.load(path);
        } catch (LockeyException e) {
            return new Result(path, path.getFileName().toString(), "?", Status.ERROR, List.of(), e.getMessage());
        }
        Optional<Component> impl = Components.find(c.component());
        if (impl.isEmpty()) {
            return new Result(path, c.name(), c.component(), Status.NOT_IMPLEMENTED, List.of(), "");
        }
        Map<String, INDArray> produced;
        try {
            produced = impl.get().run(c);
        } catch (LockeyException e) {
            return new Result(path, c.name(), c.component(), Status.ERROR, List.of(), e.getMessage());
        } catch (RuntimeException e) {
            return new Result(path, c.name(), c.component(), Status.ERROR, List.of(),
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        List<Comparison> comps = new ArrayList<>();
        boolean ok = true;
        for (String out : c.outputs()) {
            Tensor ref = c.tensor(out);
            Comparison cmp = Comparison.of(out, produced.get(out), ref.toDoubleArray(), ref.shape(), c.tolerance());
            comps.add(cmp);
            ok &= cmp.passed();
        }
        return new Result(path, c.name(), c.component(), ok ? Status.PASS : Status.FAIL, comps, "");
    }
}
