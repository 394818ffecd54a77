package org.lockey.distortion;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.lockey.LockeyException;

/**
 * An {@code ffmpeg} program, for the real encoders of the codec distortions: the system's
 * ({@link #system()}: libmp3lame, libvorbis, aac, libopus; Debian/Ubuntu {@code apt-get install
 * ffmpeg}) or the one bundled with the Maven artifact {@code org.bytedeco:ffmpeg}
 * ({@link #bundled()}: FFmpeg 5.0 with libmp3lame, its own vorbis and aac encoders, libopus).
 *
 * <p>The system's is found as {@code $LOCKEY_FFMPEG} when set, else as {@code ffmpeg} on the
 * {@code PATH}. The bundled one is extracted by JavaCPP into {@code ~/.javacpp/cache} the first time
 * it is needed (not when the distortions are merely listed). {@link #problem(String)} says why an
 * ffmpeg cannot be used (not found, not runnable, an encoder missing), so that callers can print a
 * clear notice and go on without the codec columns. Runs are
 * {@code ffmpeg -nostdin -hide_banner -loglevel error -y ...} with stdout and stderr captured in a
 * file (no pipe can fill up) and a time limit of {@value #TIMEOUT_SECONDS} s.
 */
public final class Ffmpeg {
    /** Environment variable naming the ffmpeg executable to use instead of {@code ffmpeg} on the PATH. */
    public static final String ENV = "LOCKEY_FFMPEG";
    /** Longest a single ffmpeg run may take. */
    public static final long TIMEOUT_SECONDS = 120;

    /** The Maven artifact whose ffmpeg {@link #bundled()} runs. */
    public static final String BUNDLED_ARTIFACT = "org.bytedeco:ffmpeg";

    private static final Ffmpeg SYSTEM = new Ffmpeg(locate());
    private static final Ffmpeg BUNDLED = bundled(Path.of(System.getProperty("java.io.tmpdir")));

    /** Which ffmpeg an instance runs. */
    private enum Origin {
        /** A given executable (the system's, or one a test names). */
        GIVEN,
        /** The one of {@value #BUNDLED_ARTIFACT}, resolved on first use by {@link Bundled}. */
        BUNDLED
    }

    private final Origin origin;
    /** The given executable; null for the bundled one. */
    private final Path executable;
    private final Path tempDir;
    private final ConcurrentHashMap<String, Optional<String>> encoderProblems = new ConcurrentHashMap<>();

    /** An ffmpeg at a given path (tests point this at a missing file to exercise the notices). */
    public Ffmpeg(Path executable) {
        this(executable, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** An ffmpeg at a given path whose temporary files go under {@code tempDir}. */
    public Ffmpeg(Path executable, Path tempDir) {
        this(Origin.GIVEN, java.util.Objects.requireNonNull(executable, "executable"), tempDir);
    }

    private Ffmpeg(Origin origin, Path executable, Path tempDir) {
        this.origin = origin;
        this.executable = executable;
        this.tempDir = tempDir;
    }

    /** Where temporary files (codec round trips, ffmpeg's output) are created and deleted again. */
    public Path tempDir() {
        return tempDir;
    }

    /** The ffmpeg of this machine ({@value #ENV} or the PATH). */
    public static Ffmpeg system() {
        return SYSTEM;
    }

    /** The ffmpeg bundled with {@value #BUNDLED_ARTIFACT} (extracted on first use). */
    public static Ffmpeg bundled() {
        return BUNDLED;
    }

    /** The bundled ffmpeg with its temporary files under {@code tempDir}. */
    public static Ffmpeg bundled(Path tempDir) {
        return new Ffmpeg(Origin.BUNDLED, null, tempDir);
    }

    /** True for the ffmpeg of {@value #BUNDLED_ARTIFACT}, false for a system or given executable. */
    public boolean isBundled() {
        return origin == Origin.BUNDLED;
    }

    /** The executable path (may not exist; for the bundled ffmpeg this extracts it). */
    public Path executable() {
        return isBundled() ? Bundled.EXECUTABLE : executable;
    }

    /** Says which ffmpeg this is, for notes under the tables, e.g. {@code system ffmpeg /usr/bin/ffmpeg}. */
    public String describe() {
        return isBundled() ? "ffmpeg " + Bundled.VERSION + " bundled with " + BUNDLED_ARTIFACT
                : "system ffmpeg " + executable;
    }

    /**
     * JavaCPP extracts the bundled executable and its libraries on the first access of this class
     * (lazy holder: thread-safe, once per JVM).
     */
    private static final class Bundled {
        static final String VERSION = String.valueOf(org.bytedeco.ffmpeg.ffmpeg.class.getPackage()
                .getImplementationVersion());
        /** Why extraction failed, or null. */
        static final String FAILURE;
        static final Path EXECUTABLE;

        static {
            Path exe = Path.of("ffmpeg-of-" + BUNDLED_ARTIFACT.replace(':', '-'));
            String failure = null;
            try {
                String p = org.bytedeco.javacpp.Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
                if (p == null) {
                    failure = "JavaCPP found no executable in it";
                } else {
                    exe = Path.of(p);
                }
            } catch (RuntimeException | LinkageError e) {
                failure = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            FAILURE = failure;
            EXECUTABLE = exe;
        }
    }

    private static Path locate() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, "ffmpeg");
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return Path.of("ffmpeg");
    }

    /** Why ffmpeg with {@code encoder} cannot be used, or empty when it can. Cached per encoder. */
    public Optional<String> problem(String encoder) {
        return encoderProblems.computeIfAbsent(encoder, this::probe);
    }

    private Optional<String> probe(String encoder) {
        if (isBundled() && Bundled.FAILURE != null) {
            return Optional.of("the ffmpeg of " + BUNDLED_ARTIFACT + " cannot be extracted (" + Bundled.FAILURE
                    + "; is its linux-x86_64 jar on the class path?)");
        }
        Path executable = executable();
        if (!Files.isExecutable(executable)) {
            return Optional.of("ffmpeg not found (" + (executable.getNameCount() > 1 ? executable
                    : "not on the PATH") + "; install it, e.g. 'apt-get install ffmpeg', or set " + ENV + ")");
        }
        String encoders;
        try {
            encoders = run(List.of("-encoders"));
        } catch (LockeyException e) {
            return Optional.of("ffmpeg at " + executable + " does not run: " + e.getMessage());
        }
        for (String line : encoders.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 2 && cols[1].equals(encoder)) {
                return Optional.empty();
            }
        }
        return Optional.of("ffmpeg at " + executable + " has no " + encoder + " encoder" + (isBundled() ? ""
                : " (Debian's ffmpeg package has it)"));
    }

    /**
     * Runs ffmpeg with {@code args} after the common options; returns its output.
     *
     * @throws LockeyException when it cannot start, fails or times out (with its last output line)
     */
    public String run(List<String> args) {
        Path executable = executable();
        List<String> cmd = new ArrayList<>(List.of(executable.toString(), "-nostdin", "-hide_banner", "-loglevel",
                "error", "-y"));
        cmd.addAll(args);
        Path log = null;
        try {
            log = Files.createTempFile(tempDir, "lockey-ffmpeg", ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new LockeyException("ffmpeg did not finish within " + TIMEOUT_SECONDS + " s: " + String.join(" ", cmd));
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                String[] lines = out.strip().split("\n");
                throw new LockeyException("ffmpeg failed (exit " + p.exitValue() + "): " + lines[lines.length - 1].strip()
                        + " [" + String.join(" ", cmd) + "]");
            }
            return out;
        } catch (IOException e) {
            throw new LockeyException("cannot run " + executable + " (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockeyException("interrupted while running ffmpeg", e);
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException e) {
                    // a leftover log in the temp directory is harmless
                }
            }
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ffmpeg(%s)", isBundled() ? BUNDLED_ARTIFACT : executable);
    }
}
