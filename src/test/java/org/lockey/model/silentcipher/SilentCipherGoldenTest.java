package org.lockey.model.silentcipher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.lockey.golden.Comparison;
import org.lockey.golden.GoldenVerifier;

/**
 * The upstream golden cases of SilentCipher (golden/README.md, {@code silentcipher.embed} and
 * {@code silentcipher.decode}), run through the registered components and graded by the golden
 * tolerance rule; every tensor's max-abs error and RMSE is printed and named on failure.
 */
class SilentCipherGoldenTest {
    private static final Path GOLDEN = Path.of("golden");

    private static void check(String file, String component, int tensors) {
        GoldenVerifier.Result r = GoldenVerifier.verify(GOLDEN.resolve(file));
        String report = r.comparisons().stream()
                .map(c -> String.format("  %-18s max-abs %.3e  rmse %.3e  bound %.3e %s%s", c.tensor(), c.maxError(),
                        c.rmse(), c.bound(), c.passed() ? "ok" : "FAIL", c.note().isEmpty() ? "" : " (" + c.note() + ")"))
                .collect(Collectors.joining("\n"));
        System.out.println("[golden] " + r.caseName() + " " + r.status() + "\n" + report);
        assertEquals(component, r.component());
        assertEquals(GoldenVerifier.Status.PASS, r.status(), () -> r.caseName() + ": " + r.status() + " "
                + r.message() + "\n" + report);
        assertEquals(tensors, r.comparisons().size());
        assertTrue(r.comparisons().stream().allMatch(Comparison::passed));
    }

    @Test
    void embed16k() {
        check("silentcipher_16k_embed.io.safetensors", "silentcipher.embed", 8);
    }

    @Test
    void decode16k() {
        check("silentcipher_16k_decode.io.safetensors", "silentcipher.decode", 1);
    }
}
