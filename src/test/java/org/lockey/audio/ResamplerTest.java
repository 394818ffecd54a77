package org.lockey.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import org.junit.jupiter.api.Test;

/**
 * Measures the resampler: the complex gain of every polyphase phase on dense frequency grids
 * (design-level), and sines through {@link Resampler#apply} (end to end). The printed numbers are
 * the ones quoted in the Resampler Javadoc and docs/audio.md.
 */
class ResamplerTest {
    /** from, to pairs covering down- and upsampling, small and large reduced ratios. */
    static final int[][] RATIOS = {{48000, 22050}, {44100, 32000}, {22050, 16000}, {16000, 22050}, {44100, 48000}};

    /** dB of a linear magnitude. */
    static double db(double x) {
        return 20 * Math.log10(x);
    }

    /**
     * Per phase p and input frequency f (cycles per input sample), output samples of that phase are
     * e^{2 pi i f t} G_p(f): so G_p(f) ~ 1 in the passband and ~ 0 in the stopband for every phase
     * is the whole specification (images and aliases included).
     */
    @Test
    void designPassbandRippleAndStopbandAttenuation() {
        for (int[] r : RATIOS) {
            Resampler rs = new Resampler(r[0], r[1]);
            double stop = 0.5 * Math.min(1.0, (double) r[1] / r[0]);
            double pass = Resampler.DEFAULT_ROLLOFF * stop;
            double[] passF = new double[201];
            for (int i = 0; i < passF.length; i++) {
                passF[i] = pass * i / (passF.length - 1);
            }
            double[] stopF = new double[stop < 0.5 ? 1201 : 0];
            for (int i = 0; i < stopF.length; i++) {
                stopF[i] = stop + (0.5 - stop) * i / (stopF.length - 1);
            }
            double worstRippleDb = 0;
            double worstError = 0;
            double worstStop = 0;
            for (int p = 0; p < rs.up(); p++) {
                for (double[] g : rs.phaseGains(p, passF)) {
                    worstRippleDb = Math.max(worstRippleDb, Math.abs(db(Math.hypot(g[0], g[1]))));
                    worstError = Math.max(worstError, Math.hypot(g[0] - 1, g[1]));
                }
                for (double[] g : rs.phaseGains(p, stopF)) {
                    worstStop = Math.max(worstStop, Math.hypot(g[0], g[1]));
                }
            }
            String what = String.format("%d->%d (up %d, down %d, half-width %.1f, beta %.3f): passband |dB| <= %.5f,"
                    + " |G-1| <= %.1f dB, stopband <= %.1f dB", r[0], r[1], rs.up(), rs.down(), rs.halfWidth(),
                    rs.kaiserBeta(), worstRippleDb, db(worstError), stop < 0.5 ? db(worstStop) : Double.NaN);
            System.out.println("[resampler design] " + what);
            assertTrue(worstRippleDb < 0.1, what);
            assertTrue(db(worstError) < -80, what);
            if (stop < 0.5) {
                assertTrue(db(worstStop) < -80, what);
            }
        }
    }

    /** Least-squares amplitude of a sine of known frequency (cos and sin terms) over y[a..b). */
    static double fitAmplitude(float[] y, double omega, int a, int b) {
        double scc = 0;
        double sss = 0;
        double scs = 0;
        double syc = 0;
        double sys = 0;
        for (int n = a; n < b; n++) {
            double c = Math.cos(omega * n);
            double s = Math.sin(omega * n);
            scc += c * c;
            sss += s * s;
            scs += c * s;
            syc += y[n] * c;
            sys += y[n] * s;
        }
        double det = scc * sss - scs * scs;
        double ca = (syc * sss - sys * scs) / det;
        double sa = (sys * scc - syc * scs) / det;
        return Math.hypot(ca, sa);
    }

    /**
     * End to end: passband sines keep their amplitude (+-0.1 dB) and phase (output sample n equals
     * the sine at time n / to: zero delay), away from the edges.
     */
    @Test
    void passbandSinesKeepAmplitudeAndPhase() {
        for (int[] r : RATIOS) {
            int from = r[0];
            int to = r[1];
            Resampler rs = new Resampler(from, to);
            double nyq = Math.min(from, to) / 2.0;
            int len = from / 4;
            int margin = (int) Math.ceil((rs.halfWidth() + 2) * to / from);
            double worstDb = 0;
            double worstErr = 0;
            for (double frac : new double[] {0.01, 0.2, 0.5, 0.8, 0.9, 0.94}) {
                double hz = frac * nyq;
                double amp = 0.5;
                float[] x = new float[len];
                for (int k = 0; k < len; k++) {
                    x[k] = (float) (amp * Math.sin(2 * Math.PI * hz * k / from + 0.3));
                }
                float[] y = rs.apply(x);
                assertEquals((int) Math.ceil((double) len * to / from), y.length);
                int a = margin;
                int b = y.length - margin;
                double gainDb = db(fitAmplitude(y, 2 * Math.PI * hz / to, a, b) / amp);
                worstDb = Math.max(worstDb, Math.abs(gainDb));
                for (int n = a; n < b; n++) {
                    double expect = amp * Math.sin(2 * Math.PI * hz * n / to + 0.3);
                    worstErr = Math.max(worstErr, Math.abs(y[n] - expect) / amp);
                }
            }
            String what = String.format("%d->%d: passband sine gain |dB| <= %.5f, max |y - ideal| = %.1f dB re amplitude",
                    from, to, worstDb, db(worstErr));
            System.out.println("[resampler sines] " + what);
            assertTrue(worstDb < 0.1, what);
            assertTrue(db(worstErr) < -70, what);
        }
    }

    /** End to end: sines between the new Nyquist and the old one are removed (>= 60 dB down; measured ~85). */
    @Test
    void contentAboveNewNyquistIsRemoved() {
        for (int[] r : RATIOS) {
            int from = r[0];
            int to = r[1];
            if (to >= from) {
                continue;
            }
            Resampler rs = new Resampler(from, to);
            int len = from / 4;
            int margin = (int) Math.ceil((rs.halfWidth() + 2) * to / from);
            double worst = 0;
            for (double hz = to / 2.0; hz < from / 2.0; hz += (from - to) / 2.0 / 37) {
                float[] x = new float[len];
                for (int k = 0; k < len; k++) {
                    x[k] = (float) Math.sin(2 * Math.PI * hz * k / from + 1.0);
                }
                float[] y = rs.apply(x);
                double s = 0;
                for (int n = margin; n < y.length - margin; n++) {
                    s += y[n] * y[n];
                }
                double rms = Math.sqrt(s / (y.length - 2 * margin));
                worst = Math.max(worst, rms / Math.sqrt(0.5));
            }
            String what = String.format("%d->%d: content above %d Hz comes out at <= %.1f dB", from, to, to / 2, db(worst));
            System.out.println("[resampler stopband] " + what);
            assertTrue(db(worst) < -60, what);
        }
    }

    /** Equal rates return an exact copy. */
    @Test
    void identityRatioReturnsInput() {
        float[] x = AudioTestUtil.noiseF(1, 1001, 0.3);
        float[] y = Resampler.resample(x, 22050, 22050);
        assertArrayEquals(x, y);
        assertNotSame(x, y);
        Audio a = new Audio(new float[][] {x, x}, 16000);
        assertArrayEquals(x, Resampler.resample(a, 16000).channels()[1]);
    }

    /** Property: output length is ceil(L * to / from) for any pair of common rates and any length. */
    @Test
    void outputLength() {
        int[] rates = {8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000};
        qt().withFixedSeed(31L).withExamples(60)
                .forAll(integers().between(0, rates.length - 1), integers().between(0, rates.length - 1),
                        integers().between(0, 5000))
                .checkAssert((i, j, len) -> {
                    Resampler rs = new Resampler(rates[i], rates[j]);
                    long expect = (long) Math.ceil((double) len * rates[j] / rates[i] - 1e-9);
                    assertEquals(expect, rs.outputLength(len), rates[i] + "->" + rates[j] + " L=" + len);
                    if (len < 400) {
                        assertEquals(expect, rs.apply(new float[len]).length);
                    }
                });
    }

    /** A ratio whose polyphase table would be too large (44100 -> 44101) computes taps per sample, same result. */
    @Test
    void largeReducedRatioStillBandLimited() {
        Resampler rs = new Resampler(44100, 44101);
        assertEquals(44101, rs.up());
        int len = 6000;
        double hz = 3000;
        float[] x = new float[len];
        for (int k = 0; k < len; k++) {
            x[k] = (float) Math.sin(2 * Math.PI * hz * k / 44100);
        }
        float[] y = rs.apply(x);
        int margin = (int) rs.halfWidth() + 2;
        double worst = 0;
        for (int n = margin; n < y.length - margin; n++) {
            worst = Math.max(worst, Math.abs(y[n] - Math.sin(2 * Math.PI * hz * n / 44101)));
        }
        assertTrue(db(worst) < -70, "44100->44101 error " + db(worst) + " dB");
    }
}
