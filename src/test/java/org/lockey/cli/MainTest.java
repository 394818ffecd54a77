package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;

/** Exit codes, one-line errors and --help of the command line. */
class MainTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void everyCommandAnswersHelp() {
        for (Command c : Commands.all()) {
            String[] words = (c.name() + " --help").split(" ");
            Run r = run(words);
            assertEquals(0, r.code(), c.name());
            assertTrue(r.out().contains("./lockey " + c.name()), c.name() + ": " + r.out());
        }
        Run tour = run("--help");
        assertEquals(0, tour.code());
        for (Command c : Commands.all()) {
            assertTrue(tour.out().contains(c.name()), "tour lists " + c.name());
        }
    }

    @Test
    void unknownCommandIsAUsageError() {
        Run r = run("frobnicate");
        assertEquals(Command.USAGE, r.code());
        assertTrue(r.err().contains("unknown command 'frobnicate'"), r.err());
    }

    @Test
    void badInputIsOneLineNamingTheFileWithoutAStackTrace() throws Exception {
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {1, 2, 3});
        Run r = run("inspect", bad.toString());
        assertEquals(Command.USAGE, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(bad.toString()), r.err());
        assertFalse(r.err().contains("at org."), "no stack trace: " + r.err());
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run r = run("inspect", "--bogus");
        assertEquals(Command.USAGE, r.code());
        assertTrue(r.err().contains("--bogus"), r.err());
    }

    @Test
    void inspectListsTensors() {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, List.of(Tensor.ofFloats("conv_pre.weight_v", new float[6], 1, 2, 3)), Map.of("k", "v"));
        Run r = run("inspect", f.toString());
        assertEquals(0, r.code());
        assertTrue(r.out().contains("conv_pre.weight_v") && r.out().contains("[1, 2, 3]"), r.out());
    }

    @Test
    void goldenVerifyFailsOnAMissingPathAndListsCases() {
        assertEquals(Command.USAGE, run("golden", "verify", dir.resolve("none").toString()).code());
        Run r = run("golden", "verify", "--allow-missing", "golden/hifigan_logmel.io.safetensors");
        assertTrue(r.out().contains("hifigan_logmel"), r.out());
        assertTrue(r.out().contains("1 passed") || r.out().contains("1 not implemented"), r.out());
    }
}
