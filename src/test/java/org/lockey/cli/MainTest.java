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

/**
 * Exit codes, one-line errors and --help of the command line; {@link #run} is how every test runs a command in this
 * JVM with its output captured.
 */
public class MainTest {
    @TempDir
    Path dir;

    /** An exit code with what the command printed. */
    public record Run(int code, String out, String err) {
    }

    /** {@code ./lockey ARGS} in this JVM, its standard output and error captured. */
    public static Run run(String... args) {
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

    /**
     * One scheme: a command of several words is AREA ACTION; the renamed commands still answer to their former names,
     * with a note naming the new one, and their errors name the command as typed; every command is in one section of
     * the tour.
     */
    @Test
    void oneSchemeFormerNamesStillWorkAndTheTourHasSections() {
        java.util.Map<String, String> renamed = java.util.Map.of("finetune", "train lockey", "eval keysize",
                "eval key-size", "watermark eval", "eval watermark");
        renamed.forEach((former, now) -> {
            Run r = run((former + " --help").split(" "));
            assertEquals(0, r.code(), former);
            assertTrue(r.out().contains("./lockey " + now + " [options]"), former + ": " + r.out());
            assertTrue(r.err().contains("note: '" + former + "' is now '" + now + "'"), former + ": " + r.err());
        });
        Run typo = run("finetune", "--no-such-option");
        assertEquals(Command.USAGE, typo.code());
        assertTrue(typo.err().contains("lockey finetune: Unrecognized option"), typo.err());
        java.util.Set<String> areas = new java.util.HashSet<>();
        int listed = 0;
        for (Commands.Section section : Commands.sections()) {
            listed += section.commands().size();
        }
        assertEquals(Commands.all().size(), listed, "every command in exactly one section");
        for (Command c : Commands.all()) {
            String[] words = c.name().split(" ");
            assertTrue(words.length <= 2, "AREA ACTION at most: " + c.name());
            areas.add(words[0]);
            assertTrue(Commands.match(java.util.List.of(words)).command() == c, "matched by its name: " + c.name());
        }
        for (String verbAsArea : new String[] {"finetune", "watermark eval"}) {
            assertTrue(Commands.all().stream().noneMatch(c -> c.name().equals(verbAsArea)), verbAsArea + " renamed");
        }
        Run tour = run("--help");
        assertTrue(tour.out().contains("Train:\n  train vocoder"), tour.out());
    }

    /**
     * Every command class of the cli package is registered (a command written but left out of {@link Commands} would
     * otherwise pass every test that walks the registry): the classes that implement Command, read from the sources,
     * against the registry's classes.
     */
    @Test
    void everyCommandClassIsRegistered() throws Exception {
        java.util.regex.Pattern decl = java.util.regex.Pattern.compile(
                "(?:static\\s+)?final\\s+class\\s+(\\w+)\\s+implements\\s+Command\\b");
        java.util.Set<String> written = new java.util.TreeSet<>();
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(
                java.nio.file.Path.of("src/main/java/org/lockey/cli"))) {
            for (java.nio.file.Path f : files.toList()) {
                String file = f.getFileName().toString().replace(".java", "");
                java.util.regex.Matcher m = decl.matcher(java.nio.file.Files.readString(f));
                while (m.find()) {
                    written.add(m.group(1).equals(file) ? file : file + "$" + m.group(1));   // nested: Outer$Inner
                }
            }
        }
        java.util.Set<String> registered = new java.util.TreeSet<>();
        for (Command c : Commands.all()) {
            registered.add(c.getClass().getName().substring("org.lockey.cli.".length()));
        }
        assertTrue(written.size() >= 30, "command classes found in the sources: " + written);
        assertEquals(written, registered);
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
