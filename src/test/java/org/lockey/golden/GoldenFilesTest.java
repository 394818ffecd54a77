package org.lockey.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the golden verifier over every file in {@code golden/}: each case of an implemented
 * component must pass; cases of components that are not implemented yet are skipped (and listed).
 * {@link #REQUIRED} lists the components whose issue is resolved: they must be implemented.
 */
class GoldenFilesTest {
    /** Components that must exist (their issues are resolved). */
    static final Set<String> REQUIRED = Set.of("hifigan.mel", "lockey.key_encoder", "lockey.verifier", "lockey.losses", "lockey.keyed_hifigan", "hifigan.generator", "silentcipher.embed", "silentcipher.decode", "encodec.seanet_decoder", "encodec.seanet_encoder", "encodec.rvq_decode", "encodec.rvq_encode");

    static final Path GOLDEN = Path.of("golden");

    @TestFactory
    Stream<DynamicTest> everyGoldenCase() {
        List<Path> files = GoldenVerifier.expand(List.of(GOLDEN));
        assertTrue(files.size() >= 17, "golden/ holds the shared golden files");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            GoldenVerifier.Result r = GoldenVerifier.verify(f);
            Assumptions.assumeFalse(r.status() == GoldenVerifier.Status.NOT_IMPLEMENTED,
                    r.component() + " not implemented yet");
            StringBuilder detail = new StringBuilder(r.line());
            for (Comparison c : r.comparisons()) {
                detail.append(String.format("%n  %s max-abs %.3e rmse %.3e bound %.3e %s", c.tensor(), c.maxError(),
                        c.rmse(), c.bound(), c.note()));
            }
            assertEquals(GoldenVerifier.Status.PASS, r.status(), detail.toString());
        }));
    }

    @Test
    void requiredComponentsAreImplemented() {
        for (String id : REQUIRED) {
            assertTrue(Components.find(id).isPresent(), id + " must be implemented");
        }
    }
}
