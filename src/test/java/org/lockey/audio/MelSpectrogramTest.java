package org.lockey.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.lockey.io.SafeTensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class MelSpectrogramTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Golden case hifigan_logmel (component hifigan.mel): mel and mel_basis within the 1e-4 rule. */
    @Test
    void goldenHifiganLogmel() throws Exception {
        SafeTensors st = SafeTensors.read(AudioTestUtil.GOLDEN.resolve("hifigan_logmel.io.safetensors"));
        assertEquals("hifigan.mel", st.metadata().get("component"));
        double tol = Double.parseDouble(st.metadata().get("tolerance"));
        MelConfig cfg = MelConfig.fromJson(JSON.readTree(st.metadata().get("config")));
        float[] audio = st.get("audio").toFloatArray();
        long[] melShape = st.get("mel").shape();
        MelSpectrogram mel = new MelSpectrogram(cfg);

        AudioTestUtil.assertGolden("hifigan_logmel/mel_basis", st.get("mel_basis").toDoubleArray(),
                AudioTestUtil.flatten(mel.melBasis()), tol);
        float[][] out = mel.apply(audio);
        assertEquals(melShape[1], out.length, "num_mels");
        assertEquals(melShape[2], out[0].length, "frames");
        AudioTestUtil.assertGolden("hifigan_logmel/mel", st.get("mel").toDoubleArray(),
                AudioTestUtil.flatten(out), tol);
    }

    /** The golden config equals the published HiFi-GAN front-end, and fmax null means sr/2. */
    @Test
    void configFromJson() throws Exception {
        JsonNode v1 = JSON.readTree("{\"sampling_rate\": 22050, \"n_fft\": 1024, \"num_mels\": 80,"
                + " \"hop_size\": 256, \"win_size\": 1024, \"fmin\": 0, \"fmax\": 8000, \"fmax_for_loss\": null}");
        assertEquals(MelConfig.hifiGan(), MelConfig.fromJson(v1));
        JsonNode loss = JSON.readTree("{\"sampling_rate\": 16000, \"n_fft\": 512, \"num_mels\": 40,"
                + " \"hop_size\": 128, \"win_size\": 400, \"fmin\": 20, \"fmax\": null, \"center\": true}");
        assertEquals(new MelConfig(16000, 512, 40, 128, 400, 20.0, 8000.0, true), MelConfig.fromJson(loss));
        LockeyException e = assertThrows(LockeyException.class,
                () -> MelConfig.fromJson(JSON.readTree("{\"sampling_rate\": 22050}")));
        assertTrue(e.getMessage().contains("n_fft"), e.getMessage());
        assertThrows(LockeyException.class, () -> MelConfig.fromJson(JSON.readTree(
                "{\"sampling_rate\": 22050, \"n_fft\": 1024.5, \"num_mels\": 80, \"hop_size\": 256,"
                        + " \"win_size\": 1024, \"fmin\": 0, \"fmax\": 8000}")));
    }

    /** Frames = floor(L / hop) for the HiFi-GAN padding (center=False). */
    @Test
    void frameCount() {
        MelConfig cfg = new MelConfig(8000, 256, 20, 64, 256, 0, 4000, false);
        MelSpectrogram mel = new MelSpectrogram(cfg);
        for (int len : new int[] {200, 256, 257, 1000, 1023}) {
            float[][] out = mel.apply(new float[len]);
            assertEquals(20, out.length, "bands for L=" + len);
            assertEquals(len / 64, out[0].length, "frames for L=" + len);
            assertEquals(len / 64, cfg.frames(len), "MelConfig.frames for L=" + len);
        }
    }

    /** Property: the mel before the log is >= 0 and the log-mel is >= log(1e-5) and equals its log. */
    @Test
    void melNonNegativeAndLogClamped() {
        MelConfig cfg = new MelConfig(16000, 256, 24, 64, 200, 30, 7000, false);
        MelSpectrogram mel = new MelSpectrogram(cfg);
        qt().withFixedSeed(20240601L).withExamples(20)
                .forAll(longs().all(), integers().between(300, 1500), integers().between(-12, 0))
                .checkAssert((seed, len, db) -> {
                    float[] x = AudioTestUtil.noiseF(seed, len, Math.pow(10, db));
                    double[][] lin = mel.linear(x);
                    float[][] log = mel.apply(x);
                    for (int m = 0; m < lin.length; m++) {
                        for (int t = 0; t < lin[m].length; t++) {
                            assertTrue(lin[m][t] >= 0, "mel < 0 at " + m + "," + t + ": " + lin[m][t]);
                            assertTrue(log[m][t] >= (float) Math.log(1e-5), "log-mel below clamp: " + log[m][t]);
                            assertEquals(Math.log(Math.max(lin[m][t], 1e-5)), log[m][t], 1e-5);
                        }
                    }
                });
    }

    /** Silence gives log(max(sum_k basis * sqrt(1e-9), 1e-5)) per band: the epsilon sits inside the sqrt. */
    @Test
    void silenceGivesEpsilonFloor() {
        MelSpectrogram mel = new MelSpectrogram(MelConfig.hifiGan());
        float[][] out = mel.apply(new float[2048]);
        float[][] basis = mel.melBasis();
        for (int m = 0; m < out.length; m++) {
            double s = 0;
            for (float w : basis[m]) {
                s += w * Math.sqrt(1e-9);
            }
            float expect = (float) Math.log(Math.max(s, 1e-5));
            float[] row = new float[out[m].length];
            java.util.Arrays.fill(row, expect);
            assertArrayEquals(row, out[m], 1e-6f, "band " + m);
        }
    }

    /**
     * Long clips are computed in blocks of {@link MelSpectrogram#BLOCK_FRAMES} frames: every frame equals the
     * frame of the one-shot computation (the clip reflect-padded whole, twice when the STFT is centred, then
     * transformed at once), exactly, at block boundaries and at both edges. A small hop makes several blocks
     * cheap; lengths land just below, on and just above a block boundary.
     */
    @Test
    void blocksEqualTheWholeClipExactly() {
        for (boolean center : new boolean[] {false, true}) {
            MelConfig cfg = new MelConfig(8000, 64, 12, 8, 48, 0, 4000, center);
            MelSpectrogram mel = new MelSpectrogram(cfg);
            Stft stft = new Stft(cfg.stft());
            int block = MelSpectrogram.BLOCK_FRAMES * cfg.hopSize();
            for (int len : new int[] {block - 3, block, block + 5, 2 * block + cfg.hopSize() * 7 + 1, 3 * block}) {
                float[] x = AudioTestUtil.noiseF(len, len, 0.3);
                double[] wide = new double[len];
                for (int i = 0; i < len; i++) {
                    wide[i] = x[i];
                }
                double[] padded = Stft.reflectPad(wide, cfg.pad(), cfg.pad());
                double[][] mag = stft.forward(padded).magnitude(MelSpectrogram.MAGNITUDE_EPS);
                float[][] basis = mel.melBasis();
                double[][] lin = mel.linear(x);
                float[][] log = mel.apply(x);
                assertEquals(mag[0].length, lin[0].length, "frames, center " + center + ", L " + len);
                assertTrue(len <= block + cfg.hopSize() || lin[0].length > MelSpectrogram.BLOCK_FRAMES, "the clip spans blocks");
                for (int m = 0; m < basis.length; m++) {
                    double[] expect = new double[mag[0].length];
                    for (int k = 0; k < mag.length; k++) {
                        for (int t = 0; t < expect.length; t++) {
                            expect[t] += basis[m][k] * mag[k][t];
                        }
                    }
                    assertArrayEquals(expect, lin[m], 0.0, "band " + m + ", center " + center + ", L " + len);
                    for (int t = 0; t < expect.length; t++) {
                        assertEquals((float) Math.log(Math.max(expect[t], MelSpectrogram.CLAMP_MIN)), log[m][t], 0f);
                    }
                }
            }
        }
    }

    /** Position j of a reflect padding reads the index torch's reflect pad reads. */
    @Test
    void reflectIndexMatchesReflectPad() {
        double[] x = {10, 11, 12, 13, 14, 15};
        for (int pad = 0; pad < x.length; pad++) {
            double[] padded = Stft.reflectPad(x, pad, pad);
            for (int j = 0; j < padded.length; j++) {
                assertEquals(padded[j], x[Stft.reflectIndex(j, x.length, pad)], "pad " + pad + ", j " + j);
            }
        }
        assertEquals(2, Stft.reflectIndex(0, 6, 2));       // [x2, x1 | x0 ...]
        assertEquals(3, Stft.reflectIndex(9, 6, 2));       // [... x5 | x4, x3]
    }
}
