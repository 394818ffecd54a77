package org.lockey.model.encodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lockey.golden.Comparison;
import org.lockey.golden.GoldenVerifier;
import org.lockey.io.SafeTensors;

/**
 * Every {@code golden/*.io.safetensors} case of an {@code encodec.*} component, graded by the golden
 * tolerance rule; the report names the case, its max-abs error and RMSE per output.
 */
class EncodecGoldenTest {
    static final Path GOLDEN = Path.of("golden");

    static List<Path> encodecCases() throws IOException {
        try (Stream<Path> s = Files.list(GOLDEN)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".io.safetensors"))
                    .filter(p -> SafeTensors.read(p).metadata().getOrDefault("component", "").startsWith("encodec."))
                    .sorted().toList();
        }
    }

    @Test
    void allSixVisibleCasesAreFound() throws IOException {
        assertTrue(encodecCases().size() >= 6, "encodec golden cases: " + encodecCases());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encodecCases")
    void caseMatchesUpstream(Path io) {
        GoldenVerifier.Result r = GoldenVerifier.verify(io);
        StringBuilder report = new StringBuilder(r.caseName()).append(" [").append(r.component()).append("]");
        for (Comparison c : r.comparisons()) {
            report.append(String.format(" %s: max-abs %.3e rmse %.3e bound %.3e%s", c.tensor(), c.maxError(), c.rmse(),
                    c.bound(), c.note().isEmpty() ? "" : " (" + c.note() + ")"));
        }
        if (!r.message().isEmpty()) {
            report.append(' ').append(r.message());
        }
        System.out.println("golden " + report);
        assertEquals(GoldenVerifier.Status.PASS, r.status(), report.toString());
    }
}
