package org.lockey.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Resampler;
import org.lockey.audio.Wav;
import org.lockey.io.AtomicFiles;

/**
 * The bundled reference data (issue 7, decisions.md "Data"): redistributable speech at 22.05 kHz
 * and music at 32 kHz, made on a plain machine and reproducible from this class.
 *
 * <ul>
 *   <li>Speech: the sentences of {@code reference-data/tools/sentences.txt} (written for this
 *       project, CC0) spoken by espeak-ng with a seeded choice of voice, speed and pitch, resampled
 *       to 22.05 kHz when espeak-ng's rate differs, peak-normalised to 0.9.</li>
 *   <li>Music: {@link MusicGenerator} clips rendered by the JDK's MIDI synthesiser at 32 kHz.</li>
 *   <li>Splits 0.8 / 0.1 / 0.1 by a seeded shuffle, written to {@code splits.tsv}; a SHA-256
 *       {@code MANIFEST.tsv} lets anyone check a regeneration against the committed files.</li>
 * </ul>
 */
public final class ReferenceData {
    /** Speech rate (HiFi-GAN). */
    public static final int SPEECH_RATE = 22050;
    /** Music rate (Encodec 32 kHz). */
    public static final int MUSIC_RATE = 32000;
    private static final String[] VOICES = {"en-us", "en-gb", "en-us+f2", "en-gb+m3", "en-us+m1", "en+f4",
            "en-gb-x-rp", "en-us+f3", "en-029", "en-gb-scotland"};

    /**
     * What to make.
     *
     * @param out          the reference-data directory
     * @param sentences    the sentence file (one per line)
     * @param musicClips   number of music clips
     * @param musicSeconds length of each music clip
     * @param seed         seed of voices, music and splits
     */
    public record Spec(Path out, Path sentences, int musicClips, double musicSeconds, long seed) {
    }

    private ReferenceData() {
    }

    /** Regenerates everything; {@code progress} receives one line per file. */
    public static void generate(Spec spec, Consumer<String> progress) {
        List<String> speech = speech(spec, progress);
        List<String> music = new ArrayList<>();
        for (int i = 0; i < spec.musicClips(); i++) {
            String name = String.format(Locale.ROOT, "music/%03d.wav", i);
            float[] x = MusicGenerator.render(spec.seed() * 1000 + i, spec.musicSeconds(), MUSIC_RATE);
            Wav.writePcm16(spec.out().resolve(name), Audio.mono(x, MUSIC_RATE));
            music.add(name);
            progress.accept(name);
        }
        StringBuilder splits = new StringBuilder("# file\tsplit (seeded 0.8/0.1/0.1 shuffle, seed " + spec.seed() + ")\n");
        split(speech, spec.seed(), splits);
        split(music, spec.seed() + 1, splits);
        AtomicFiles.writeString(spec.out().resolve("splits.tsv"), splits.toString());
        writeManifest(spec.out(), concat(speech, music));
        progress.accept("splits.tsv, MANIFEST.tsv");
    }

    private static List<String> speech(Spec spec, Consumer<String> progress) {
        List<String> lines;
        try {
            lines = Files.readAllLines(spec.sentences(), StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new LockeyException(spec.sentences() + ": cannot read (" + e.getMessage() + ")");
        }
        SplittableRandom rng = new SplittableRandom(spec.seed());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String voice = VOICES[rng.nextInt(VOICES.length)];
            int speed = 145 + rng.nextInt(35);
            int pitch = 35 + rng.nextInt(35);
            String name = String.format(Locale.ROOT, "speech/%03d.wav", i);
            Audio a = espeak(lines.get(i), voice, speed, pitch);
            float[] x = a.mono();
            if (a.sampleRate() != SPEECH_RATE) {
                x = Resampler.resample(x, a.sampleRate(), SPEECH_RATE);
            }
            Wav.writePcm16(spec.out().resolve(name), Audio.mono(peakNormalise(x, 0.9f), SPEECH_RATE));
            names.add(name);
            progress.accept(name + "  (" + voice + ", speed " + speed + ", pitch " + pitch + ")");
        }
        return names;
    }

    private static Audio espeak(String text, String voice, int speed, int pitch) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("lockey-espeak", ".wav");
            Process p = new ProcessBuilder("espeak-ng", "-v", voice, "-s", String.valueOf(speed), "-p",
                    String.valueOf(pitch), "-w", tmp.toString(), text).redirectErrorStream(true).start();
            try (InputStream in = p.getInputStream()) {
                in.readAllBytes();
            }
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new LockeyException("espeak-ng failed for voice " + voice);
            }
            return Wav.read(tmp);
        } catch (IOException e) {
            throw new LockeyException("espeak-ng not found: install it (apt-get install espeak-ng) to regenerate "
                    + "the speech");
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

    static float[] peakNormalise(float[] x, float peak) {
        float m = 1e-9f;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * peak / m;
        }
        return y;
    }

    private static void split(List<String> files, long seed, StringBuilder out) {
        List<String> shuffled = new ArrayList<>(files);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            String t = shuffled.get(i);
            shuffled.set(i, shuffled.get(j));
            shuffled.set(j, t);
        }
        int n = shuffled.size();
        int test = Math.max(1, Math.round(n * 0.1f));
        int valid = Math.max(1, Math.round(n * 0.1f));
        for (int i = 0; i < n; i++) {
            String s = i < test ? "test" : i < test + valid ? "valid" : "train";
            out.append(shuffled.get(i)).append('\t').append(s).append('\n');
        }
    }

    private static void writeManifest(Path dir, List<String> files) {
        StringBuilder sb = new StringBuilder("# sha256\tfile\n");
        for (String f : files) {
            sb.append(sha256(dir.resolve(f))).append('\t').append(f).append('\n');
        }
        AtomicFiles.writeString(dir.resolve("MANIFEST.tsv"), sb.toString());
    }

    /** Hex SHA-256 of a file. */
    public static String sha256(Path p) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(Files.readAllBytes(p)));
        } catch (IOException e) {
            throw new LockeyException(p + ": cannot read (" + e.getMessage() + ")");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
