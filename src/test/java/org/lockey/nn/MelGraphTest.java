package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.audio.AudioTestUtil;
import org.lockey.audio.MelConfig;
import org.lockey.audio.MelSpectrogram;
import org.lockey.io.SafeTensors;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import com.fasterxml.jackson.databind.ObjectMapper;

class MelGraphTest {

    /** Golden case hifigan_logmel (hifigan.mel) through the float32 graph, config from the file's metadata. */
    @Test
    void goldenHifiganLogmel() throws Exception {
        SafeTensors st = SafeTensors.read(AudioTestUtil.GOLDEN.resolve("hifigan_logmel.io.safetensors"));
        assertEquals("hifigan.mel", st.metadata().get("component"));
        double tol = Double.parseDouble(st.metadata().get("tolerance"));
        MelConfig cfg = MelConfig.fromJson(new ObjectMapper().readTree(st.metadata().get("config")));
        INDArray audio = st.get("audio").toNd(DataType.FLOAT);                               // [1, L]
        int len = (int) audio.size(1);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("audio", DataType.FLOAT, -1, len);
        new MelGraph(cfg).logMel(sd, "mel", x, len);
        INDArray out = sd.output(Map.of("audio", audio), "mel.log_mel").get("mel.log_mel");
        assertArrayEquals(st.get("mel").shape(), out.shape(), "shape");
        AudioTestUtil.assertGolden("hifigan_logmel/mel (graph, float32)", st.get("mel").toDoubleArray(),
                out.castTo(DataType.DOUBLE).reshape(out.length()).toDoubleVector(), tol);
    }

    /** Property: float32 graph log-mel agrees with the plain MelSpectrogram within 1e-5 * max(1, max|ref|). */
    @Test
    void matchesPlain() {
        qt().withFixedSeed(2024L).withExamples(4)
                .forAll(integers().between(0, 2), integers().between(300, 1200), integers().between(0, 1), longs().all())
                .checkAssert((pick, len, center, seed) -> {
                    int[][] sizes = {{256, 64, 256}, {200, 50, 160}, {128, 32, 100}}; // nFft, hop, win
                    int[] s = sizes[pick];
                    MelConfig cfg = new MelConfig(16000, s[0], 20, s[1], s[2], 40, 7600, center == 1);
                    float[][] x = {AudioTestUtil.noiseF(seed, len, 0.3), AudioTestUtil.noiseF(seed + 1, len, 0.01)};
                    SameDiff sd = SameDiff.create();
                    SDVariable in = sd.placeHolder("x", DataType.FLOAT, -1, len);
                    new MelGraph(cfg).logMel(sd, "m", in, len);
                    INDArray out = sd.output(Map.of("x", Nd4j.createFromArray(x)), "m.log_mel").get("m.log_mel");
                    MelSpectrogram plain = new MelSpectrogram(cfg);
                    for (int b = 0; b < 2; b++) {
                        float[][] ref = plain.apply(x[b]);
                        assertEquals(ref[0].length, out.size(2), "frames");
                        double[] got = out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b)).castTo(DataType.DOUBLE)
                                .reshape(out.size(1) * out.size(2)).toDoubleVector();
                        double[] r = AudioTestUtil.flatten(ref);
                        double maxRef = 0;
                        for (double v : r) {
                            maxRef = Math.max(maxRef, Math.abs(v));
                        }
                        double e = AudioTestUtil.maxAbsDiff(r, got) / Math.max(1, maxRef);
                        assertTrue(e < 1e-5, cfg + " L=" + len + " item " + b + ": scaled error " + e);
                    }
                });
    }

    /**
     * d sum(w * logmel(x)) / dx matches central finite differences in double precision (batch 1,
     * probes at both edges where the reflect padding mirrors samples).
     */
    @Test
    void logMelGradient() {
        MelConfig cfg = new MelConfig(8000, 64, 12, 16, 48, 50, 3500, false);
        int len = 200;
        MelGraph g = new MelGraph(cfg);
        GraphTestUtil.checkGradient("log-mel", Map.of("x", GraphTestUtil.gaussian(12, 0.3, 1, len)), "x",
                sd -> g.logMel(sd, "m", sd.getVariable("x"), len),
                13, new long[] {0, 1, 2, 23, 24, len - 25, len - 2, len - 1}, 16, 1e-4);
    }
}
