package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.metric.Sdr;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.WatermarkModel;

/**
 * Table III's stand-ins on a generator whose quality is built in: the teacher is the clip at 25 dB SNR, a valid key's
 * output is the watermarked teacher at 20 dB, an invalid key's output is the clip at 0 dB. So the figures that must
 * come out are known: Real is exact, Watermarked is Table I's embedding SDR, the "vs teacher" columns are Table II's
 * SDR_valid and SDR_invalid, and every measure ranks Invalid below Valid.
 */
class QualityTest {
    static WatermarkModel wm;
    static KeyRegistry registry;
    static AudioDataset speech;
    static double sdr;

    @BeforeAll
    static void load() {
        wm = WatermarkModel.load(Path.of("reference-data/models/watermark-22k"));
        registry = KeyRegistry.create("t", 16, 5, 11);
        sdr = wm.silentCipher().config().messageSdr();
        AudioDataset test = AudioDataset.load(Path.of("reference-data/speech"), "test", 22050);
        List<float[]> clips = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            clips.add(Arrays.copyOf(test.clip(i), 2 * 22050)); // 2 s each: enough STOI segments, quick to embed
        }
        speech = AudioDataset.of(Path.of("reference-data/speech"), 22050, clips);
    }

    /** A stand-in keyed system of {@code branch} ("hifigan" or "encodec") with the quality described above. */
    static KeyedSystem standIn(String branch) {
        return new KeyedSystem(wm) {
            @Override
            public int sampleRate() {
                return 22050;
            }

            @Override
            public int keyBits() {
                return 16;
            }

            @Override
            public String branch() {
                return branch;
            }

            @Override
            public int usableLength(int n) {
                return n / 256 * 256;
            }

            @Override
            public float[] teacher(float[] clip) {
                return ProbeTest.atSdr(Arrays.copyOf(clip, usableLength(clip.length)), 25, clip.length);
            }

            @Override
            public float[] generate(float[] clip, Key key) {
                if (registry.isValid(key)) {
                    float[] yt = wm.silentCipher().embed(teacher(clip), key.bitFlags(), sdr).watermarked();
                    return ProbeTest.atSdr(yt, 20, key.value());
                }
                return ProbeTest.atSdr(Arrays.copyOf(clip, usableLength(clip.length)), 0, key.value());
            }

            @Override
            public double[] validity(Key[] keys) {
                throw new UnsupportedOperationException("quality does not ask the head");
            }
        };
    }

    @Test
    void rowsMeasureWhatTheyAreBuiltToBe() {
        KeyedSystem sys = standIn("hifigan");
        Quality.Result r = Quality.run(sys, registry, speech, new Quality.Settings(2, 2, sdr, 1));
        assertEquals(2, r.clips());
        assertEquals(2, r.keys());

        Quality.RowResult real = r.row(Quality.Row.REAL);
        assertEquals(2, real.count());
        assertEquals(1.0, real.stoi(), 1e-12, "the clip against itself");
        assertEquals(0.0, real.melDistance(), 0.0);
        assertEquals(Double.POSITIVE_INFINITY, real.sdrDb());
        assertTrue(Double.isNaN(real.sdrVsTeacherDb()));

        // Watermarked: Table I's SDR of SilentCipher(x, k) against x, recomputed here.
        double want = 0;
        Table2.Keys keys = Table2.keys(registry, 2, 1);
        for (int c = 0; c < 2; c++) {
            for (Key k : keys.valid()) {
                float[] x = speech.clip(c);
                want += Sdr.db(x, wm.silentCipher().embed(x, k.bitFlags(), sdr).watermarked()) / 4;
            }
        }
        Quality.RowResult watermarked = r.row(Quality.Row.WATERMARKED);
        assertEquals(4, watermarked.count());
        assertEquals(want, watermarked.sdrDb(), 1e-9);
        assertTrue(watermarked.stoi() > 0.9 && watermarked.stoi() < 1, watermarked.toString());

        // vs teacher: exactly Table II's SDR_valid and SDR_invalid on the same system, keys and seed.
        Table2.Result t2 = Table2.run(sys, registry, speech, 2, 2, List.of(), sdr, 1);
        Quality.RowResult valid = r.row(Quality.Row.VALID);
        Quality.RowResult invalid = r.row(Quality.Row.INVALID);
        assertEquals(t2.sdrValid(), valid.sdrVsTeacherDb(), 1e-9);
        assertEquals(t2.sdrInvalid(), invalid.sdrVsTeacherDb(), 1e-9);
        assertEquals(20, valid.sdrVsTeacherDb(), 0.01, "built in at 20 dB");

        // Built in: invalid keys are far worse than valid ones on every measure.
        assertTrue(invalid.stoi() < valid.stoi() - 0.05, invalid + " vs " + valid);
        assertTrue(invalid.melDistance() > valid.melDistance(), invalid + " vs " + valid);
        assertTrue(invalid.sdrDb() < valid.sdrDb() - 10, invalid + " vs " + valid);
        assertEquals(0, invalid.sdrDb(), 0.01, "the clip at 0 dB");
        // The teacher (25 dB, then watermarked) sits between the real clip and the valid output.
        Quality.RowResult teacher = r.row(Quality.Row.TEACHER);
        assertTrue(teacher.stoi() < 1 && teacher.stoi() > valid.stoi(), teacher + " vs " + valid);

        ResultTable table = Quality.table("t", r);
        assertEquals(List.of("row", "paper MOS", "n", "STOI", "mel distance", "SDR (dB)", "mel distance vs teacher",
                "SDR vs teacher (dB)"), table.columns());
        assertEquals("Invalid", table.rows().get(4).get(0));
        assertEquals("1.50 +- 0.13", table.rows().get(4).get(1));
        assertEquals(valid.stoi(), table.value(3, "STOI"), 0);
    }

    @Test
    void musicHasNoStoi() {
        Quality.Result r = Quality.run(standIn("encodec"), registry, speech, new Quality.Settings(1, 1, sdr, 1));
        for (Quality.RowResult row : r.rows()) {
            assertTrue(Double.isNaN(row.stoi()), row.toString());
            assertTrue(Double.isFinite(row.melDistance()), row.toString());
        }
        String md = Quality.table("t", r).markdown();
        assertTrue(md.contains("STOI: n/a for music"), md);
        assertTrue(md.contains("| Real | 4.06 +- 0.22 | 1 | n/a | 0.000 | inf |"), md);
    }

    @Test
    void settingsRefuseNoClipsOrKeys() {
        LockeyException e = assertThrows(LockeyException.class, () -> new Quality.Settings(1, 0, 30, 1));
        assertTrue(e.getMessage().contains("at least one clip and one key"), e.getMessage());
    }
}
