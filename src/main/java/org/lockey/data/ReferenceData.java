package org.lockey.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import javax.sound.midi.Soundbank;

import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Resampler;
import org.lockey.audio.Wav;
import org.lockey.io.AtomicFiles;

/**
 * The bundled reference data (issue 7; issue 19): redistributable speech at
 * 22.05 kHz and music at 32 kHz, made on a plain machine and reproducible from this class.
 *
 * <ul>
 *   <li>{@code speech/}: the sentences of {@code tools/sentences.txt} (written for this project, CC0)
 *       spoken by espeak-ng with a seeded choice of voice, speed and pitch, resampled to 22.05 kHz when
 *       espeak-ng's rate differs, peak-normalised to 0.9.</li>
 *   <li>{@code music/}: {@link MusicGenerator} clips rendered by the JDK's MIDI synthesiser at 32 kHz with
 *       its default (machine-dependent) sound bank; kept for the models trained on it.</li>
 *   <li>{@code voices/}: {@link VoiceCorpus}, the multi-voice training corpus (espeak-ng and festival).</li>
 *   <li>{@code music-sf2/}: the same compositions as {@code music/}, rendered with one explicitly loaded
 *       SoundFont ({@link MusicGenerator#DEFAULT_SOUNDFONT}), reproducible across machines.</li>
 *   <li>Splits 0.8 / 0.1 / 0.1 by seeded shuffles, written to {@code splits.tsv}; a SHA-256
 *       {@code MANIFEST.tsv} lets anyone check a regeneration against the committed files.</li>
 * </ul>
 *
 * <p>Each set can be regenerated alone ({@link Spec#parts}): its lines of {@code splits.tsv} and
 * {@code MANIFEST.tsv} are replaced where they stand and every other line is kept as it is
 * ({@link #mergeSections}).
 */
public final class ReferenceData {
    /** Speech rate (HiFi-GAN). */
    public static final int SPEECH_RATE = 22050;
    /** Music rate (Encodec 32 kHz). */
    public static final int MUSIC_RATE = 32000;
    private static final String[] VOICES = {"en-us", "en-gb", "en-us+f2", "en-gb+m3", "en-us+m1", "en+f4",
            "en-gb-x-rp", "en-us+f3", "en-029", "en-gb-scotland"};

    /** The sets of reference-data/, in the order of their lines in splits.tsv and MANIFEST.tsv. */
    public enum Part {
        /** {@code speech/}: espeak-ng, 40 sentences. */
        SPEECH("speech"),
        /** {@code music/}: the JDK's default sound bank. */
        MUSIC("music"),
        /** {@code voices/}: the multi-voice corpus. */
        VOICES("voices"),
        /** {@code music-sf2/}: the same compositions with the SoundFont. */
        MUSIC_SF2("music-sf2");

        private final String dir;

        Part(String dir) {
            this.dir = dir;
        }

        /** The directory under reference-data/. */
        public String dir() {
            return dir;
        }

        /** The part named by its directory ({@code "music-sf2"}). */
        public static Part of(String dir) {
            for (Part p : values()) {
                if (p.dir.equals(dir.strip())) {
                    return p;
                }
            }
            throw new LockeyException("unknown part '" + dir + "' (choose from speech, music, voices, music-sf2)");
        }
    }

    /**
     * What to make.
     *
     * @param out          the reference-data directory
     * @param tools        the directory of the sentence files ({@code sentences.txt},
     *                     {@code sentences-voices.txt})
     * @param parts        the sets to regenerate (the others, and their lines of splits.tsv and MANIFEST.tsv,
     *                     are left alone)
     * @param musicClips   number of music clips (music/ and music-sf2/)
     * @param musicSeconds length of each music clip
     * @param soundfont    the sound bank of music-sf2/
     * @param seed         seed of voices, music and splits
     */
    public record Spec(Path out, Path tools, Set<Part> parts, int musicClips, double musicSeconds, Path soundfont,
                       long seed) {
        public Spec {
            if (parts.isEmpty()) {
                throw new LockeyException("nothing to regenerate: name at least one part");
            }
            parts = Collections.unmodifiableSet(EnumSet.copyOf(parts));
        }
    }

    /** Lines of one set in splits.tsv and the files it puts in MANIFEST.tsv. */
    private record Section(List<String> splitLines, List<String> files) {
    }

    private ReferenceData() {
    }

    /**
     * Regenerates the parts of {@code spec}; {@code progress} receives one line per file. Missing programs,
     * voices or sound font stop it with one line naming the Debian package before any file is written.
     */
    public static void generate(Spec spec, Consumer<String> progress) {
        requireTools(spec, System.getenv("PATH"));
        Map<String, Section> sections = new LinkedHashMap<>();
        for (Part part : spec.parts()) {
            Section s = switch (part) {
                case SPEECH -> speechSection(spec, progress);
                case MUSIC -> musicSection(spec, Part.MUSIC, null, progress);
                case VOICES -> voicesSection(spec, progress);
                case MUSIC_SF2 -> {
                    Soundbank bank = MusicGenerator.loadSoundbank(spec.soundfont());
                    progress.accept("sound bank " + spec.soundfont() + " (SHA-256 " + sha256(spec.soundfont()) + ")");
                    yield musicSection(spec, Part.MUSIC_SF2, bank, progress);
                }
            };
            sections.put(part.dir(), s);
        }
        List<String> order = java.util.Arrays.stream(Part.values()).map(Part::dir).toList();
        Map<String, List<String>> splitLines = new LinkedHashMap<>();
        Map<String, List<String>> manifestLines = new LinkedHashMap<>();
        for (Map.Entry<String, Section> e : sections.entrySet()) {
            splitLines.put(e.getKey(), e.getValue().splitLines());
            List<String> m = new ArrayList<>();
            for (String f : e.getValue().files()) {
                m.add(sha256(spec.out().resolve(f)) + "\t" + f);
            }
            manifestLines.put(e.getKey(), m);
        }
        Path splits = spec.out().resolve("splits.tsv");
        Path manifest = spec.out().resolve("MANIFEST.tsv");
        AtomicFiles.writeString(splits, mergeSections(readIfExists(splits),
                "# file\tsplit (seeded 0.8/0.1/0.1 shuffle, seed " + spec.seed() + ")", splitLines, order, 0));
        AtomicFiles.writeString(manifest, mergeSections(readIfExists(manifest), "# sha256\tfile", manifestLines,
                order, 1));
        progress.accept("splits.tsv, MANIFEST.tsv");
    }

    /**
     * Stops with one line naming the Debian package when a program, voice or sound font that {@code spec}
     * needs is missing ({@code path}: the {@code PATH} to search).
     */
    static void requireTools(Spec spec, String path) {
        if (spec.parts().contains(Part.SPEECH)) {
            SpeechSynthesis.requireProgram(SpeechSynthesis.Engine.ESPEAK_NG, path, "to regenerate speech/");
        }
        if (spec.parts().contains(Part.VOICES)) {
            VoiceCorpus.requireSynthesisers(path);
        }
        if (spec.parts().contains(Part.MUSIC_SF2)) {
            MusicGenerator.loadSoundbank(spec.soundfont());
        }
    }

    private static Section speechSection(Spec spec, Consumer<String> progress) {
        List<String> speech = speech(spec, progress);
        return new Section(split(speech, spec.seed()), speech);
    }

    /**
     * music/ ({@code bank} null: Gervill's default bank) or music-sf2/ ({@code bank}): the compositions of
     * seeds {@code seed * 1000 + i}, and the split of the same shuffle (seed + 1), so a composition is in the
     * same split in both sets.
     */
    private static Section musicSection(Spec spec, Part part, Soundbank bank, Consumer<String> progress) {
        List<String> music = new ArrayList<>();
        for (int i = 0; i < spec.musicClips(); i++) {
            String name = String.format(Locale.ROOT, "%s/%03d.wav", part.dir(), i);
            long seed = spec.seed() * 1000 + i;
            float[] x = bank == null ? MusicGenerator.render(seed, spec.musicSeconds(), MUSIC_RATE)
                    : MusicGenerator.render(seed, spec.musicSeconds(), MUSIC_RATE, bank);
            Wav.writePcm16(spec.out().resolve(name), Audio.mono(x, MUSIC_RATE));
            music.add(name);
            progress.accept(name);
        }
        if (bank != null) {
            removeStale(spec.out(), part.dir(), music);
        }
        List<String> lines = new ArrayList<>();
        if (bank != null) {
            lines.add("# " + part.dir() + "/: the split of music/ for the same composition (seeded shuffle, seed "
                    + (spec.seed() + 1) + ")");
        }
        lines.addAll(split(music, spec.seed() + 1));
        return new Section(lines, music);
    }

    /** voices/: {@link VoiceCorpus} with seed + 2 (its voice draw, parameters and split seed all follow). */
    private static Section voicesSection(Spec spec, Consumer<String> progress) {
        List<String> sentences = VoiceCorpus.readSentences(spec.tools().resolve("sentences-voices.txt"));
        VoiceCorpus.Plan plan = VoiceCorpus.plan(sentences, spec.seed() + 2);
        List<String> lines = new ArrayList<>();
        lines.add("# " + VoiceCorpus.DIR + "/: 0.8/0.1/0.1 within each voice (stratified seeded shuffle, from seed "
                + (spec.seed() + 2) + ")");
        lines.addAll(VoiceCorpus.write(spec.out(), plan, progress));
        removeStale(spec.out(), VoiceCorpus.DIR, plan.files());
        List<String> files = new ArrayList<>(plan.files());
        files.add(VoiceCorpus.INDEX);
        return new Section(lines, files);
    }

    /** Deletes {@code .wav} files of {@code dir} that the regeneration did not write (a smaller set). */
    private static void removeStale(Path out, String dir, List<String> written) {
        Set<String> keep = new java.util.HashSet<>(written);
        try (java.util.stream.Stream<Path> s = Files.list(out.resolve(dir))) {
            for (Path p : s.toList()) {
                String name = dir + "/" + p.getFileName();
                if (name.endsWith(".wav") && !keep.contains(name)) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new LockeyException(out.resolve(dir) + ": cannot tidy (" + e.getMessage() + ")");
        }
    }

    private static List<String> speech(Spec spec, Consumer<String> progress) {
        Path sentences = spec.tools().resolve("sentences.txt");
        List<String> lines;
        try {
            lines = Files.readAllLines(sentences, StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new LockeyException(sentences + ": cannot read (" + e.getMessage() + ")");
        }
        SplittableRandom rng = new SplittableRandom(spec.seed());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String voice = VOICES[rng.nextInt(VOICES.length)];
            int speed = 145 + rng.nextInt(35);
            int pitch = 35 + rng.nextInt(35);
            String name = String.format(Locale.ROOT, "speech/%03d.wav", i);
            Audio a = SpeechSynthesis.espeak(lines.get(i), voice, speed, pitch);
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

    /**
     * A table file ({@code splits.tsv} or {@code MANIFEST.tsv}) with the sections of {@code fresh} replaced.
     * A line belongs to a set when its file column ({@code fileColumn}, tab-separated) starts with
     * {@code DIR/}, or when it is a comment starting with {@code # DIR/}. Lines of the sets in {@code fresh}
     * are replaced, at the place of the first such line, by the new lines; every other line is kept as it
     * stands; sets that had no line are appended in {@code order}. With no existing file the result is
     * {@code header} and the sets of {@code fresh} in {@code order}.
     *
     * @param existing   the current text, or null
     * @param fresh      new lines per set directory
     * @param order      every set directory, in file order
     * @return the new text, each line ending in a newline
     */
    static String mergeSections(String existing, String header, Map<String, List<String>> fresh, List<String> order,
                                int fileColumn) {
        List<String> out = new ArrayList<>();
        Set<String> emitted = new java.util.HashSet<>();
        if (existing == null) {
            out.add(header);
        } else {
            for (String line : existing.split("\n", -1)) {
                if (line.isEmpty()) {
                    continue;
                }
                String set = setOf(line, order, fileColumn);
                if (set != null && fresh.containsKey(set)) {
                    if (emitted.add(set)) {
                        out.addAll(fresh.get(set));
                    }
                    continue;
                }
                out.add(line);
            }
        }
        for (String set : order) {
            if (fresh.containsKey(set) && emitted.add(set)) {
                out.addAll(fresh.get(set));
            }
        }
        for (String set : fresh.keySet()) {
            if (!order.contains(set)) {
                throw new IllegalArgumentException("set " + set + " is not in the order " + order);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String l : out) {
            sb.append(l).append('\n');
        }
        return sb.toString();
    }

    private static String setOf(String line, List<String> sets, int fileColumn) {
        if (line.startsWith("#")) {
            for (String s : sets) {
                if (line.startsWith("# " + s + "/")) {
                    return s;
                }
            }
            return null;
        }
        String[] cols = line.split("\t");
        if (cols.length <= fileColumn) {
            return null;
        }
        int slash = cols[fileColumn].indexOf('/');
        return slash < 0 ? null : cols[fileColumn].substring(0, slash);
    }

    private static String readIfExists(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            throw new LockeyException(p + ": cannot read (" + e.getMessage() + ")");
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

    /** The seeded 0.8 / 0.1 / 0.1 split of {@code files}: {@code file<TAB>split} lines, test first. */
    private static List<String> split(List<String> files, long seed) {
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
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String s = i < test ? "test" : i < test + valid ? "valid" : "train";
            out.add(shuffled.get(i) + "\t" + s);
        }
        return out;
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
}
