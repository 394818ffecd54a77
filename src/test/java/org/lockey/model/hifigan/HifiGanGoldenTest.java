package org.lockey.model.hifigan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lockey.golden.Comparison;
import org.lockey.golden.GoldenCase;
import org.lockey.golden.GoldenVerifier;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every {@code golden/*.io.safetensors} case of component {@code hifigan.generator} (outputs of the
 * upstream PyTorch generator, see golden/README.md) must pass the tolerance rule; so must the
 * injection hook on the LOCKEY keyed case. Cases added to {@code golden/} later are picked up by
 * their metadata.
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

    /**
     * The injection hook against the LOCKEY golden case: its stored {@code key_vector} added after
     * {@code ups.0} must reproduce its {@code audio} (the key encoder itself is a later component).
     */
    @Test
    void hookAfterUps0ReproducesTheKeyedGolden() {
        GoldenCase c = GoldenCase.load(GOLDEN.resolve("lockey_keyed_hifigan.io.safetensors"));
        HifiGanConfig config = HifiGanConfig.fromJson(c.config());
        assertEquals("ups.0", c.config().get("injection_point").asText());
        SameDiff sd = SameDiff.create();
        Scope root = Scope.loaded(sd, c.weightTensors(), c.weights().path().toString());
        SDVariable mel = sd.placeHolder("mel", DataType.FLOAT, 1, 80, -1);
        INDArray key = c.tensor("key_vector").toNd(DataType.FLOAT);                   // [1, C]
        SDVariable audio = new Generator(config).build(root, mel, c.config().get("injection_index").asInt(),
                x -> x.add(sd.constant("key_vector", key.reshape(key.size(0), key.size(1), 1))));  // [B, C, T] + [B, C, 1]
        root.build().checkLoaded("conv_pre.", "ups.", "resblocks.", "conv_post.");
        INDArray out = audio.eval(Map.of("mel", c.tensor("mel").toNd(DataType.FLOAT)));
        Tensor ref = c.tensor("audio");
        Comparison cmp = Comparison.of("audio", out, ref.toDoubleArray(), ref.shape(), c.tolerance());
        String msg = String.format("%s via hook: max-abs %.3e, rmse %.3e, bound %.3e %s", c.name(), cmp.maxError(),
                cmp.rmse(), cmp.bound(), cmp.note());
        System.out.println(msg);
        assertTrue(cmp.passed(), msg);
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
