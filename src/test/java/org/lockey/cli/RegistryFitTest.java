package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * A registry that does not fit the keyed model (issue 17, part 5) is refused by every command that takes both, in one
 * line naming the registry file: the shipped keyed Encodec records the model id of its 655-key registry ("lockey"),
 * and the HiFi-GAN branch's registry belongs to another model ("lockey-hifigan-demo").
 */
class RegistryFitTest {
    private static final String MODEL = "reference-data/models/lockey-encodec";
    private static final String OTHER = "reference-data/models/registry-hifigan.json";
    private static final String LINE = "a registry of model 'lockey-hifigan-demo', but the model "
            + Path.of(MODEL) + " was fine-tuned for 'lockey'";

    private static void assertRefused(MainTest.Run r, String command) {
        assertEquals(Command.USAGE, r.code(), r.out() + r.err());
        assertEquals("lockey " + command + ": " + OTHER + ": " + LINE, r.err().strip());
    }

    @Test
    void traceRefusesAnotherModelsRegistry() {
        assertRefused(MainTest.run("trace", "--model", MODEL, "--registry", OTHER, "--in", "reference-data/music/000.wav"),
                "trace");
    }

    @Test
    void theEvaluationsRefuseAnotherModelsRegistry() {
        String[] common = {"--model", MODEL, "--base", "reference-data/models/encodec", "--registry", OTHER, "--data",
            "reference-data/music"};
        assertRefused(MainTest.run(concat(new String[] {"eval", "table2"}, common)), "eval table2");
        assertRefused(MainTest.run(concat(new String[] {"eval", "probe"}, common)), "eval probe");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
