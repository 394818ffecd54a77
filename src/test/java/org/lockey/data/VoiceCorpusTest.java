package org.lockey.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Wav;
import org.lockey.data.SpeechSynthesis.Engine;
import org.lockey.data.SpeechSynthesis.Voice;

/**
 * The voices/ corpus: its seeded voice assignment and stratified split (pure functions, no synthesiser),
 * the committed files against those rules, and — where espeak-ng and festival are installed at the versions
 * the committed files were made with — a regeneration of one clip per voice against the manifest.
 */
class VoiceCorpusTest {
    static final Path DIR = Path.of("reference-data");
    /**
     * Debian package versions of reference-data/README.md ("voices/"): with others the synthesisers may give
     * other samples, so the byte-identity test is skipped rather than failed.
     */
    static final Map<String, String> VERSIONS = Map.of(
            "espeak-ng", "1.51+dfsg-10+deb12u2",
            "festival", "1:2.5.0-9",
            "festvox-kallpc16k", "2.4-1",
            "festvox-kdlpc16k", "1.4.0-6.1",
            "festvox-us-slt-hts", "0.2010.10.25-4");

    private static int[] counts(int[] assignment, int voices) {
        int[] c = new int[voices];
        for (int v : assignment) {
            c[v]++;
        }
        return c;
    }

    @Test
    void everyVoiceGetsAFairShare() {
        // {sentences, voices}: even, uneven, fewer sentences than voices, none
        int[][] cases = {{255, 6}, {240, 6}, {10, 3}, {4, 6}, {0, 5}, {1, 1}};
        for (int[] c : cases) {
            int n = c[0];
            int v = c[1];
            int[] a = VoiceCorpus.assignVoices(n, v, 7);
            assertEquals(n, a.length);
            int[] counts = counts(a, v);
            int floor = n / v;
            int extra = 0;
            for (int k = 0; k < v; k++) {
                assertTrue(counts[k] == floor || counts[k] == floor + 1,
                        n + "/" + v + ": voice " + k + " speaks " + counts[k] + " sentences, not " + floor + " or "
                                + (floor + 1));
                extra += counts[k] - floor;
            }
            assertEquals(n % v, extra, n + "/" + v + ": voices with one more sentence");
        }
    }

    @Test
    void theAssignmentIsAPureFunctionOfTheSeed() {
        int[] a = VoiceCorpus.assignVoices(255, 6, 42);
        assertArrayEquals(a, VoiceCorpus.assignVoices(255, 6, 42));
        assertFalse(Arrays.equals(a, VoiceCorpus.assignVoices(255, 6, 43)), "another seed, another assignment");
        // shuffled, not dealt in turn: a round-robin deal repeats with period 6
        boolean periodic = true;
        for (int i = 6; i < a.length; i++) {
            periodic &= a[i] == a[i - 6];
        }
        assertFalse(periodic, "the voices are shuffled over the sentences");
        // which voices get the 3 extra sentences of 255 / 6 varies with the seed
        Set<String> extras = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            extras.add(Arrays.toString(counts(VoiceCorpus.assignVoices(255, 6, seed), 6)));
        }
        assertTrue(extras.size() > 1, "the voices with one more sentence are drawn: " + extras);
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> VoiceCorpus.assignVoices(5, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> VoiceCorpus.assignVoices(-1, 2, 1));
        assertThrows(IllegalArgumentException.class,
                () -> VoiceCorpus.stratifiedSplit(List.of("a", "b"), new int[] {0}, 1));
        // a stratum of two files cannot be in train, valid and test
        assertThrows(IllegalArgumentException.class, () -> VoiceCorpus.stratifiedSplit(
                List.of("a", "b", "c", "d", "e"), new int[] {0, 0, 0, 1, 1}, 1));
    }

    @Test
    void theSplitIsEightyTenTenWithinEveryStratum() {
        // strata of 10, 3, 25 and 43 files, interleaved
        int[] sizes = {10, 3, 25, 43};
        // expected per stratum (test = valid = max(1, round(0.1 n)), by hand): 1, 1, 3 (2.5 rounds up), 4
        int[] expectedTest = {1, 1, 3, 4};
        List<String> files = new ArrayList<>();
        List<Integer> strata = new ArrayList<>();
        int[] left = sizes.clone();
        while (files.size() < 81) {
            for (int s = 0; s < sizes.length; s++) {
                if (left[s] > 0) {
                    files.add("f" + files.size());
                    strata.add(s);
                    left[s]--;
                }
            }
        }
        int[] stratum = strata.stream().mapToInt(Integer::intValue).toArray();
        List<String> split = VoiceCorpus.stratifiedSplit(files, stratum, 11);
        assertEquals(files.size(), split.size());
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < split.size(); i++) {
            assertTrue(Set.of("train", "valid", "test").contains(split.get(i)), split.get(i));
            counts.merge(stratum[i] + ":" + split.get(i), 1, Integer::sum);
        }
        for (int s = 0; s < sizes.length; s++) {
            int t = expectedTest[s];
            assertEquals(t, counts.getOrDefault(s + ":test", 0), "stratum " + s + " test");
            assertEquals(t, counts.getOrDefault(s + ":valid", 0), "stratum " + s + " valid");
            assertEquals(sizes[s] - 2 * t, counts.getOrDefault(s + ":train", 0), "stratum " + s + " train");
        }
        assertEquals(split, VoiceCorpus.stratifiedSplit(files, stratum, 11), "same seed, same split");
        assertTrue(!split.equals(VoiceCorpus.stratifiedSplit(files, stratum, 12)), "another seed, another split");
    }

    @Test
    void thePlanNamesFilesInSentenceOrderWithEspeakRangesAsSpeech() {
        List<String> sentences = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            sentences.add("Sentence number " + i + ".");
        }
        VoiceCorpus.Plan plan = VoiceCorpus.plan(sentences, 5);
        assertEquals(30, plan.clips().size());
        for (int i = 0; i < 30; i++) {
            VoiceCorpus.Clip c = plan.clips().get(i);
            assertEquals(String.format("voices/%03d.wav", i), c.file());
            assertEquals(sentences.get(i), c.text());
            assertTrue(c.speed() >= 145 && c.speed() <= 179, "speed " + c.speed());
            assertTrue(c.pitch() >= 35 && c.pitch() <= 69, "pitch " + c.pitch());
        }
        assertArrayEquals(new int[] {5, 5, 5, 5, 5, 5}, counts(plan.voices(), VoiceCorpus.VOICES.size()));
        assertEquals(plan, VoiceCorpus.plan(sentences, 5));
    }

    @Test
    void moreThanOneSynthesiserAndSeveralVoices() {
        Set<Engine> engines = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (Voice v : VoiceCorpus.VOICES) {
            engines.add(v.engine());
            ids.add(v.id());
        }
        assertEquals(Set.of(Engine.ESPEAK_NG, Engine.FESTIVAL), engines);
        assertEquals(VoiceCorpus.VOICES.size(), ids.size(), "distinct voices");
        assertTrue(ids.size() >= 6);
    }

    private static List<String[]> rows(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.startsWith("#") && !l.isBlank()).map(l -> l.split("\t")).toList();
    }

    /** The committed voices/: one clip per sentence, a fair share per voice, every voice in valid and test. */
    @Test
    void theCommittedCorpusFollowsItsRules() throws IOException {
        List<String> sentences = Files.readAllLines(DIR.resolve("tools/sentences-voices.txt"), StandardCharsets.UTF_8)
                .stream().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        List<String[]> index = rows(DIR.resolve("voices/index.tsv"));
        assertEquals(sentences.size(), index.size());
        assertTrue(sentences.size() >= 250, "about 250 sentences");
        Map<String, String> split = new HashMap<>();
        for (String[] r : rows(DIR.resolve("splits.tsv"))) {
            split.put(r[0], r[1]);
        }
        Map<String, Integer> perVoice = new HashMap<>();
        Map<String, Set<String>> splitsOfVoice = new HashMap<>();
        double seconds = 0;
        for (int i = 0; i < index.size(); i++) {
            String[] r = index.get(i);
            assertEquals(String.format("voices/%03d.wav", i), r[0]);
            assertEquals(sentences.get(i), r[4], r[0] + " speaks sentence " + i);
            perVoice.merge(r[1], 1, Integer::sum);
            assertTrue(split.containsKey(r[0]), r[0] + " has a split");
            splitsOfVoice.computeIfAbsent(r[1], k -> new HashSet<>()).add(split.get(r[0]));
            Audio a = Wav.read(DIR.resolve(r[0]));
            assertEquals(ReferenceData.SPEECH_RATE, a.sampleRate(), r[0]);
            assertEquals(1, a.channelCount(), r[0]);
            seconds += a.frames() / (double) a.sampleRate();
        }
        Set<String> ids = new HashSet<>();
        VoiceCorpus.VOICES.forEach(v -> ids.add(v.id()));
        assertEquals(ids, perVoice.keySet(), "every voice speaks");
        int n = index.size();
        int v = ids.size();
        for (Map.Entry<String, Integer> e : perVoice.entrySet()) {
            assertTrue(e.getValue() == n / v || e.getValue() == n / v + 1, e.getKey() + ": " + e.getValue());
            assertEquals(Set.of("train", "valid", "test"), splitsOfVoice.get(e.getKey()), e.getKey());
        }
        assertTrue(seconds >= 15 * 60, "at least 15 minutes: " + seconds / 60);
    }

    @Test
    void aMissingProgramNamesItsPackage(@TempDir Path emptyDir) {
        String path = emptyDir.toString();
        assertTrue(SpeechSynthesis.findOnPath("text2wave", path).isEmpty());
        LockeyException festival = assertThrows(LockeyException.class,
                () -> SpeechSynthesis.requireProgram(Engine.FESTIVAL, path, "to regenerate voices/"));
        assertTrue(festival.getMessage().contains("apt-get install festival"), festival.getMessage());
        assertFalse(festival.getMessage().contains("\n"), "one line");
        LockeyException espeak = assertThrows(LockeyException.class,
                () -> VoiceCorpus.requireSynthesisers(path));
        assertTrue(espeak.getMessage().contains("apt-get install espeak-ng"), espeak.getMessage());
    }

    @Test
    void aProgramOnThePathIsFound(@TempDir Path dir) throws IOException {
        Path exe = dir.resolve("text2wave");
        Files.writeString(exe, "#!/bin/sh\n");
        assumeTrue(exe.toFile().setExecutable(true), "cannot mark a file executable here");
        assertEquals(exe, SpeechSynthesis.findOnPath("text2wave", "/nonexistent" + java.io.File.pathSeparator + dir)
                .orElseThrow());
    }

    /** A festival voice that is not installed is named with the package to install (festival itself exits 0). */
    @Test
    void aMissingFestivalVoiceNamesItsPackage() {
        assumeTrue(SpeechSynthesis.findOnPath("text2wave", System.getenv("PATH")).isPresent(),
                "festival (text2wave) is not installed");
        Voice absent = Voice.festival("no_such_voice_xyz", "festvox-no-such-package");
        LockeyException e = assertThrows(LockeyException.class,
                () -> SpeechSynthesis.requireVoice(absent, "to regenerate voices/"));
        assertTrue(e.getMessage().contains("apt-get install festvox-no-such-package"), e.getMessage());
    }

    private static String installedVersion(String pkg) {
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", pkg).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * The first committed clip of every voice, spoken again, has the manifest's SHA-256: the corpus is
     * regenerated byte for byte (skipped where the programs are missing or at other versions).
     */
    @Test
    void oneClipPerVoiceRegeneratesByteForByte(@TempDir Path tmp) throws IOException {
        for (Map.Entry<String, String> e : VERSIONS.entrySet()) {
            String found = installedVersion(e.getKey());
            assumeTrue(e.getValue().equals(found), "needs Debian package " + e.getKey() + " " + e.getValue()
                    + " for byte identity, found " + (found == null ? "none" : found));
        }
        Map<String, String> manifest = new HashMap<>();
        for (String[] r : rows(DIR.resolve("MANIFEST.tsv"))) {
            manifest.put(r[1], r[0]);
        }
        Map<String, Voice> byId = new HashMap<>();
        VoiceCorpus.VOICES.forEach(v -> byId.put(v.id(), v));
        Set<String> done = new HashSet<>();
        for (String[] r : rows(DIR.resolve("voices/index.tsv"))) {
            if (!done.add(r[1])) {
                continue;
            }
            Voice v = byId.get(r[1]);
            boolean espeak = v.engine() == Engine.ESPEAK_NG;
            VoiceCorpus.Clip clip = new VoiceCorpus.Clip(r[0], VoiceCorpus.VOICES.indexOf(v),
                    espeak ? Integer.parseInt(r[2]) : 0, espeak ? Integer.parseInt(r[3]) : 0, r[4]);
            Path out = tmp.resolve(r[0].replace('/', '_'));
            Wav.writePcm16(out, Audio.mono(VoiceCorpus.render(clip), ReferenceData.SPEECH_RATE));
            assertEquals(manifest.get(r[0]), ReferenceData.sha256(out), r[0] + " (" + r[1] + ")");
        }
        assertEquals(VoiceCorpus.VOICES.size(), done.size());
    }
}
