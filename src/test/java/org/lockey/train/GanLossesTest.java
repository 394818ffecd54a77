package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.lockey.audio.MelSpectrogram;
import org.lockey.model.hifigan.HifiGanConfig;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** HiFi-GAN's loss terms (paper Eq. 1-3, upstream models.py / train.py) against values worked out here. */
class GanLossesTest {

    @Test
    void lsganTermsAreMeansOverEachScoreSummedOverSubDiscriminators() {
        double[][] r1 = {{0.5, 1.5}, {1.0, 0.0}};                                          // [B=2, N=2]
        double[][] r2 = {{2.0, -1.0, 0.0}};                                                 // [B=1, N=3]
        double[][] g1 = {{0.2, -0.4}, {0.0, 1.0}};
        double[][] g2 = {{0.5, 0.5, -2.0}};
        SameDiff sd = SameDiff.create();
        List<SDVariable> real = List.of(sd.constant(Nd4j.createFromArray(r1)), sd.constant(Nd4j.createFromArray(r2)));
        List<SDVariable> gen = List.of(sd.constant(Nd4j.createFromArray(g1)), sd.constant(Nd4j.createFromArray(g2)));
        // D: mean((1-r)^2) + mean(g^2) per sub-discriminator.
        double d1 = (0.25 + 0.25 + 0 + 1) / 4 + (0.04 + 0.16 + 0 + 1) / 4;
        double d2 = (1 + 4 + 1) / 3.0 + (0.25 + 0.25 + 4) / 3.0;
        assertEquals(d1 + d2, AdversarialLoss.discriminator(sd, real, gen).eval().getDouble(0), 1e-12);
        // G: mean((1-g)^2).
        double gl = (0.64 + 1.96 + 1 + 0) / 4 + (0.25 + 0.25 + 9) / 3.0;
        assertEquals(gl, AdversarialLoss.generator(sd, gen).eval().getDouble(0), 1e-12);
    }

    @Test
    void featureMatchingIsTwiceTheSumOfMeanAbsoluteDifferences() {
        SameDiff sd = SameDiff.create();
        var a = sd.constant(Nd4j.createFromArray(new double[][][] {{{1, 2}, {3, 4}}}));       // [1, 2, 2]
        var b = sd.constant(Nd4j.createFromArray(new double[][][] {{{0, 2}, {5, 4}}}));
        var c = sd.constant(Nd4j.createFromArray(new double[][] {{1, -1, 0}}));              // [1, 3]
        var d = sd.constant(Nd4j.createFromArray(new double[][] {{0, 0, 0}}));
        var e = sd.constant(Nd4j.createFromArray(new double[][][][] {{{{2}}}}));             // [1, 1, 1, 1]
        var f = sd.constant(Nd4j.createFromArray(new double[][][][] {{{{-1}}}}));
        double want = 2 * ((1 + 0 + 2 + 0) / 4.0 + (1 + 1 + 0) / 3.0 + 3);
        assertEquals(want, FeatureMatchingLoss.of(sd, List.of(List.of(a, c), List.of(e)), List.of(List.of(b, d), List.of(f)))
                .eval().getDouble(0), 1e-12);
    }

    @Test
    void melLossIsTheMeanAbsoluteLogMelDifferenceUpToNyquist() {
        HifiGanConfig config = HifiGanConfig.v1();
        MelLoss loss = new MelLoss(config.lossMelConfig());
        assertEquals(config.mel().samplingRate() / 2.0, loss.config().fmax(), 0, "fmax_for_loss null means Nyquist");
        int len = 2048;
        float[] target = new float[len];
        float[] audio = new float[len];
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < len; i++) {
            target[i] = (float) (0.5 * Math.sin(i * 0.05) + 0.05 * r.nextGaussian());
            audio[i] = (float) (0.3 * Math.sin(i * 0.07) + 0.05 * r.nextGaussian());
        }
        MelSpectrogram plain = new MelSpectrogram(config.lossMelConfig());
        float[][] mt = plain.apply(target);
        float[][] ma = plain.apply(audio);
        double sum = 0;
        for (int m = 0; m < mt.length; m++) {
            for (int t = 0; t < mt[m].length; t++) {
                sum += Math.abs(mt[m][t] - ma[m][t]);
            }
        }
        double want = sum / (mt.length * mt[0].length);
        SameDiff sd = SameDiff.create();
        float[][][] tm = {mt};
        SDVariable got = loss.l1(sd, "mel", sd.constant(Nd4j.createFromArray(tm)),
                sd.constant(Nd4j.createFromArray(audio).reshape(1, 1, len).castTo(DataType.FLOAT)), len);
        assertEquals(want, got.eval().getDouble(0), 1e-4 * want);
        assertEquals(45.0, MelLoss.WEIGHT);
        assertEquals(2.0, FeatureMatchingLoss.WEIGHT);
    }
}
