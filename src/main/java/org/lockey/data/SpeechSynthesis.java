package org.lockey.data;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Wav;

/**
 * The operating system's text-to-speech programs behind the reference speech, run as child processes:
 * espeak-ng (formant synthesis; Debian package {@code espeak-ng}) and festival's {@code text2wave}
 * (diphone and HTS voices; Debian packages {@code festival} and one package per voice). Each call writes
 * a temporary WAV file, reads it back at the program's own rate and deletes it.
 *
 * <p>Both programs are deterministic: the same text, voice and parameters give the same samples on every
 * run (reference-data/README.md lists the package versions the committed files were made with).
 */
public final class SpeechSynthesis {
    /** Debian package of espeak-ng. */
    public static final String ESPEAK_PACKAGE = "espeak-ng";
    /** Debian package of festival (which holds {@code text2wave}). */
    public static final String FESTIVAL_PACKAGE = "festival";
    private static final long TIMEOUT_SECONDS = 120;

    /** The two synthesisers. */
    public enum Engine {
        /** {@code espeak-ng -v NAME -s SPEED -p PITCH}. */
        ESPEAK_NG("espeak-ng"),
        /** {@code text2wave -eval (voice_NAME)}; speed and pitch are the voice's own. */
        FESTIVAL("text2wave");

        private final String program;

        Engine(String program) {
            this.program = program;
        }

        /** The executable looked up on {@code PATH}. */
        public String program() {
            return program;
        }
    }

    /**
     * One voice.
     *
     * @param id            the name used in {@code voices/index.tsv}, {@code engine:name}
     * @param engine        the synthesiser
     * @param name          espeak-ng's {@code -v} argument (voice+variant) or festival's voice name (without
     *                      {@code voice_})
     * @param debianPackage the Debian package that provides the voice
     */
    public record Voice(String id, Engine engine, String name, String debianPackage) {
        /** An espeak-ng voice (language plus optional {@code +variant}). */
        public static Voice espeak(String name) {
            return new Voice("espeak-ng:" + name, Engine.ESPEAK_NG, name, ESPEAK_PACKAGE);
        }

        /** A festival voice, {@code (voice_NAME)}, provided by {@code debianPackage}. */
        public static Voice festival(String name, String debianPackage) {
            return new Voice("festival:" + name, Engine.FESTIVAL, name, debianPackage);
        }
    }

    private SpeechSynthesis() {
    }

    /**
     * The first executable file called {@code program} in the directories of {@code path} (a {@code PATH}
     * value: directories separated by {@link File#pathSeparator}), or empty.
     */
    static Optional<Path> findOnPath(String program, String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Stops with one line naming the Debian package when {@code engine}'s program is not on {@code path}.
     *
     * @param purpose what the program is needed for, e.g. {@code "to regenerate voices/"}
     */
    static void requireProgram(Engine engine, String path, String purpose) {
        if (findOnPath(engine.program(), path).isEmpty()) {
            String pkg = engine == Engine.ESPEAK_NG ? ESPEAK_PACKAGE : FESTIVAL_PACKAGE;
            throw new LockeyException(engine.program() + " not found on PATH: install the Debian package " + pkg
                    + " (apt-get install " + pkg + ") " + purpose);
        }
    }

    /**
     * Speaks a short word with {@code voice} and stops with one line naming the voice's package when the
     * program cannot (festival prints {@code SIOD ERROR: unbound variable : voice_X} for a voice that is not
     * installed, and still exits with 0).
     */
    static void requireVoice(Voice voice, String purpose) {
        try {
            speak(voice, "Hello.", 160, 50);
        } catch (LockeyException e) {
            throw new LockeyException("voice " + voice.id() + " is not usable (" + e.getMessage()
                    + "): install the Debian package " + voice.debianPackage() + " (apt-get install "
                    + voice.debianPackage() + ") " + purpose);
        }
    }

    /**
     * Speaks {@code text} with {@code voice}: the program's own output, at its own rate (espeak-ng 22,050 Hz,
     * festival's diphone voices 16,000 Hz, its HTS voice 32,000 Hz).
     *
     * @param speed espeak-ng's words per minute ({@code -s}); ignored by festival
     * @param pitch espeak-ng's pitch, 0-99 ({@code -p}); ignored by festival
     */
    public static Audio speak(Voice voice, String text, int speed, int pitch) {
        return switch (voice.engine()) {
            case ESPEAK_NG -> espeak(text, voice.name(), speed, pitch);
            case FESTIVAL -> festival(text, voice.name());
        };
    }

    /** espeak-ng with voice (and variant) {@code voice}, {@code speed} words per minute and pitch 0-99. */
    public static Audio espeak(String text, String voice, int speed, int pitch) {
        return run(Engine.ESPEAK_NG, voice, out -> List.of("espeak-ng", "-v", voice, "-s", String.valueOf(speed),
                "-p", String.valueOf(pitch), "-w", out.toString(), text), null);
    }

    /** festival's {@code text2wave} with {@code (voice_NAME)}; the text goes in on standard input. */
    public static Audio festival(String text, String voice) {
        return run(Engine.FESTIVAL, voice, out -> List.of("text2wave", "-eval", "(voice_" + voice + ")", "-o",
                out.toString()), text.getBytes(StandardCharsets.UTF_8));
    }

    private interface CommandLine {
        List<String> of(Path outputWav);
    }

    private static Audio run(Engine engine, String voice, CommandLine command, byte[] stdin) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("lockey-" + engine.program(), ".wav");
            // text2wave writes a new file; an empty one left in place would hide a failure.
            Files.delete(tmp);
            Process p;
            try {
                p = new ProcessBuilder(command.of(tmp)).redirectErrorStream(true).start();
            } catch (IOException e) {
                String pkg = engine == Engine.ESPEAK_NG ? ESPEAK_PACKAGE : FESTIVAL_PACKAGE;
                throw new LockeyException(engine.program() + " not found: install the Debian package " + pkg
                        + " (apt-get install " + pkg + ")");
            }
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            String said;
            try (InputStream out = p.getInputStream()) {
                said = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new LockeyException(engine.program() + " did not finish within " + TIMEOUT_SECONDS
                        + " s for voice " + voice);
            }
            if (p.exitValue() != 0 || said.contains("SIOD ERROR") || !Files.exists(tmp) || Files.size(tmp) <= 44) {
                throw new LockeyException(engine.program() + " failed for voice " + voice
                        + (said.isEmpty() ? "" : ": " + said.lines().findFirst().orElse("")));
            }
            return Wav.read(tmp);
        } catch (IOException e) {
            throw new LockeyException(engine.program() + ": cannot exchange audio through a temporary file ("
                    + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockeyException("interrupted");
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }
}
