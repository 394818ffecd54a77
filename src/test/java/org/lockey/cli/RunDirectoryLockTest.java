package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.io.ExclusiveLock;

/**
 * One writer per run directory (issue 22), with real processes: a child JVM holds a run directory
 * ({@link HoldRunDirectoryMain}), and every training command started on it stops with one line
 * naming the directory and the child's pid (as the operating system reports it, {@link Process#pid}),
 * exit code 2 and no stack trace; once the child is killed ({@code kill -9}) the run is free again.
 * No training runs: the lock is taken before a command does anything, so the commands need no real inputs.
 */
class RunDirectoryLockTest {
    @TempDir
    Path dir;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A small JVM running {@code mainClass} with the test class path (the CLI's lock path loads no ND4J). */
    private Process start(Path stderr, String mainClass, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(java(), "-Xms8m", "-Xmx128m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        children.add(p);
        return p;
    }

    /** A child holding {@code run}, started and holding when this returns. */
    private Process holder(Path run) throws Exception {
        Path stderr = dir.resolve("holder-stderr.txt");
        Process p = start(stderr, HoldRunDirectoryMain.class.getName(), run.toString());
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("holding", out.readLine(), () -> "the holder did not start: " + read(stderr));
        return p;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Each training command with its required options; the placeholder inputs are never read. */
    private List<List<String>> trainingCommands(Path run) {
        String none = dir.resolve("never-read").toString();
        String out = run.toString();
        return List.of(
                List.of("train", "vocoder", "--data", none, "--out", out),
                List.of("train", "watermark", "--rate", "22050", "--data", none, "--out", out),
                List.of("train", "codec-decoder", "--data", none, "--out", out),
                List.of("train", "lockey", "--base", none, "--watermark", none, "--registry", none, "--data", none, "--out", out),
                List.of("train", "lockey", "--base", none, "--watermark", none, "--registry", none, "--data", none, "--out", out,
                        "--resume"));
    }

    /** The line the issue asks for, written out here rather than taken from the code. */
    private static String inUseLine(String command, Path run, long pid) {
        return "lockey " + command + ": " + run + " is in use by another run (pid " + pid
                + "); wait for it or use another --out";
    }

    @Test
    void everyTrainingCommandOnARunHeldByAnotherProcessStopsWithOneLineNamingItsPid() throws Exception {
        Path run = dir.resolve("run");
        Process holder = holder(run);
        long pid = holder.pid();
        for (List<String> args : trainingCommands(run)) {
            String name = args.get(0).equals("train") ? "train " + args.get(1) : args.get(0);
            MainTest.Run r = MainTest.run(args.toArray(new String[0]));
            assertEquals(Command.USAGE, r.code(), args + ": " + r.err());
            assertEquals(inUseLine(name, run, pid) + System.lineSeparator(), r.err(), args.toString());
            assertEquals("", r.out(), args.toString());
        }
        // The same from a process of its own: its exit code and its whole stderr.
        Path stderr = dir.resolve("second-stderr.txt");
        List<String> trainLockey = trainingCommands(run).get(3);
        Process second = start(stderr, Main.class.getName(), trainLockey.toArray(new String[0]));
        assertTrue(second.waitFor(120, TimeUnit.SECONDS), "the second process did not stop");
        assertEquals(Command.USAGE, second.exitValue(), read(stderr));
        assertEquals(inUseLine("train lockey", run, pid), read(stderr).strip(), "one line, no stack trace");
        assertTrue(holder.isAlive(), "the holder is left alone");
        try (var files = Files.list(run)) {
            assertEquals(List.of(".lock"), files.map(f -> f.getFileName().toString()).toList(),
                    "the refused commands wrote nothing into the run");
        }
    }

    @Test
    void anOutThatIsAFileIsOneLine() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "not a run");
        MainTest.Run r = MainTest.run(trainingCommands(file).get(0).toArray(new String[0]));
        assertEquals(Command.USAGE, r.code(), r.err());
        assertEquals("lockey train vocoder: " + file + ": cannot create the run directory (a file is in the way: " + file
                + ")", r.err().strip());
        assertEquals("not a run", Files.readString(file));
    }

    @Test
    void afterTheHolderIsKilledTheRunCanBeTakenAgainAndResumeGetsThrough() throws Exception {
        Path run = dir.resolve("run");
        Process holder = holder(run);
        long pid = holder.pid();
        List<String> resume = trainingCommands(run).get(4);
        MainTest.Run refused = MainTest.run(resume.toArray(new String[0]));
        assertEquals(inUseLine("train lockey", run, pid), refused.err().strip());
        assertEquals(Long.toString(pid), Files.readString(run.resolve(".lock")).strip(), "the lock file names its holder");

        holder.destroyForcibly();                                    // SIGKILL: no chance to release anything
        assertTrue(holder.waitFor(60, TimeUnit.SECONDS), "the holder did not die");

        // The operating system released the lock with the process: the command now gets past it to its own checks.
        MainTest.Run resumed = MainTest.run(resume.toArray(new String[0]));
        assertEquals(Command.USAGE, resumed.code(), resumed.err());
        assertEquals("lockey train lockey: " + run + ": --resume, but there is no checkpoint to continue from",
                resumed.err().strip());
        try (ExclusiveLock taken = RunDirectoryLock.hold(run)) {
            // Read after release: the holder must not open the lock file a second time (closing that would drop its lock).
            assertTrue(taken != null);
        }
        assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(run.resolve(".lock")).strip(),
                "the new holder's pid replaced the killed one's");
        assertFalse(holder.isAlive());
    }
}
