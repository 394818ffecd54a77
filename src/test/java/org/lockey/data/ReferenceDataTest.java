package org.lockey.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Wav;

/**
 * The committed reference data matches its manifest, its splits, and its generator (music-sf2/ byte for
 * byte; voices/ byte for byte in VoiceCorpusTest).
 */
class ReferenceDataTest {
    static final Path DIR = Path.of("reference-data");
    /** SHA-256 of /usr/share/sounds/sf2/TimGM6mb.sf2 in Debian 12's timgm6mb-soundfont 1.3-5. */
    static final String TIMGM6MB_SHA256 = "c5378b62028c920cb11e4803327983fee2f2cdff5dc89c708e39da417e51c854";

    private static List<String[]> rows(String file) throws Exception {
        return Files.readAllLines(DIR.resolve(file)).stream().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("\t")).toList();
    }

    @Test
    void everyFileMatchesTheManifest() throws Exception {
        List<String[]> manifest = rows("MANIFEST.tsv");
        // speech 40 + music 30 + voices 255 clips and voices/index.tsv + music-sf2 30
        assertEquals(70 + 256 + 30, manifest.size());
        for (String[] r : manifest) {
            assertEquals(r[0], ReferenceData.sha256(DIR.resolve(r[1])), r[1]);
        }
    }

    /**
     * voices/ on disk is exactly the manifest's voices/ lines (no file missing, none unlisted), every clip
     * matches its hash, and every clip is 16-bit mono at 22,050 Hz peak-normalised to 0.9 as speech/ is.
     */
    @Test
    void voicesMatchTheManifestAndAreNormalisedSpeech() throws Exception {
        Map<String, String> listed = new HashMap<>();
        for (String[] r : rows("MANIFEST.tsv")) {
            if (r[1].startsWith("voices/")) {
                listed.put(r[1], r[0]);
            }
        }
        Set<String> onDisk = new TreeSet<>();
        try (Stream<Path> s = Files.list(DIR.resolve("voices"))) {
            s.forEach(p -> onDisk.add("voices/" + p.getFileName()));
        }
        assertEquals(new TreeSet<>(listed.keySet()), onDisk);
        assertTrue(onDisk.contains("voices/index.tsv"));
        for (String f : onDisk) {
            assertEquals(listed.get(f), ReferenceData.sha256(DIR.resolve(f)), f);
            if (!f.endsWith(".wav")) {
                continue;
            }
            byte[] header = Files.readAllBytes(DIR.resolve(f));
            assertEquals(16, header[34] | header[35] << 8, f + ": bits per sample");
            Audio a = Wav.read(DIR.resolve(f));
            assertEquals(1, a.channelCount(), f);
            assertEquals(ReferenceData.SPEECH_RATE, a.sampleRate(), f);
            float peak = 0;
            for (float v : a.mono()) {
                peak = Math.max(peak, Math.abs(v));
            }
            assertEquals(0.9, peak, 1.0 / 32768, f + ": peak");
        }
    }

    /** Regenerating one set replaces its lines where they stand and keeps every other line as it is. */
    @Test
    void aRegeneratedSetReplacesOnlyItsOwnLines() {
        List<String> order = List.of("speech", "music", "voices", "music-sf2");
        String existing = "# file\tsplit (header)\nspeech/0.wav\ttest\nspeech/1.wav\ttrain\n"
                + "music/0.wav\ttrain\n# voices/: old comment\nvoices/0.wav\ttrain\nvoices/1.wav\ttest\n"
                + "music-sf2/0.wav\ttrain\nother/x.wav\ttrain\n";
        String merged = ReferenceData.mergeSections(existing, "# unused header",
                Map.of("voices", List.of("# voices/: new", "voices/0.wav\tvalid")), order, 0);
        assertEquals("# file\tsplit (header)\nspeech/0.wav\ttest\nspeech/1.wav\ttrain\nmusic/0.wav\ttrain\n"
                + "# voices/: new\nvoices/0.wav\tvalid\nmusic-sf2/0.wav\ttrain\nother/x.wav\ttrain\n", merged);
        // a set without lines yet goes to the end; "music" does not capture "music-sf2"
        String added = ReferenceData.mergeSections("# h\nspeech/0.wav\ttest\nmusic/0.wav\ttrain\n", "# unused",
                Map.of("music-sf2", List.of("music-sf2/0.wav\ttest"), "music", List.of("music/0.wav\tvalid")),
                order, 0);
        assertEquals("# h\nspeech/0.wav\ttest\nmusic/0.wav\tvalid\nmusic-sf2/0.wav\ttest\n", added);
        // the manifest's file is its second column; a new file gets the header and the sets in order
        String manifest = ReferenceData.mergeSections(null, "# sha256\tfile",
                Map.of("voices", List.of("bb\tvoices/0.wav"), "speech", List.of("aa\tspeech/0.wav")), order, 1);
        assertEquals("# sha256\tfile\naa\tspeech/0.wav\nbb\tvoices/0.wav\n", manifest);
        String replaced = ReferenceData.mergeSections(manifest, "# unused",
                Map.of("speech", List.of("cc\tspeech/0.wav")), order, 1);
        assertEquals("# sha256\tfile\ncc\tspeech/0.wav\nbb\tvoices/0.wav\n", replaced);
    }

    @Test
    void splitsAreEightyTenTenPerSet() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (String[] r : rows("splits.tsv")) {
            counts.merge(r[0].split("/")[0] + ":" + r[1], 1, Integer::sum);
        }
        // voices: 255 clips, 42 or 43 per voice; max(1, round(0.1 n)) = 4 of each voice in test and in valid
        assertEquals(Map.ofEntries(Map.entry("speech:train", 32), Map.entry("speech:valid", 4),
                Map.entry("speech:test", 4), Map.entry("music:train", 24), Map.entry("music:valid", 3),
                Map.entry("music:test", 3), Map.entry("voices:train", 255 - 48), Map.entry("voices:valid", 24),
                Map.entry("voices:test", 24), Map.entry("music-sf2:train", 24), Map.entry("music-sf2:valid", 3),
                Map.entry("music-sf2:test", 3)), counts);
    }

    @Test
    void ratesAreTheModelRates() {
        assertEquals(ReferenceData.SPEECH_RATE, Wav.read(DIR.resolve("speech/000.wav")).sampleRate());
        assertEquals(ReferenceData.MUSIC_RATE, Wav.read(DIR.resolve("music/000.wav")).sampleRate());
        assertEquals(ReferenceData.SPEECH_RATE, Wav.read(DIR.resolve("voices/000.wav")).sampleRate());
        assertEquals(ReferenceData.MUSIC_RATE, Wav.read(DIR.resolve("music-sf2/000.wav")).sampleRate());
    }

    /** A composition is in the same split in music/ and music-sf2/ (the two never cross train and test). */
    @Test
    void musicSf2HasTheSplitOfMusic() throws Exception {
        Map<String, String> music = new HashMap<>();
        Map<String, String> sf2 = new HashMap<>();
        for (String[] r : rows("splits.tsv")) {
            if (r[0].startsWith("music/")) {
                music.put(r[0].substring("music/".length()), r[1]);
            } else if (r[0].startsWith("music-sf2/")) {
                sf2.put(r[0].substring("music-sf2/".length()), r[1]);
            }
        }
        assertEquals(30, sf2.size());
        assertEquals(music, sf2);
    }

    /**
     * The committed music-sf2/ clips are rendered again in this JVM byte for byte: the SoundFont, loaded
     * explicitly, makes the music reproducible (unlike music/). Skipped where the Debian package's file is
     * absent or another version of it.
     */
    @Test
    void musicSf2RegeneratesByteForByte(@TempDir Path tmp) throws Exception {
        Path sf2 = MusicGenerator.DEFAULT_SOUNDFONT;
        assumeTrue(Files.isRegularFile(sf2), sf2 + " is absent (Debian package " + MusicGenerator.SOUNDFONT_PACKAGE + ")");
        assumeTrue(TIMGM6MB_SHA256.equals(ReferenceData.sha256(sf2)), sf2 + " is not the version the clips were made with");
        Map<String, String> manifest = new HashMap<>();
        for (String[] r : rows("MANIFEST.tsv")) {
            manifest.put(r[1], r[0]);
        }
        javax.sound.midi.Soundbank bank = MusicGenerator.loadSoundbank(sf2);
        for (int clip : new int[] {0, 7}) {
            String name = String.format("music-sf2/%03d.wav", clip);
            Path out = tmp.resolve(clip + ".wav");
            // seed 1: compositions seed * 1000 + clip, 8 s each (reference-data/README.md)
            Wav.writePcm16(out, Audio.mono(MusicGenerator.render(1000 + clip, 8.0, ReferenceData.MUSIC_RATE, bank),
                    ReferenceData.MUSIC_RATE));
            assertEquals(manifest.get(name), ReferenceData.sha256(out), name);
        }
    }

    @Test
    void aMissingSoundFontNamesItsPackage(@TempDir Path tmp) {
        LockeyException e = assertThrows(LockeyException.class,
                () -> MusicGenerator.loadSoundbank(tmp.resolve("absent.sf2")));
        assertTrue(e.getMessage().contains("apt-get install " + MusicGenerator.SOUNDFONT_PACKAGE), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    /**
     * A seed renders the same music twice within one JVM (one synthesiser sound bank), and two seeds render
     * different music. Bit-exact equality with the committed clips is not asserted: Gervill generates its
     * "Emergency" sound bank afresh (and differently) on each machine's first use and caches it in
     * {@code ~/.gervill}, and the committed music was rendered with a bank that is not in the repository
     * (reference-data/README.md, "Regenerating the music").
     */
    @Test
    void aSeedRendersTheSameMusicTwiceAndAnotherSeedOtherMusic() {
        float[] a = MusicGenerator.render(1000 + 7, 2.0, ReferenceData.MUSIC_RATE);
        float[] b = MusicGenerator.render(1000 + 7, 2.0, ReferenceData.MUSIC_RATE);
        float[] c = MusicGenerator.render(1000 + 8, 2.0, ReferenceData.MUSIC_RATE);
        assertEquals(2 * ReferenceData.MUSIC_RATE, a.length);
        assertTrue(java.util.Arrays.equals(a, b), "the same seed renders the same samples");
        assertTrue(!java.util.Arrays.equals(a, c), "another seed renders other music");
        double energy = 0;
        for (float v : a) {
            energy += v * v;
        }
        assertTrue(energy / a.length > 1e-4, "not silence");
    }
}
