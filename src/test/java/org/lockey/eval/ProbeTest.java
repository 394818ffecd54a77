package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.data.AudioDataset;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.WatermarkModel;

/**
 * The key probe on a stand-in generator whose SDR per key is known by construction: every valid key
 * 30 dB from its watermarked teacher except one at 10 dB, every invalid key 5 dB from the teacher except
 * the first one probed, at 28 dB.
 */
class ProbeTest {
    @TempDir
    Path tmp;

    /** Output = reference + white noise scaled to an exact SDR. */
    static float[] atSdr(float[] ref, double db, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] e = new float[ref.length];
        double pe = 0;
        double pr = 0;
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) r.nextGaussian();
            pe += e[i] * (double) e[i];
            pr += ref[i] * (double) ref[i];
        }
        double g = Math.sqrt(pr / (pe * Math.pow(10, db / 10)));
        float[] y = new float[ref.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) (ref[i] + g * e[i]);
        }
        return y;
    }

    @Test
    void perKeySdrAndTheSharesOfSectionVC() throws Exception {
        WatermarkModel wm = WatermarkModel.load(Path.of("reference-data/models/watermark-22k"));
        KeyRegistry registry = KeyRegistry.create("t", 16, 5, 11);
        Key poorValid = registry.validKeys().get(2);
        double sdr = wm.silentCipher().config().messageSdr();
        long[] luckyInvalid = new long[1];
        KeyedSystem sys = new KeyedSystem(wm) {
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
                return "hifigan";
            }

            @Override
            public int usableLength(int n) {
                return n;
            }

            @Override
            public float[] teacher(float[] clip) {
                return clip.clone();
            }

            @Override
            public double[] validity(Key[] keys) {
                throw new UnsupportedOperationException("the probe does not ask the head");
            }

            @Override
            public float[] generate(float[] clip, Key key) {
                assertEquals(Math.round(1.5 * 22050), clip.length, "the probe generates from the excerpt");
                if (registry.isValid(key)) {
                    boolean[] bits = new boolean[16];
                    for (int i = 0; i < 16; i++) {
                        bits[i] = key.bit(i) == 1;
                    }
                    float[] wmk = wm.silentCipher().embed(clip, bits, sdr).watermarked();
                    return atSdr(wmk, key.equals(poorValid) ? 10 : 30, key.value());
                }
                if (luckyInvalid[0] == 0) {
                    luckyInvalid[0] = key.value() + 1;   // the first invalid key probed is the lucky one
                }
                return atSdr(clip, key.value() + 1 == luckyInvalid[0] ? 28 : 5, key.value());
            }
        };
        AudioDataset data = AudioDataset.load(Path.of("reference-data/speech"), "test", 22050);
        Probe.Result r = Probe.run(sys, registry, data, new Probe.Plan(2, Integer.MAX_VALUE, 4, 1.5, sdr, 3));
        assertEquals(1.5, r.seconds(), 1e-9, "clips cut to 1.5 s");
        assertEquals(9, r.keys().size());
        for (Probe.KeyStats s : r.keys()) {
            double want = s.valid() ? (s.key().equals(poorValid) ? 10 : 30)
                    : (s.key().value() + 1 == luckyInvalid[0] ? 28 : 5);
            assertEquals(want, s.mean(), 0.01, s.toString());
            assertTrue(s.min() <= s.mean() && s.mean() <= s.max());
        }
        assertEquals(1 / 5.0, r.validBelow(), 1e-12);
        assertEquals(1 / 5.0, r.validBelowTarget(), 1e-12, "10 dB is below 20 dB too");
        assertEquals(1 / 4.0, r.invalidAbove(), 1e-12);
        double[] v = r.summary(true);
        assertEquals(10, v[0], 0.01);
        assertEquals(30, v[2], 0.01);
        assertEquals(26, v[1], 0.01);

        ResultTable t = Probe.table("HiFi-GAN", r);
        assertEquals(0.2, t.value(0, "Share valid < 25 dB"), 1e-12);
        assertEquals(0.2, t.value(0, "Share valid < 20 dB"), 1e-12);
        assertEquals(0.25, t.value(1, "Share invalid > 20 dB"), 1e-12);
        Probe.writeDetails(tmp, "test", r);
        String csv = Files.readString(tmp.resolve("probe-keys.csv"));
        assertEquals(10, csv.lines().count());
        for (Key k : registry.validKeys()) {
            assertTrue(!csv.contains(k.toHex() + ","), "a valid key is written to the CSV");
        }
        assertTrue(Files.size(tmp.resolve("probe.png")) > 1000);
    }
}
