package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.lockey.audio.Spectrum;
import org.lockey.audio.Stft;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The relative invalid-key bound ({@link InvalidBound.Relative}): its value and its gradient with respect to the
 * generated audio against a plain double-precision computation written here from the formula of the docs
 * (JTransforms STFT, central finite differences), in the regimes that matter: pushing, clipped, and with the
 * level and DC guard active.
 */
class InvalidBoundTest {
    static final int N = 200;
    static final SpectralLoss SPECTRAL = new SpectralLoss(64, 16, 1e-5);
    static final InvalidBound.Relative BOUND = new InvalidBound.Relative(0, 0.5);

    /** The formula of docs/lockey.md, computed independently of the graph. */
    static double reference(double[] g, double[] y0, InvalidBound.Relative bound) {
        double p = 0;
        double mse = 0;
        double out = 0;
        double mean = 0;
        for (int i = 0; i < g.length; i++) {
            p += y0[i] * y0[i] / g.length;
            mse += (g[i] - y0[i]) * (g[i] - y0[i]) / g.length;
            out += g[i] * g[i] / g.length;
            mean += g[i] / g.length;
        }
        p += InvalidBound.Relative.POWER_EPS;
        out += InvalidBound.Relative.POWER_EPS;
        double wave = Math.max(-mse / p, -Math.pow(10, -bound.targetSdrDb() / 10));
        double spectral = Math.max(-logmagMse(g, y0), -bound.logmagBound());
        double q = 0.5 * Math.log(out / p);
        double excess = Math.max(0, Math.abs(q) - Math.log(2));
        return wave + spectral + excess * excess + mean * mean / p;
    }

    static double logmagMse(double[] a, double[] b) {
        Stft stft = new Stft(SPECTRAL.stft());
        Spectrum sa = stft.forward(a);
        Spectrum sb = stft.forward(b);
        double sum = 0;
        int count = 0;
        for (int f = 0; f < sa.bins(); f++) {
            for (int k = 0; k < sa.frames(); k++) {
                double la = Math.log(Math.max(Math.hypot(sa.re()[f][k], sa.im()[f][k]), SPECTRAL.floor()));
                double lb = Math.log(Math.max(Math.hypot(sb.re()[f][k], sb.im()[f][k]), SPECTRAL.floor()));
                sum += (la - lb) * (la - lb);
                count++;
            }
        }
        return sum / count;
    }

    /** The graph's value and gradient with respect to the audio, in double precision. */
    static double[][] graph(double[] g, double[] y0, InvalidBound.Relative bound) {
        SameDiff sd = SameDiff.create();
        SDVariable audio = sd.var("audio", Nd4j.createFromArray(g).reshape(1, 1, N));
        SDVariable teacher = sd.constant("teacher", Nd4j.createFromArray(y0).reshape(1, 1, N));
        SDVariable mse = PerceptualLoss.perExample(audio, teacher);
        SDVariable logmag = SPECTRAL.perExample(sd, "s", audio, teacher, N);
        SDVariable loss = InvalidKeyLoss.relative(sd, bound, audio, PerceptualLoss.power(teacher), mse, logmag).sum();
        sd.setLossVariables(loss);
        double value = loss.eval().getDouble(0);
        INDArray grad = sd.calculateGradients(Map.of(), "audio").get("audio");
        return new double[][] {{value}, grad.reshape(-1).toDoubleVector()};
    }

    static double[] speech(Random r, double level) {
        double[] x = new double[N];
        for (int i = 0; i < N; i++) {
            x[i] = level * (Math.sin(0.07 * i) + 0.5 * Math.sin(0.31 * i + 1)) + 0.01 * level * r.nextGaussian();
        }
        return x;
    }

    private static void check(double[] g, double[] y0, String regime) {
        double[][] got = graph(g, y0, BOUND);
        double want = reference(g, y0, BOUND);
        assertEquals(want, got[0][0], 1e-9 * Math.max(1, Math.abs(want)), regime + ": value");
        double h = 1e-6;
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < N; i += 7) {
            double[] plus = g.clone();
            double[] minus = g.clone();
            plus[i] += h;
            minus[i] -= h;
            double fd = (reference(plus, y0, BOUND) - reference(minus, y0, BOUND)) / (2 * h);
            worst = Math.max(worst, Math.abs(fd - got[1][i]));
            scale = Math.max(scale, Math.abs(fd));
        }
        assertTrue(worst <= 1e-5 * Math.max(scale, 1e-3), regime + ": gradient off by " + worst + " (scale " + scale + ")");
    }

    @Test
    void nearTheTeacherTheWaveformAndSpectralTermsPushAway() {
        Random r = new Random(3);
        double[] y0 = speech(r, 0.1);
        double[] g = y0.clone();
        for (int i = 0; i < N; i++) {
            g[i] += 0.02 * r.nextGaussian();
        }
        check(g, y0, "pushing");
        // pushing: r = MSE / P below 1 (SDR above 0 dB), so the waveform term is -r, not the bound
        double v = reference(g, y0, BOUND);
        assertTrue(v > -1 - BOUND.logmagBound(), "not yet at the bound: " + v);
    }

    @Test
    void pastTheBoundOnlyTheGuardRemains() {
        Random r = new Random(5);
        double[] y0 = speech(r, 0.1);
        double[] g = new double[N];
        double mean = 0;
        for (int i = 0; i < N; i++) {
            g[i] = r.nextGaussian();                  // uncorrelated: SDR about -3 dB, spectrum far off
            mean += g[i] / N;
        }
        double power = 0;
        double teacherPower = 0;
        for (int i = 0; i < N; i++) {
            g[i] -= mean;                             // no DC
            power += g[i] * g[i];
            teacherPower += y0[i] * y0[i];
        }
        for (int i = 0; i < N; i++) {
            g[i] *= Math.sqrt(teacherPower / power);  // the teacher's level
        }
        double[][] got = graph(g, y0, BOUND);
        assertEquals(-1 - BOUND.logmagBound(), got[0][0], 1e-9, "both pushes clipped, guard at zero");
        double norm = 0;
        for (double d : got[1]) {
            norm = Math.max(norm, Math.abs(d));
        }
        assertEquals(0, norm, 1e-12, "no gradient once both bounds are met and the level is in range");
        check(g, y0, "clipped");
    }

    @Test
    void aRailedOrOffsetOutputIsPulledBack() {
        Random r = new Random(7);
        double[] y0 = speech(r, 0.05);
        double[] g = new double[N];
        for (int i = 0; i < N; i++) {
            g[i] = -0.9 + 0.05 * r.nextGaussian();    // the failure of the paper's bound: a DC offset near the rail
        }
        double v = reference(g, y0, BOUND);
        assertTrue(v > 0, "the guard outweighs the clipped pushes: " + v);
        check(g, y0, "guard");
        double[][] got = graph(g, y0, BOUND);
        double mean = 0;
        for (double d : got[1]) {
            mean += d / N;
        }
        assertTrue(mean < 0, "descending the gradient raises the offset towards 0");
    }

    @Test
    void theSignFlipThatFoolsAWaveformBoundStillPaysTheSpectralTerm() {
        Random r = new Random(9);
        double[] y0 = speech(r, 0.1);
        double[] flipped = new double[N];
        for (int i = 0; i < N; i++) {
            flipped[i] = -y0[i];
        }
        double p = InvalidBound.Relative.POWER_EPS;
        double mean = 0;
        for (int i = 0; i < N; i++) {
            p += y0[i] * y0[i] / N;
            mean -= y0[i] / N;
        }
        double v = reference(flipped, y0, BOUND);
        assertEquals(-1 + mean * mean / p, v, 1e-9,
                "waveform term clipped at -1 (SDR -6 dB), spectral term 0 (-y0 sounds like y0), the DC guard");
        assertEquals(v, graph(flipped, y0, BOUND)[0][0], 1e-9);
    }

    @Test
    void theBoundIsTheTargetSdr() {
        assertEquals(1.0, new InvalidBound.Relative(0, 1).mseRatioBound(), 1e-15);
        assertEquals(0.5011872336272722, new InvalidBound.Relative(3, 1).mseRatioBound(), 1e-15);
        assertEquals(10.0, new InvalidBound.Relative(-10, 1).mseRatioBound(), 1e-12);
    }

    @Test
    void theDoubleGraphAgreesWithFloatTraining() {
        // the training graph runs in float32: same value to float precision
        Random r = new Random(11);
        double[] y0 = speech(r, 0.1);
        double[] g = speech(r, 0.08);
        SameDiff sd = SameDiff.create();
        SDVariable audio = sd.constant(Nd4j.createFromArray(g).reshape(1, 1, N).castTo(DataType.FLOAT));
        SDVariable teacher = sd.constant(Nd4j.createFromArray(y0).reshape(1, 1, N).castTo(DataType.FLOAT));
        double got = InvalidKeyLoss.relative(sd, BOUND, audio, PerceptualLoss.power(teacher), PerceptualLoss.perExample(audio, teacher),
                SPECTRAL.perExample(sd, "s", audio, teacher, N)).eval().getDouble(0);
        assertEquals(reference(g, y0, BOUND), got, 1e-4);
    }
}
