package org.lockey.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.audio.Wav;

/** The committed reference data matches its manifest, its splits, and its generator. */
class ReferenceDataTest {
    static final Path DIR = Path.of("reference-data");

    private static List<String[]> rows(String file) throws Exception {
        return Files.readAllLines(DIR.resolve(file)).stream().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("\t")).toList();
    }

    @Test
    void everyFileMatchesTheManifest() throws Exception {
        List<String[]> manifest = rows("MANIFEST.tsv");
        // speech 40 + music 30 + voices 255 clips and voices/index.tsv
        assertEquals(70 + 256, manifest.size());
        for (String[] r : manifest) {
            assertEquals(r[0], ReferenceData.sha256(DIR.resolve(r[1])), r[1]);
        }
    }

    @Test
    void splitsAreEightyTenTenPerSet() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (String[] r : rows("splits.tsv")) {
            counts.merge(r[0].split("/")[0] + ":" + r[1], 1, Integer::sum);
        }
        // voices: 255 clips, 42 or 43 per voice; max(1, round(0.1 n)) = 4 of each voice in test and in valid
        assertEquals(Map.of("speech:train", 32, "speech:valid", 4, "speech:test", 4, "music:train", 24,
                "music:valid", 3, "music:test", 3, "voices:train", 255 - 48, "voices:valid", 24, "voices:test", 24),
                counts);
    }

    @Test
    void ratesAreTheModelRates() {
        assertEquals(ReferenceData.SPEECH_RATE, Wav.read(DIR.resolve("speech/000.wav")).sampleRate());
        assertEquals(ReferenceData.MUSIC_RATE, Wav.read(DIR.resolve("music/000.wav")).sampleRate());
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
