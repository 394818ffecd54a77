package org.lockey.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Resampler;
import org.lockey.audio.Wav;
import org.lockey.data.SpeechSynthesis.Engine;
import org.lockey.data.SpeechSynthesis.Voice;

/**
 * The multi-voice speech corpus {@code reference-data/voices/} (issue 19): the sentences of
 * {@code tools/sentences-voices.txt}, each spoken once by one of {@link #VOICES} (three espeak-ng voices,
 * three festival voices), resampled to 22,050 Hz with {@link Resampler} and peak-normalised to 0.9 as
 * {@code speech/} is.
 *
 * <p>Everything is drawn from one seed, in this order: a {@link #assignVoices balanced voice assignment}
 * (every voice speaks {@code floor(n / V)} or {@code ceil(n / V)} sentences), espeak-ng's speed and pitch
 * for every sentence (drawn for festival's sentences too, and unused there, so that one voice's change
 * does not move the others' draws), and the seed of a {@link #stratifiedSplit stratified split}
 * (0.8 / 0.1 / 0.1 within each voice, so every voice is in {@code valid} and {@code test}).
 * {@code voices/index.tsv} names the voice, speed, pitch and text of every file.
 */
public final class VoiceCorpus {
    /** Directory of the corpus under reference-data/. */
    public static final String DIR = "voices";
    /** The per-file table written beside the clips. */
    public static final String INDEX = DIR + "/index.tsv";
    /** Peak after normalisation (as speech/). */
    static final float PEAK = 0.9f;
    /**
     * The voices, in a fixed order (a voice's number in {@link #assignVoices} is its index here). Two
     * synthesis methods per program family: espeak-ng's formant voices (a US male, a British female variant,
     * and the Klatt engine), festival's residual-excited LPC diphone voices kal and ked (US male, 16 kHz) and
     * its HTS statistical voice slt (US female, 32 kHz).
     */
    public static final List<Voice> VOICES = List.of(
            Voice.espeak("en-us+m3"),
            Voice.espeak("en-gb+f3"),
            Voice.espeak("en-us+klatt4"),
            Voice.festival("kal_diphone", "festvox-kallpc16k"),
            Voice.festival("ked_diphone", "festvox-kdlpc16k"),
            Voice.festival("cmu_us_slt_arctic_hts", "festvox-us-slt-hts"));

    /**
     * One file of the corpus.
     *
     * @param file  path under reference-data/, {@code voices/NNN.wav}
     * @param voice index into {@link #VOICES}
     * @param speed espeak-ng words per minute (unused by festival voices)
     * @param pitch espeak-ng pitch 0-99 (unused by festival voices)
     * @param text  the sentence
     */
    public record Clip(String file, int voice, int speed, int pitch, String text) {
        /** The voice. */
        public Voice spokenBy() {
            return VOICES.get(voice);
        }
    }

    /**
     * The corpus plan: every clip, and the seed of its split.
     *
     * @param clips     one per sentence, in sentence order
     * @param splitSeed the seed of {@link #stratifiedSplit}
     */
    public record Plan(List<Clip> clips, long splitSeed) {
        /** The voice of every clip, in order (the strata of the split). */
        public int[] voices() {
            return clips.stream().mapToInt(Clip::voice).toArray();
        }

        /** The file names, in order. */
        public List<String> files() {
            return clips.stream().map(Clip::file).toList();
        }
    }

    private VoiceCorpus() {
    }

    /**
     * A balanced, seeded assignment of {@code sentences} sentences to {@code voices} voices: a seeded
     * permutation of the voices is repeated to length {@code sentences} (so each voice gets
     * {@code floor(n / V)} sentences and the permutation's first {@code n mod V} voices one more), then
     * shuffled by a seeded Fisher-Yates shuffle.
     *
     * @return the voice (0 .. voices - 1) of every sentence
     */
    public static int[] assignVoices(int sentences, int voices, long seed) {
        if (sentences < 0 || voices < 1) {
            throw new IllegalArgumentException("need sentences >= 0 and voices >= 1, got " + sentences + ", " + voices);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int[] order = new int[voices];
        for (int v = 0; v < voices; v++) {
            order[v] = v;
        }
        shuffle(order, rng);
        int[] out = new int[sentences];
        for (int i = 0; i < sentences; i++) {
            out[i] = order[i % voices];
        }
        shuffle(out, rng);
        return out;
    }

    /**
     * A split of {@code files} into train / valid / test, 0.8 / 0.1 / 0.1 within every stratum: the files of
     * each stratum (in increasing stratum order) are shuffled by one seeded generator, the first
     * {@code max(1, round(0.1 n))} go to {@code test}, the next as many to {@code valid}, the rest to
     * {@code train}.
     *
     * @param strata the stratum of every file (here: its voice)
     * @return the split of every file, in the order of {@code files}
     * @throws IllegalArgumentException when a stratum has fewer than 3 files (it could not be in all three)
     */
    public static List<String> stratifiedSplit(List<String> files, int[] strata, long seed) {
        if (files.size() != strata.length) {
            throw new IllegalArgumentException(files.size() + " files but " + strata.length + " strata");
        }
        String[] split = new String[files.size()];
        SplittableRandom rng = new SplittableRandom(seed);
        int[] distinct = java.util.Arrays.stream(strata).distinct().sorted().toArray();
        for (int s : distinct) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < strata.length; i++) {
                if (strata[i] == s) {
                    members.add(i);
                }
            }
            int n = members.size();
            if (n < 3) {
                throw new IllegalArgumentException("stratum " + s + " has " + n + " files; each needs at least 3");
            }
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                Integer t = members.get(i);
                members.set(i, members.get(j));
                members.set(j, t);
            }
            int test = Math.max(1, Math.round(n * 0.1f));
            int valid = Math.max(1, Math.round(n * 0.1f));
            for (int k = 0; k < n; k++) {
                split[members.get(k)] = k < test ? "test" : k < test + valid ? "valid" : "train";
            }
        }
        return List.of(split);
    }

    /**
     * The plan for {@code sentences} with {@code seed}: voices by {@link #assignVoices}, then espeak-ng's
     * speed (145-179 words per minute) and pitch (35-69), as {@code speech/} draws them.
     */
    public static Plan plan(List<String> sentences, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        int[] voice = assignVoices(sentences.size(), VOICES.size(), root.nextLong());
        SplittableRandom params = new SplittableRandom(root.nextLong());
        long splitSeed = root.nextLong();
        List<Clip> clips = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            int speed = 145 + params.nextInt(35);
            int pitch = 35 + params.nextInt(35);
            clips.add(new Clip(String.format(Locale.ROOT, "%s/%03d.wav", DIR, i), voice[i], speed, pitch,
                    sentences.get(i)));
        }
        return new Plan(List.copyOf(clips), splitSeed);
    }

    /** Stops with one line naming the Debian package when a program or voice of the corpus is missing. */
    static void requireSynthesisers(String path) {
        String purpose = "to regenerate " + DIR + "/";
        SpeechSynthesis.requireProgram(Engine.ESPEAK_NG, path, purpose);
        SpeechSynthesis.requireProgram(Engine.FESTIVAL, path, purpose);
        for (Voice v : VOICES) {
            if (v.engine() == Engine.FESTIVAL) {
                SpeechSynthesis.requireVoice(v, purpose);
            }
        }
    }

    /** One clip as written: the voice's output at 22,050 Hz, peak-normalised to {@link #PEAK}. */
    public static float[] render(Clip clip) {
        Audio a = SpeechSynthesis.speak(clip.spokenBy(), clip.text(), clip.speed(), clip.pitch());
        float[] x = a.mono();
        if (a.sampleRate() != ReferenceData.SPEECH_RATE) {
            x = Resampler.resample(x, a.sampleRate(), ReferenceData.SPEECH_RATE);
        }
        return ReferenceData.peakNormalise(x, PEAK);
    }

    /**
     * Writes every clip of {@code plan} and {@code voices/index.tsv} under {@code out}; {@code progress}
     * receives one line per file.
     *
     * @return the split lines ({@code file<TAB>split}, in file order)
     */
    static List<String> write(Path out, Plan plan, Consumer<String> progress) {
        StringBuilder index = new StringBuilder("# file\tvoice\tspeed\tpitch\ttext (speed and pitch: espeak-ng only)\n");
        for (Clip c : plan.clips()) {
            Wav.writePcm16(out.resolve(c.file()), Audio.mono(render(c), ReferenceData.SPEECH_RATE));
            boolean espeak = c.spokenBy().engine() == Engine.ESPEAK_NG;
            String speed = espeak ? String.valueOf(c.speed()) : "-";
            String pitch = espeak ? String.valueOf(c.pitch()) : "-";
            index.append(c.file()).append('\t').append(c.spokenBy().id()).append('\t').append(speed).append('\t')
                    .append(pitch).append('\t').append(c.text()).append('\n');
            progress.accept(c.file() + "  (" + c.spokenBy().id() + (espeak ? ", speed " + speed + ", pitch " + pitch : "")
                    + ")");
        }
        org.lockey.io.AtomicFiles.writeString(out.resolve(INDEX), index.toString());
        List<String> split = stratifiedSplit(plan.files(), plan.voices(), plan.splitSeed());
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < split.size(); i++) {
            lines.add(plan.files().get(i) + "\t" + split.get(i));
        }
        return lines;
    }

    /** The sentences of a sentence file: one per line, blank lines and {@code #} comments skipped. */
    static List<String> readSentences(Path file) {
        try {
            return java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        } catch (java.io.IOException e) {
            throw new LockeyException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
