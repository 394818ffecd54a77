package org.lockey.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.audio.Audio;
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
        assertEquals(70, manifest.size());
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
        assertEquals(Map.of("speech:train", 32, "speech:valid", 4, "speech:test", 4, "music:train", 24,
                "music:valid", 3, "music:test", 3), counts);
    }

    @Test
    void ratesAreTheModelRates() {
        assertEquals(ReferenceData.SPEECH_RATE, Wav.read(DIR.resolve("speech/000.wav")).sampleRate());
        assertEquals(ReferenceData.MUSIC_RATE, Wav.read(DIR.resolve("music/000.wav")).sampleRate());
    }

    /** The stored artifact next to the method that regenerates it: clip 7 rendered now has the manifest's hash. */
    @Test
    void musicRegeneratesBitExactly(@TempDir Path tmp) throws Exception {
        float[] now = MusicGenerator.render(1000 + 7, 8.0, ReferenceData.MUSIC_RATE);
        Path f = tmp.resolve("007.wav");
        Wav.writePcm16(f, Audio.mono(now, ReferenceData.MUSIC_RATE));
        String expected = rows("MANIFEST.tsv").stream().filter(r -> r[1].equals("music/007.wav")).findFirst()
                .orElseThrow()[0];
        assertEquals(expected, ReferenceData.sha256(f));
        double energy = 0;
        for (float v : now) {
            energy += v * v;
        }
        assertTrue(energy / now.length > 1e-4, "not silence");
    }
}
