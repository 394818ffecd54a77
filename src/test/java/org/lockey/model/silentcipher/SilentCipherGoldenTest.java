package org.lockey.model.silentcipher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.golden.Comparison;
import org.lockey.golden.GoldenCase;
import org.lockey.golden.GoldenVerifier;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;

/**
 * The upstream golden cases of SilentCipher (golden/README.md, {@code silentcipher.embed} and
 * {@code silentcipher.decode}), run through the registered components and graded by the golden
 * tolerance rule; every tensor's max-abs error and RMSE is printed and named on failure.
 */
class SilentCipherGoldenTest {
    private static final Path GOLDEN = Path.of("golden");

    private static void check(String file, String component, int tensors) {
        check(GOLDEN.resolve(file), component, tensors);
    }

    private static void check(Path io, String component, int tensors) {
        GoldenVerifier.Result r = GoldenVerifier.verify(io);
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

    /**
     * A copy of a golden case beside a copy of its weights file without the message decoder ({@code dec_m_0.*}):
     * the released 44.1 kHz layout of {@code enc_c.ckpt} + {@code dec_c.ckpt} only.
     */
    private static Path withoutMessageDecoder(String ioFile, Path dir) throws Exception {
        Path io = Files.copy(GOLDEN.resolve(ioFile), dir.resolve(ioFile));
        String weightsFile = SafeTensors.read(io).metadata().get("weights");
        SafeTensors full = SafeTensors.read(GOLDEN.resolve(weightsFile));
        Map<String, Tensor> embedding = new TreeMap<>(full.tensors());
        embedding.keySet().removeIf(k -> k.startsWith(MsgDecoder.PREFIX + "."));
        SafeTensors.write(dir.resolve(weightsFile), embedding, full.metadata());
        Map<String, Tensor> written = SafeTensors.read(dir.resolve(weightsFile)).tensors();
        assertTrue(written.keySet().stream().noneMatch(k -> k.startsWith("dec_m")), "dec_m_* left in " + written.keySet());
        assertTrue(written.keySet().stream().anyMatch(k -> k.startsWith("enc_c.")), "no enc_c in the copy");
        assertTrue(written.keySet().stream().anyMatch(k -> k.startsWith("dec_c.")), "no dec_c in the copy");
        assertTrue(full.tensors().size() > written.size(), "the golden weights hold a message decoder to strip");
        return io;
    }

    @Test
    void embed16kPassesWithOnlyTheEmbeddingNetworks(@TempDir Path dir) throws Exception {
        // the same golden expected outputs, graded by the same rule, from weights holding enc_c + dec_c only
        check(withoutMessageDecoder("silentcipher_16k_embed.io.safetensors", dir), "silentcipher.embed", 8);
    }

    @Test
    void decode16kWithoutTheMessageDecoderIsOneLineNamingTheWeightsFile(@TempDir Path dir) throws Exception {
        Path io = withoutMessageDecoder("silentcipher_16k_decode.io.safetensors", dir);
        GoldenVerifier.Result r = GoldenVerifier.verify(io);
        assertEquals(GoldenVerifier.Status.ERROR, r.status(), r.line());
        String weightsFile = GoldenCase.load(io).meta("weights", "");
        assertTrue(r.message().contains(dir.resolve(weightsFile).toString()), r.message());
        assertTrue(r.message().contains("no message decoder (no dec_m_0.* weights"), r.message());
        assertEquals(1, r.message().lines().count(), r.message());
    }
}
