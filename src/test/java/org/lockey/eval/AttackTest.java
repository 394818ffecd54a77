package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.io.Tensor;
import org.lockey.metric.BitAccuracy;
import org.lockey.metric.Sdr;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.lockey.KeyedGenerator;
import org.lockey.model.lockey.KeyedHifiGan;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@link Attack} on a tiny untrained keyed HiFi-GAN with the shipped 22.05 kHz watermark model: std 0
 * reproduces the Table II measurement computed here independently, the run is reproducible, and the noise
 * lowers the SDR against the unperturbed output. Every test builds its own system, registry and data
 * ({@link Setup#fresh}) and runs its own attack, so each passes or fails on its own.
 */
class AttackTest {
    static final HifiGanConfig GEN = HifiGanConfig.generator(HifiGanConfig.ResBlockKind.TWO, List.of(8, 8, 2, 2),
            List.of(16, 16, 4, 4), 16, List.of(3), List.of(List.of(1, 2)));
    static final KeyConfig KEY = new KeyConfig(16, 4, 6, 8);

    static KeyedHifiGan tinyKeyed() {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.fresh(sd, 4);
        KeyedGenerator.hifiGan(GEN, KEY, 0).build(root, sd.placeHolder("mel", DataType.FLOAT, -1, 80, -1),
                sd.placeHolder("key_bits", DataType.INT64, -1, KEY.keyBits()));
        Map<String, Tensor> w = new LinkedHashMap<>();
        sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .forEach(v -> w.put(v.name(), Tensor.of(v.name(), v.getArr())));
        return KeyedHifiGan.of(GEN, KEY, 0, w, "test");
    }

    /** What one attack needs: the keyed system, the key registry, the speech clips and the watermark's SDR. */
    record Setup(WatermarkModel wm, KeyedSystem sys, KeyRegistry registry, AudioDataset data, double sdrDb) {
        /** Everything built afresh (same seeds, so every test sees the same figures). */
        static Setup fresh() {
            WatermarkModel wm = WatermarkModel.load(Path.of("reference-data/models/watermark-22k"));
            return new Setup(wm, new KeyedSystem.HifiGanSystem(tinyKeyed(), HifiGan.random(GEN, 2), wm),
                    KeyRegistry.create("t", 16, 5, 11),
                    AudioDataset.load(Path.of("reference-data/speech"), "test", 22050),
                    wm.silentCipher().config().messageSdr());
        }

        /** The attack on 1 clip and 2 keys with noise seed 5. */
        Attack.Result run(List<Double> stds) {
            return Attack.run(sys, registry, data, 1, 2, stds, sdrDb, 5);
        }
    }

    @Test
    void zeroStdIsTableTwo() {
        Setup s = Setup.fresh();
        Attack.Result r = s.run(List.of(0.0));

        assertEquals(1, r.points().size());
        assertEquals(1, r.clips());
        assertEquals(2, r.keys());
        // conv_pre, 4 ups, 4 stages x 1 ResBlock2 x 2 convs, conv_post.
        assertEquals(1 + 4 + 4 * 2 + 1, r.layers());

        // std 0: Table II's SDR_valid and clean bit accuracy, computed here from the plain model.
        float[] clip = s.data().clip(0);
        float[] y0 = s.sys().teacher(clip);
        double sdr = 0;
        double acc = 0;
        for (Key k : s.registry().validKeys().subList(0, 2)) {
            float[] y = s.sys().generate(clip, k);
            sdr += Sdr.db(s.wm().silentCipher().embed(y0, k.bitFlags(), s.sdrDb()).watermarked(), y) / 2;
            acc += BitAccuracy.aligned(s.wm().silentCipher().decode(y).frameClasses(), k.bitFlags(), 0) / 2;
        }
        Attack.Point p0 = r.points().get(0);
        assertEquals(sdr, p0.sdr()[1], 1e-9);
        assertEquals(acc, p0.accuracy()[1], 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, p0.sdrUnperturbed());
    }

    @Test
    void noiseLowersTheSdrAgainstTheUnperturbedOutput() {
        Attack.Result r = Setup.fresh().run(List.of(1e-4, 1e-1));
        Attack.Point small = r.points().get(0);
        Attack.Point large = r.points().get(1);
        assertTrue(Double.isFinite(small.sdrUnperturbed()));
        assertTrue(small.sdrUnperturbed() > large.sdrUnperturbed() + 20,
                small.sdrUnperturbed() + " dB at std 1e-4, " + large.sdrUnperturbed() + " dB at 0.1");
        for (Attack.Point p : r.points()) {
            assertTrue(p.sdr()[0] <= p.sdr()[1] && p.sdr()[1] <= p.sdr()[2], p.toString());
            assertTrue(p.accuracy()[0] >= 0 && p.accuracy()[2] <= 1, p.toString());
        }
    }

    @Test
    void theSameSeedGivesTheSameFigures() {
        List<Double> stds = List.of(0.0, 1e-2);
        Attack.Result r = Setup.fresh().run(stds);
        Attack.Result again = Setup.fresh().run(stds);
        for (int i = 0; i < stds.size(); i++) {
            assertArrayEquals(r.points().get(i).sdr(), again.points().get(i).sdr());
            assertArrayEquals(r.points().get(i).accuracy(), again.points().get(i).accuracy());
        }
    }

    @Test
    void tableAndPlotShowTheRun(@TempDir Path tmp) throws Exception {
        Attack.Result r = Setup.fresh().run(List.of(0.0, 1e-4));
        ResultTable t = Attack.table("HiFi-GAN", r);
        assertEquals(2, t.rows().size());
        assertEquals("0.0001", t.rows().get(1).get(1));
        assertEquals(r.points().get(1).accuracy()[1], t.value(1, "Mean bit acc."), 0);
        Attack.plot(tmp.resolve("attack.png"), "test", r);
        assertTrue(Files.size(tmp.resolve("attack.png")) > 1000);
    }

    @Test
    void aNegativeStdIsRefused() {
        Setup s = Setup.fresh();
        assertThrows(LockeyException.class, () -> Attack.run(s.sys(), s.registry(), s.data(), 1, 1, List.of(-1e-3),
                s.sdrDb(), 5));
    }
}
