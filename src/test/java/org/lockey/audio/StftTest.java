package org.lockey.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;

/**
 * torch.stft / torch.istft semantics checked against a naive O(N^2) DFT written here from the
 * definition, plus the round-trip, Parseval and linearity properties.
 */
class StftTest {

    /** Naive torch.stft: own window, own reflect padding, direct DFT sums. */
    static double[][][] naiveStft(double[] x, int nFft, int hop, int win, boolean center, boolean normalized) {
        double[] w = new double[nFft];
        int left = (nFft - win) / 2;
        for (int n = 0; n < win; n++) {
            w[left + n] = Math.sin(Math.PI * n / win) * Math.sin(Math.PI * n / win); // = 0.5 - 0.5 cos(2 pi n / win)
        }
        double[] p = x;
        if (center) {
            int c = nFft / 2;
            p = new double[x.length + 2 * c];
            for (int i = 0; i < p.length; i++) {
                int j = i - c;
                if (j < 0) {
                    j = -j;
                } else if (j >= x.length) {
                    j = 2 * (x.length - 1) - j;
                }
                p[i] = x[j];
            }
        }
        int frames = 1 + (p.length - nFft) / hop;
        int bins = nFft / 2 + 1;
        double[][][] out = new double[2][bins][frames];
        double s = normalized ? 1 / Math.sqrt(nFft) : 1;
        for (int t = 0; t < frames; t++) {
            for (int f = 0; f < bins; f++) {
                double re = 0;
                double im = 0;
                for (int n = 0; n < nFft; n++) {
                    double a = -2 * Math.PI * ((long) f * n % nFft) / nFft;
                    double v = w[n] * p[t * hop + n];
                    re += v * Math.cos(a);
                    im += v * Math.sin(a);
                }
                out[0][f][t] = re * s;
                out[1][f][t] = im * s;
            }
        }
        return out;
    }

    /** Forward transform equals the naive DFT for odd/even sizes, short windows, both center modes, normalised. */
    @Test
    void forwardMatchesNaiveDft() {
        int[][] cases = { // nFft, hop, win, center, normalized
            {16, 4, 16, 1, 0}, {15, 4, 15, 1, 0}, {32, 8, 20, 1, 0}, {33, 7, 21, 0, 0}, {64, 16, 64, 0, 1},
            {24, 5, 24, 1, 1}, {1, 1, 1, 0, 0}, {2, 1, 2, 1, 0},
        };
        int seed = 1;
        for (int[] c : cases) {
            StftConfig cfg = new StftConfig(c[0], c[1], c[2], c[3] == 1, c[4] == 1);
            double[] x = AudioTestUtil.noise(seed++, 3 * c[0] + 5, 1.0);
            Spectrum s = new Stft(cfg).forward(x);
            double[][][] ref = naiveStft(x, c[0], c[1], c[2], c[3] == 1, c[4] == 1);
            assertEquals(ref[0][0].length, s.frames(), "frames " + cfg);
            assertEquals(cfg.frames(x.length), s.frames(), "StftConfig.frames " + cfg);
            double err = Math.max(AudioTestUtil.maxAbsDiff(AudioTestUtil.flatten(ref[0]), AudioTestUtil.flatten(s.re())),
                    AudioTestUtil.maxAbsDiff(AudioTestUtil.flatten(ref[1]), AudioTestUtil.flatten(s.im())));
            assertTrue(err < 1e-11, cfg + ": max error " + err);
        }
    }

    /** Frame counts: center -> 1 + L/hop, else 1 + (L - nFft)/hop (torch). */
    @Test
    void frameCounts() {
        assertEquals(1 + 1000 / 256, StftConfig.of(1024, 256).frames(1000));
        assertEquals(1 + 999 / 100, new StftConfig(1023, 100, 1023, true, false).frames(1000));
        assertEquals(1 + (1000 - 512) / 100, new StftConfig(512, 100, 512, false, false).frames(1000));
        assertThrows(IllegalArgumentException.class, () -> StftConfig.of(1024, 256).frames(512));
        assertThrows(IllegalArgumentException.class, () -> new StftConfig(512, 100, 512, false, false).frames(511));
    }

    /** Naive torch.istft: direct C2R inverse DFT, OLA, divide by window-sum-square, trim. */
    static double[] naiveIstft(double[][] re, double[][] im, int nFft, int hop, boolean center, Integer length) {
        double[] w = new double[nFft];
        for (int n = 0; n < nFft; n++) {
            w[n] = 0.5 - 0.5 * Math.cos(2 * Math.PI * n / nFft);
        }
        int frames = re[0].length;
        int full = nFft + hop * (frames - 1);
        double[] y = new double[full];
        double[] env = new double[full];
        for (int t = 0; t < frames; t++) {
            for (int n = 0; n < nFft; n++) {
                double v = re[0][t];
                for (int f = 1; f < nFft / 2 + 1; f++) {
                    boolean nyquist = nFft % 2 == 0 && f == nFft / 2;
                    double a = 2 * Math.PI * ((long) f * n % nFft) / nFft;
                    double term = re[f][t] * Math.cos(a) - im[f][t] * Math.sin(a);
                    v += nyquist ? term : 2 * term;
                }
                y[t * hop + n] += v / nFft * w[n];
                env[t * hop + n] += w[n] * w[n];
            }
        }
        int start = center ? nFft / 2 : 0;
        int len = length != null ? length : (center ? full - 2 * (nFft / 2) : full);
        double[] out = new double[len];
        for (int i = 0; i < len && start + i < full; i++) {
            out[i] = y[start + i] / env[start + i];
        }
        return out;
    }

    /** Inverse equals the naive istft on arbitrary (not necessarily consistent) spectra, incl. imaginary DC/Nyquist parts and a length beyond the frames. */
    @Test
    void inverseMatchesNaive() {
        int[][] cases = {{16, 4, 9, 0}, {15, 5, 7, 0}, {32, 8, 6, 1}, {12, 3, 5, 2}};
        for (int[] c : cases) {
            int nFft = c[0];
            int hop = c[1];
            int frames = c[2];
            int bins = nFft / 2 + 1;
            double[][] re = new double[bins][];
            double[][] im = new double[bins][];
            for (int f = 0; f < bins; f++) {
                re[f] = AudioTestUtil.noise(100 + f, frames, 1);
                im[f] = AudioTestUtil.noise(200 + f, frames, 1);
            }
            Spectrum s = new Spectrum(re, im);
            Stft stft = new Stft(StftConfig.of(nFft, hop));
            Integer length = switch (c[3]) {
                case 1 -> 20;
                case 2 -> hop * (frames - 1) + 7; // extends past the last frame: zero-filled
                default -> null;
            };
            double[] ref = naiveIstft(re, im, nFft, hop, true, length);
            double[] got = length == null ? stft.inverse(s) : stft.inverse(s, length);
            double err = AudioTestUtil.maxAbsDiff(ref, got);
            assertTrue(err < 1e-10, "nFft " + nFft + " hop " + hop + " length " + length + ": " + err);
        }
    }

    /** center=False with a Hann window has a zero envelope at sample 0: torch.istft refuses, so do we. */
    @Test
    void inverseRejectsNolaViolation() {
        Stft stft = new Stft(new StftConfig(16, 4, 16, false, false));
        Spectrum s = stft.forward(AudioTestUtil.noise(3, 64, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> stft.inverse(s));
        assertTrue(e.getMessage().contains("envelope"), e.getMessage());
        Stft wrongBins = new Stft(StftConfig.of(32, 8));
        assertThrows(IllegalArgumentException.class, () -> wrongBins.inverse(s));
    }

    /** Property: istft(stft(x), length=L) == x for center=True, hop <= nFft/2, any window length >= 2 hop. */
    @Test
    void roundTrip() {
        qt().withFixedSeed(77L).withExamples(40)
                .forAll(integers().between(2, 300), integers().between(1, 1000), integers().between(0, 1000), longs().all())
                .checkAssert((nFft, hopPick, winPick, seed) -> {
                    int hop = 1 + hopPick % Math.max(1, nFft / 2);
                    int win = Math.min(nFft, 2 * hop + winPick % (nFft - 2 * hop + 1));
                    int len = nFft / 2 + 1 + (int) Math.floorMod(seed, 3L * nFft + 50);
                    StftConfig cfg = new StftConfig(nFft, hop, Math.max(win, 2), true, (seed & 1) == 0);
                    Stft stft = new Stft(cfg);
                    double[] x = AudioTestUtil.noise(seed, len, 1);
                    double[] y = stft.inverse(stft.forward(x), len);
                    double err = AudioTestUtil.maxAbsDiff(x, y);
                    assertTrue(err < 1e-9, cfg + " L=" + len + ": round-trip error " + err);
                });
    }

    /** Default length round trip: center=True, L a multiple of hop gives exactly L samples back. */
    @Test
    void roundTripDefaultLength() {
        Stft stft = new Stft(StftConfig.of(1024, 256));
        double[] x = AudioTestUtil.noise(5, 256 * 20, 0.3);
        double[] y = stft.inverse(stft.forward(x));
        assertEquals(x.length, y.length);
        assertTrue(AudioTestUtil.maxAbsDiff(x, y) < 1e-12);
    }

    /**
     * Property (Parseval per frame, exact): for every frame,
     * sum_n (w[n] x[t*hop + n])^2 = (|X_0|^2 + 2 sum_{0<f<N/2} |X_f|^2 + |X_{N/2}|^2) / N
     * (the Nyquist term counted once only for even N; times N when normalised).
     */
    @Test
    void parsevalPerFrame() {
        qt().withFixedSeed(99L).withExamples(30)
                .forAll(integers().between(1, 200), integers().between(1, 64), longs().all(), integers().between(0, 3))
                .checkAssert((nFft, hopPick, seed, flags) -> {
                    int hop = 1 + hopPick % nFft;
                    boolean normalized = (flags & 1) == 1;
                    StftConfig cfg = new StftConfig(nFft, hop, nFft, false, normalized);
                    double[] x = AudioTestUtil.noise(seed, nFft + 5 * hop, 1);
                    Spectrum s = new Stft(cfg).forward(x);
                    double[] w = new double[nFft];
                    for (int n = 0; n < nFft; n++) {
                        w[n] = 0.5 * (1 - Math.cos(2 * Math.PI * n / nFft));
                    }
                    for (int t = 0; t < s.frames(); t++) {
                        double time = 0;
                        for (int n = 0; n < nFft; n++) {
                            double v = w[n] * x[t * hop + n];
                            time += v * v;
                        }
                        double freq = 0;
                        for (int f = 0; f < s.bins(); f++) {
                            double e = s.re()[f][t] * s.re()[f][t] + s.im()[f][t] * s.im()[f][t];
                            boolean single = f == 0 || (nFft % 2 == 0 && f == nFft / 2);
                            freq += single ? e : 2 * e;
                        }
                        freq = normalized ? freq : freq / nFft;
                        assertEquals(time, freq, 1e-10 * Math.max(1, time), cfg + " frame " + t);
                    }
                });
    }

    /** Property: stft(a x + b y) = a stft(x) + b stft(y). */
    @Test
    void linearity() {
        qt().withFixedSeed(5L).withExamples(20)
                .forAll(integers().between(4, 128), longs().all(), integers().between(-50, 50), integers().between(-50, 50))
                .checkAssert((nFft, seed, a10, b10) -> {
                    double a = a10 / 10.0;
                    double b = b10 / 10.0;
                    Stft stft = new Stft(StftConfig.of(nFft, Math.max(1, nFft / 4)));
                    double[] x = AudioTestUtil.noise(seed, 2 * nFft, 1);
                    double[] y = AudioTestUtil.noise(seed + 1, 2 * nFft, 1);
                    double[] z = new double[x.length];
                    for (int i = 0; i < z.length; i++) {
                        z[i] = a * x[i] + b * y[i];
                    }
                    Spectrum sx = stft.forward(x);
                    Spectrum sy = stft.forward(y);
                    Spectrum sz = stft.forward(z);
                    for (int f = 0; f < sz.bins(); f++) {
                        for (int t = 0; t < sz.frames(); t++) {
                            assertEquals(a * sx.re()[f][t] + b * sy.re()[f][t], sz.re()[f][t], 1e-9);
                            assertEquals(a * sx.im()[f][t] + b * sy.im()[f][t], sz.im()[f][t], 1e-9);
                        }
                    }
                });
    }

    /** Reflect padding as torch: the edge sample is not repeated; padding must be shorter than the signal. */
    @Test
    void reflectPad() {
        double[] p = Stft.reflectPad(new double[] {1, 2, 3, 4}, 3, 2);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {4, 3, 2, 1, 2, 3, 4, 3, 2}, p);
        assertThrows(IllegalArgumentException.class, () -> Stft.reflectPad(new double[] {1, 2, 3}, 3, 0));
    }
}
