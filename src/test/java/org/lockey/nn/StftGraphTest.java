package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.audio.AudioTestUtil;
import org.lockey.audio.Spectrum;
import org.lockey.audio.Stft;
import org.lockey.audio.StftConfig;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class StftGraphTest {

    /** [B][L] signals as an INDArray of the given type. */
    static INDArray batch(double[][] x, DataType dt) {
        return Nd4j.createFromArray(x).castTo(dt);
    }

    /** Rows of a [B, F, T] array as [F][T]. */
    static double[][] slice(INDArray a, int b) {
        long[] s = a.shape();
        double[][] out = new double[(int) s[1]][(int) s[2]];
        for (int f = 0; f < s[1]; f++) {
            for (int t = 0; t < s[2]; t++) {
                out[f][t] = a.getDouble(b, f, t);
            }
        }
        return out;
    }

    static double scaledError(double[] ref, double[] got) {
        double maxRef = 0;
        for (double v : ref) {
            maxRef = Math.max(maxRef, Math.abs(v));
        }
        return AudioTestUtil.maxAbsDiff(ref, got) / Math.max(1, maxRef);
    }

    /**
     * Property: the float32 graph STFT (re, im, magnitude) agrees with the double plain Stft within
     * 1e-5 * max(1, max|ref|), for random sizes (odd and even nFft, short windows), both center
     * modes, normalised or not, batch of 2.
     */
    @Test
    void forwardMatchesPlain() {
        qt().withFixedSeed(11L).withExamples(6)
                .forAll(integers().between(8, 200), integers().between(1, 1000), integers().between(0, 7), longs().all())
                .checkAssert((nFft, pick, flags, seed) -> {
                    int hop = 1 + pick % Math.max(1, nFft / 2);
                    int win = nFft - pick % (nFft / 2);
                    boolean center = (flags & 1) == 1;
                    boolean normalized = (flags & 2) == 2;
                    StftConfig cfg = new StftConfig(nFft, hop, win, center, normalized);
                    int len = nFft + (int) Math.floorMod(seed, 3L * nFft);
                    double[][] x = {AudioTestUtil.noise(seed, len, 0.5), AudioTestUtil.noise(seed + 1, len, 0.5)};
                    SameDiff sd = SameDiff.create();
                    SDVariable in = sd.placeHolder("x", DataType.FLOAT, -1, len);
                    StftGraph g = new StftGraph(cfg);
                    StftGraph.Spec spec = g.stft(sd, "s", in, len);
                    g.magnitude(sd, "s", spec, 1e-9);
                    Map<String, INDArray> out = sd.output(Map.of("x", batch(x, DataType.FLOAT)), "s.re", "s.im", "s.magnitude");
                    Stft plain = new Stft(cfg);
                    for (int b = 0; b < 2; b++) {
                        Spectrum s = plain.forward(x[b]);
                        double e1 = scaledError(AudioTestUtil.flatten(s.re()), AudioTestUtil.flatten(slice(out.get("s.re"), b)));
                        double e2 = scaledError(AudioTestUtil.flatten(s.im()), AudioTestUtil.flatten(slice(out.get("s.im"), b)));
                        double e3 = scaledError(AudioTestUtil.flatten(s.magnitude(1e-9)),
                                AudioTestUtil.flatten(slice(out.get("s.magnitude"), b)));
                        double e = Math.max(e1, Math.max(e2, e3));
                        assertTrue(e < 1e-5, cfg + " L=" + len + " batch " + b + ": scaled error " + e);
                    }
                });
    }

    /** Random (inconsistent) spectra: graph istft equals the plain inverse, incl. a length beyond the frames. */
    @Test
    void inverseMatchesPlain() {
        int[][] cases = {{16, 4, 9, -1}, {15, 5, 7, -1}, {64, 16, 6, 40}, {32, 8, 5, 55}}; // last: 48 samples after the trim, 7 zero-filled
        for (int[] c : cases) {
            StftConfig cfg = StftConfig.of(c[0], c[1]);
            int frames = c[2];
            int bins = cfg.bins();
            INDArray re = GraphTestUtil.gaussian(c[0], 1, 2, bins, frames);
            INDArray im = GraphTestUtil.gaussian(c[0] + 1, 1, 2, bins, frames);
            Stft plain = new Stft(cfg);
            int length = c[3] < 0 ? plain.defaultLength(frames) : c[3];
            for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                SameDiff sd = SameDiff.create();
                SDVariable r = sd.placeHolder("re", dt, -1, bins, frames);
                SDVariable i = sd.placeHolder("im", dt, -1, bins, frames);
                new StftGraph(cfg).istft(sd, "inv", r, i, frames, length);
                INDArray y = sd.output(Map.of("re", re.castTo(dt), "im", im.castTo(dt)), "inv.istft").get("inv.istft");
                assertArrayEquals(new long[] {2, length}, y.shape());
                for (int b = 0; b < 2; b++) {
                    double[] ref = plain.inverse(new Spectrum(slice(re, b), slice(im, b)), length);
                    double e = scaledError(ref, y.getRow(b).castTo(DataType.DOUBLE).toDoubleVector());
                    double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5;
                    assertTrue(e < tol, cfg + " " + dt + " length " + length + ": scaled error " + e);
                }
            }
        }
    }

    /** Graph round trip istft(stft(x)) == x (center=True), float32. */
    @Test
    void roundTrip() {
        for (int[] c : new int[][] {{1024, 256}, {2048, 1024}, {15, 7}, {64, 16}}) {
            StftConfig cfg = StftConfig.of(c[0], c[1]);
            int len = 3 * c[0] + 17;
            double[][] x = {AudioTestUtil.noise(c[0], len, 0.3)};
            SameDiff sd = SameDiff.create();
            SDVariable in = sd.placeHolder("x", DataType.FLOAT, -1, len);
            StftGraph g = new StftGraph(cfg);
            StftGraph.Spec spec = g.stft(sd, "a", in, len);
            g.istft(sd, "a", spec.re(), spec.im(), spec.frames(), len);
            INDArray y = sd.output(Map.of("x", batch(x, DataType.FLOAT)), "a.istft").get("a.istft");
            double e = AudioTestUtil.maxAbsDiff(x[0], y.getRow(0).castTo(DataType.DOUBLE).toDoubleVector());
            assertTrue(e < 1e-5, cfg + ": round-trip error " + e);
        }
    }

    /** d sum(w * |STFT(x)|) / dx (center=True: reflect padding; normalised) matches finite differences. */
    @Test
    void magnitudeGradient() {
        StftConfig cfg = new StftConfig(32, 8, 24, true, true);
        int len = 100;
        StftGraph g = new StftGraph(cfg);
        GraphTestUtil.checkGradient("stft magnitude", Map.of("x", GraphTestUtil.gaussian(3, 0.5, 2, len)), "x",
                sd -> g.magnitude(sd, "s", g.stft(sd, "s", sd.getVariable("x"), len), 1e-9),
                7, new long[] {0, 1, 2, 15, 16, 17, len - 1, len - 2, len + 1, 2L * len - 1}, 14, 1e-4);
    }

    /**
     * SilentCipher's path: istft(mag * e^{i phase}) with a constant phase; d sum(w * y) / d mag
     * matches finite differences (with a length beyond the last frame, so the zero fill is on the path).
     */
    @Test
    void inverseGradientThroughMagnitude() {
        StftConfig cfg = StftConfig.of(32, 16);
        int frames = 7;
        int bins = cfg.bins();
        INDArray phase = GraphTestUtil.gaussian(5, 3, 1, bins, frames);
        INDArray cos = Nd4j.math().cos(phase.dup());
        INDArray sin = Nd4j.math().sin(phase.dup());
        int length = 120; // 32 + 16 * 6 = 128 samples, 112 after the centre trim: 8 zero-filled
        StftGraph g = new StftGraph(cfg);
        GraphTestUtil.checkGradient("istft", Map.of("mag", GraphTestUtil.gaussian(6, 1, 1, bins, frames)), "mag",
                sd -> {
                    SDVariable mag = sd.getVariable("mag");
                    SDVariable re = mag.mul(sd.constant("cos", cos));
                    SDVariable im = mag.mul(sd.constant("sin", sin));
                    return g.istft(sd, "inv", re, im, frames, length);
                },
                8, new long[] {0, bins * frames - 1}, 14, 1e-4);
    }

    /** Two transforms live in one graph under different prefixes; a reused prefix is refused. */
    @Test
    void prefixesKeepTransformsApart() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 300);
        StftGraph a = new StftGraph(StftConfig.of(64, 16));
        StftGraph b = new StftGraph(StftConfig.of(128, 32));
        a.stft(sd, "lo", x, 300);
        b.stft(sd, "hi", x, 300);
        Map<String, INDArray> out = sd.output(Map.of("x", batch(new double[][] {AudioTestUtil.noise(1, 300, 1)}, DataType.FLOAT)),
                "lo.re", "hi.re");
        assertArrayEquals(new long[] {1, 33, 1 + 300 / 16}, out.get("lo.re").shape());
        assertArrayEquals(new long[] {1, 65, 1 + 300 / 32}, out.get("hi.re").shape());
        assertThrows(RuntimeException.class, () -> a.stft(sd, "lo", x, 300));
    }

    /** A declared length that contradicts a placeholder's known shape is refused at build time. */
    @Test
    void lengthMismatchRejected() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 300);
        StftGraph g = new StftGraph(StftConfig.of(64, 16));
        assertThrows(IllegalArgumentException.class, () -> g.stft(sd, "s", x, 299));
        SDVariable re = sd.placeHolder("re", DataType.FLOAT, -1, 33, 10);
        assertThrows(IllegalArgumentException.class, () -> g.istft(sd, "i", re, re, 9));
    }

    /** Graph reflect padding equals torch's reflect (edge sample not repeated). */
    @Test
    void reflectPadForward() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 4);
        StftGraph.reflectPad(x, 4, 3, 2).rename("p");
        INDArray p = sd.output(Map.of("x", Nd4j.createFromArray(new double[][] {{1, 2, 3, 4}})), "p").get("p");
        assertArrayEquals(new double[] {4, 3, 2, 1, 2, 3, 4, 3, 2}, p.getRow(0).toDoubleVector());
    }
}
