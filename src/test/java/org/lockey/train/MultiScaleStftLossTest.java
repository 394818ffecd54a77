package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.jtransforms.fft.DoubleFFT_1D;
import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.lockey.LockeyException;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The multi-scale STFT loss (graph and plain) against a definition written here from scratch with
 * JTransforms: periodic Hann window, reflect padding of n/2, frames every n/4, |FFT| / sqrt(n).
 */
class MultiScaleStftLossTest {

    /** {mag, log} of one pair, by the class comment's definition, in double. */
    static double[] reference(double[] est, double[] ref, List<Integer> nFfts, double floor) {
        double mag = 0;
        double log = 0;
        for (int n : nFfts) {
            double[][] a = magnitudes(est, n);
            double[][] b = magnitudes(ref, n);
            double sm = 0;
            double sl = 0;
            int count = 0;
            for (int t = 0; t < a.length; t++) {
                for (int f = 0; f < a[t].length; f++) {
                    sm += Math.abs(a[t][f] - b[t][f]);
                    sl += Math.abs(Math.log(a[t][f] + floor) - Math.log(b[t][f] + floor));
                    count++;
                }
            }
            mag += sm / count;
            log += sl / count;
        }
        return new double[] {mag / nFfts.size(), log / nFfts.size()};
    }

    /** [frames][n/2 + 1] magnitudes of torch.stft(x, n, n/4, n, hann(n, periodic), center, reflect, normalized). */
    static double[][] magnitudes(double[] x, int n) {
        int hop = n / 4;
        int pad = n / 2;
        int len = x.length;
        double[] p = new double[len + 2 * pad];
        for (int i = 0; i < p.length; i++) {
            int j = i - pad;
            // reflection without repeating the edge sample: x[-1] = x[1], x[len] = x[len - 2]
            if (j < 0) {
                j = -j;
            } else if (j >= len) {
                j = 2 * (len - 1) - j;
            }
            p[i] = x[j];
        }
        int frames = 1 + (p.length - n) / hop;
        double[][] out = new double[frames][n / 2 + 1];
        DoubleFFT_1D fft = new DoubleFFT_1D(n);
        for (int t = 0; t < frames; t++) {
            double[] buf = new double[2 * n];
            for (int i = 0; i < n; i++) {
                double w = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / n);
                buf[i] = p[t * hop + i] * w;
            }
            fft.realForwardFull(buf);
            for (int f = 0; f <= n / 2; f++) {
                double re = buf[2 * f] / Math.sqrt(n);
                double im = buf[2 * f + 1] / Math.sqrt(n);
                out[t][f] = Math.sqrt(re * re + im * im + MultiScaleStftLoss.POWER_EPS);
            }
        }
        return out;
    }

    static double[][] signals(int b, int length, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[b][length];
        for (double[] row : x) {
            double f = 200 + 3000 * r.nextDouble();
            for (int i = 0; i < length; i++) {
                row[i] = scale * (0.5 * Math.sin(2 * Math.PI * f * i / 32000.0) + 0.3 * (2 * r.nextDouble() - 1));
            }
        }
        return x;
    }

    private static double[] batchReference(double[][] est, double[][] ref, MultiScaleStftLoss loss) {
        double mag = 0;
        double log = 0;
        for (int i = 0; i < est.length; i++) {
            double[] v = reference(est[i], ref[i], loss.nFfts(), loss.floor());
            mag += v[0] / est.length;
            log += v[1] / est.length;
        }
        return new double[] {mag, log};
    }

    private static double[] graph(double[][] est, double[][] ref, MultiScaleStftLoss loss, DataType dt) {
        SameDiff sd = SameDiff.create();
        int len = est[0].length;
        SDVariable e = sd.placeHolder("est", dt, est.length, len);
        SDVariable r = sd.placeHolder("ref", dt, est.length, len);
        MultiScaleStftLoss.Terms t = loss.build(sd, "msl", e, r, len);
        Map<String, INDArray> out = sd.output(Map.of("est", Nd4j.createFromArray(est).castTo(dt), "ref",
                Nd4j.createFromArray(ref).castTo(dt)), t.magnitude().name(), t.logMagnitude().name(), t.total().name());
        double mag = out.get(t.magnitude().name()).getDouble(0);
        double log = out.get(t.logMagnitude().name()).getDouble(0);
        assertEquals(mag + log, out.get(t.total().name()).getDouble(0), 1e-6 * (mag + log), "total = mag + log");
        return new double[] {mag, log};
    }

    @Test
    void graphInDoubleEqualsTheDefinition() {
        MultiScaleStftLoss loss = MultiScaleStftLoss.standard();
        // Awkward length (not a multiple of any hop); the second pair is quieter so that the floor matters.
        double[][] est = signals(2, 4001, 1, 1.0);
        double[][] ref = signals(2, 4001, 2, 1.0);
        for (int i = 0; i < est[1].length; i++) {
            est[1][i] *= 1e-4;
            ref[1][i] *= 1e-4;
        }
        double[] want = batchReference(est, ref, loss);
        double[] got = graph(est, ref, loss, DataType.DOUBLE);
        assertEquals(want[0], got[0], 1e-10 * want[0], "magnitude term");
        assertEquals(want[1], got[1], 1e-10 * want[1], "log-magnitude term");
    }

    @Test
    void graphInFloatIsCloseToTheDefinition() {
        MultiScaleStftLoss loss = MultiScaleStftLoss.standard();
        double[][] est = signals(3, 6400, 3, 0.5);
        double[][] ref = signals(3, 6400, 4, 0.5);
        double[] want = batchReference(est, ref, loss);
        double[] got = graph(est, ref, loss, DataType.FLOAT);
        assertEquals(want[0], got[0], 1e-4 * want[0], "magnitude term");
        assertEquals(want[1], got[1], 1e-4 * want[1], "log-magnitude term");
    }

    @Test
    void plainValueEqualsTheDefinition() {
        MultiScaleStftLoss loss = new MultiScaleStftLoss(List.of(512, 128, 32), 1e-3);
        double[][] est = signals(1, 3333, 5, 0.8);
        double[][] ref = signals(1, 3333, 6, 0.8);
        float[] e = new float[3333];
        float[] r = new float[3333];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) est[0][i];
            r[i] = (float) ref[0][i];
            est[0][i] = e[i];
            ref[0][i] = r[i];
        }
        double[] want = reference(est[0], ref[0], loss.nFfts(), loss.floor());
        double[] got = loss.value(e, r);
        assertEquals(want[0], got[0], 1e-12 * want[0]);
        assertEquals(want[1], got[1], 1e-12 * want[1]);
        double[] same = loss.value(r, r);
        assertEquals(0.0, same[0] + same[1], 0.0, "equal signals have no loss");
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        MultiScaleStftLoss loss = new MultiScaleStftLoss(List.of(32, 8), 1e-3);
        int len = 70;
        SameDiff sd = SameDiff.create();
        double[][] est = signals(2, len, 7, 1.0);
        double[][] ref = signals(2, len, 8, 1.0);
        SDVariable e = sd.var("est", Nd4j.createFromArray(est));
        SDVariable r = sd.placeHolder("ref", DataType.DOUBLE, 2, len);
        MultiScaleStftLoss.Terms t = loss.build(sd, "msl", e, r, len);
        GradCheck.check(sd, t.total().name(), Map.of("ref", Nd4j.createFromArray(ref)), List.of("est"), 40, 1e-6,
                1e-5, 9);
    }

    @Test
    void tooShortSignalsAreRejected() {
        MultiScaleStftLoss loss = MultiScaleStftLoss.standard();
        assertEquals(1025, loss.minLength());
        LockeyException e = assertThrows(LockeyException.class, () -> loss.value(new float[1024], new float[1024]));
        assertTrue(e.getMessage().contains("1025"), e.getMessage());
        assertThrows(LockeyException.class, () -> new MultiScaleStftLoss(List.of(30), 1e-5));
    }
}
