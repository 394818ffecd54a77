package org.lockey.model.hifigan;

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
 * Every {@code golden/*.io.safetensors} case of component {@code hifigan.generator} (outputs of the
 * upstream PyTorch generator, see golden/README.md) must pass the tolerance rule. Cases added to
 * {@code golden/} later are picked up by their metadata.
 */
class HifiGanGoldenTest {
    static final Path GOLDEN = Path.of("golden");

    static Stream<Path> generatorCases() throws IOException {
        try (Stream<Path> s = Files.list(GOLDEN)) {
            List<Path> all = s.filter(p -> p.getFileName().toString().endsWith(".io.safetensors")).sorted().toList();
            return all.stream()
                    .filter(p -> "hifigan.generator".equals(SafeTensors.read(p).metadata().get("component")));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generatorCases")
    void matchesUpstream(Path io) {
        GoldenVerifier.Result r = GoldenVerifier.verify(io);
        StringBuilder msg = new StringBuilder(r.line());
        for (Comparison c : r.comparisons()) {
            msg.append(String.format("%n  %s: max-abs %.3e, rmse %.3e, bound %.3e %s", c.tensor(), c.maxError(),
                    c.rmse(), c.bound(), c.note()));
        }
        System.out.println(msg);
        assertEquals(GoldenVerifier.Status.PASS, r.status(), msg::toString);
    }

    @Test
    void theThreePublishedCasesArePresent() throws IOException {
        List<String> names = generatorCases().map(p -> p.getFileName().toString()).toList();
        for (String c : List.of("hifigan_generator_resblock1", "hifigan_generator_resblock1_gain2",
                "hifigan_generator_resblock2")) {
            assertTrue(names.contains(c + ".io.safetensors"), () -> c + " missing from " + names);
        }
    }
}
