package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.audio.Spectrum;
import org.lockey.audio.Stft;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Each loss term of Eq. 1-4 against values computed by hand in this test. */
class LossTermsTest {

    private static double ce(double[] logits, int target) {
        double m = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            m = Math.max(m, l);
        }
        double s = 0;
        for (double l : logits) {
            s += Math.exp(l - m);
        }
        return -(logits[target] - m - Math.log(s));
    }

    @Test
    void watermarkLossIsTheFrameMeanOfCrossEntropy() {
        double[][][] logits = {{{2.0, -1.0, 0.5}, {0.1, 0.3, -0.2}, {-3.0, 1.0, 4.0}}};   // [1, C=3, T=3]
        long[][] symbols = {{0, 2, 1}};
        SameDiff sd = SameDiff.create();
        SDVariable l = sd.constant(Nd4j.createFromArray(logits));
        SDVariable s = sd.constant(Nd4j.createFromArray(symbols));
        INDArray got = WatermarkLoss.perExample(sd, l, s, 3).eval();
        double want = 0;
        for (int t = 0; t < 3; t++) {
            double[] col = {logits[0][0][t], logits[0][1][t], logits[0][2][t]};
            want += ce(col, (int) symbols[0][t]) / 3;
        }
        assertEquals(want, got.getDouble(0), 1e-12);
    }

    @Test
    void invalidKeyLossClipsAtMinusTau() {
        SameDiff sd = SameDiff.create();
        SDVariable mse = sd.constant(Nd4j.createFromArray(0.001, 0.004, 0.02));
        INDArray got = InvalidKeyLoss.perExample(sd, mse, sd.constant(Nd4j.createFromArray(0.005))).eval();
        assertEquals(-0.001, got.getDouble(0), 1e-15);
        assertEquals(-0.004, got.getDouble(1), 1e-15);
        assertEquals(-0.005, got.getDouble(2), 1e-15, "clipped: no further push once the MSE reached tau");
    }

    @Test
    void keyShapeLossShrinksValidVectorsAndGrowsInvalidOnesToUnitRms() {
        float[][] vectors = {{0.1f, -0.2f, 0.3f, 0f}, {0.5f, 0.5f, -0.5f, 0.5f}, {2f, 0f, -1f, 1f}, {0.1f, 0.1f, 0f, 0f}};
        long[] valid = {1, 0, 0, 1};
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.constant(Nd4j.createFromArray(vectors));
        SDVariable flags = sd.constant(Nd4j.createFromArray(valid));
        double[] got = KeyShapeLoss.perExample(sd, v, flags).eval().toDoubleVector();
        for (int b = 0; b < vectors.length; b++) {
            double ms = 0;
            for (float x : vectors[b]) {
                ms += x * (double) x / vectors[b].length;
            }
            double want = valid[b] == 1 ? ms : Math.max(0, 1 - ms);
            assertEquals(want, got[b], 1e-6, "example " + b);
        }
        assertEquals(0.75, got[1], 1e-6, "an invalid vector of RMS 0.5 is 0.75 short of unit mean square");
        assertEquals(0, got[2], 0, "an invalid vector above unit RMS costs nothing");
    }

    @Test
    void verificationLossTargetsClassZeroForValidKeys() {
        double[][] logits = {{1.5, -0.5}, {0.2, 0.9}};
        SameDiff sd = SameDiff.create();
        INDArray got = VerificationLoss.perExample(sd, sd.constant(Nd4j.createFromArray(logits)),
                sd.constant(Nd4j.createFromArray(1L, 0L))).eval();
        assertEquals(ce(logits[0], 0), got.getDouble(0), 1e-12);
        assertEquals(ce(logits[1], 1), got.getDouble(1), 1e-12);
    }

    @Test
    void perceptualLossIsThePerExampleMeanSquare() {
        double[][][] a = {{{1, 2, 3, 4}}, {{0, 0, 0, 0}}};
        double[][][] t = {{{1, 0, 3, 0}}, {{1, 1, 1, 1}}};
        SameDiff sd = SameDiff.create();
        INDArray got = PerceptualLoss.perExample(sd.constant(Nd4j.createFromArray(a)),
                sd.constant(Nd4j.createFromArray(t))).eval();
        assertEquals((4 + 16) / 4.0, got.getDouble(0), 1e-12);
        assertEquals(1.0, got.getDouble(1), 1e-12);
    }

    /** The graph log-magnitude equals log(max(|torch.stft normalized|, floor)) computed with the plain STFT. */
    @Test
    void spectralLossMatchesThePlainStft() {
        SpectralLoss loss = new SpectralLoss(256, 64, 1e-5);
        int n = 1000;
        qt().withFixedSeed(21).withExamples(3).forAll(longs().all()).checkAssert(seed -> {
            java.util.Random r = new java.util.Random(seed);
            double[] a = new double[n];
            double[] t = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = 0.3 * r.nextGaussian();
                t[i] = i % 3 == 0 ? 0 : 0.2 * r.nextGaussian();
            }
            Stft stft = new Stft(loss.stft());
            Spectrum sa = stft.forward(a);
            Spectrum st = stft.forward(t);
            double sum = 0;
            int count = 0;
            for (int f = 0; f < sa.bins(); f++) {
                for (int k = 0; k < sa.frames(); k++) {
                    double la = Math.log(Math.max(Math.hypot(sa.re()[f][k], sa.im()[f][k]), 1e-5));
                    double lt = Math.log(Math.max(Math.hypot(st.re()[f][k], st.im()[f][k]), 1e-5));
                    sum += (la - lt) * (la - lt);
                    count++;
                }
            }
            SameDiff sd = SameDiff.create();
            INDArray got = loss.perExample(sd, "s", sd.constant(Nd4j.createFromArray(a).reshape(1, 1, n)),
                    sd.constant(Nd4j.createFromArray(t).reshape(1, 1, n)), n).eval();
            assertEquals(sum / count, got.getDouble(0), 1e-9 * Math.max(1, sum / count));
        });
    }

    @Test
    void totalFollowsEquationFour() {
        // Two examples: one valid (terms weighted by lambdas), one invalid (clipped MSE only); both with CE_verify.
        SameDiff sd = SameDiff.create();
        int n = 2048;
        double[][][] audio = new double[2][1][n];
        double[][][] teacher = new double[2][1][n];
        java.util.Random r = new java.util.Random(3);
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < n; i++) {
                teacher[b][0][i] = 0.2 * r.nextGaussian();
                audio[b][0][i] = teacher[b][0][i] + 0.05 * r.nextGaussian();
            }
        }
        double[][][] logits = new double[2][5][4];
        long[][] symbols = {{1, 2, 3, 0}, {4, 4, 0, 1}};
        for (double[][] x : logits) {
            for (double[] row : x) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = r.nextGaussian();
                }
            }
        }
        double[][] vlogits = {{0.3, -0.1}, {-0.4, 0.8}};
        LockeyLoss.Lambdas lambdas = new LockeyLoss.Lambdas(0.5, 2.0, 0.25, 3.0);
        LockeyLoss.Terms t = LockeyLoss.build(sd, "L", sd.constant(Nd4j.createFromArray(audio)),
                sd.constant(Nd4j.createFromArray(teacher)), sd.constant(Nd4j.createFromArray(logits)),
                sd.constant(Nd4j.createFromArray(symbols)), 5, sd.constant(Nd4j.createFromArray(1L, 0L)),
                sd.constant(Nd4j.createFromArray(vlogits)), sd.constant(Nd4j.createFromArray(0.001)), n,
                SpectralLoss.paper(), lambdas);
        Map<String, INDArray> out = sd.output(Map.of(), t.ceWm().name(), t.mse().name(), t.mseLogmag().name(),
                t.invalid().name(), t.ceVerify().name(), t.total().name());
        double ceWm0 = out.get(t.ceWm().name()).getDouble(0);
        double mse0 = out.get(t.mse().name()).getDouble(0);
        double mseLog0 = out.get(t.mseLogmag().name()).getDouble(0);
        double mse1 = out.get(t.mse().name()).getDouble(1);
        double ceV0 = ce(vlogits[0], 0);
        double ceV1 = ce(vlogits[1], 1);
        assertTrue(mse1 > 0.001, "the invalid example's MSE exceeds tau, so its term is clipped");
        double want = ((0.5 * ceWm0 + 2.0 * mse0 + 0.25 * mseLog0 + 3.0 * ceV0) + (-0.001 + 3.0 * ceV1)) / 2;
        assertEquals(want, out.get(t.total().name()).getDouble(0), 1e-9);
        assertEquals(-0.001, out.get(t.invalid().name()).getDouble(1), 1e-15);
    }

    @Test
    void curriculumDoublesEveryPeriodAndIsMonotone() {
        Curriculum c = Curriculum.paper();
        assertEquals(0.005, c.tau(0));
        assertEquals(0.005, c.tau(4999));
        assertEquals(0.01, c.tau(5000));
        assertEquals(0.04, c.tau(10000 + 5000), 1e-15);
        qt().withFixedSeed(2).forAll(integers().between(0, 1_000_000), integers().between(0, 100_000))
                .checkAssert((s, d) -> assertTrue(c.tau(s + d) >= c.tau(s)));
        assertEquals(0.02, new Curriculum(0.005, 10, 0.02).tau(1000), "capped");
    }
}
