package org.lockey.model.encodec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.lockey.nn.Pad;

/** The facade: chunked processing equals one pass; layouts and errors. */
class EncodecTest {
    /** A small model with the 32 kHz structure (ratios [8,5,4,4], LSTM, constant padding). */
    static CompressionConfig tiny(Pad.Mode mode, boolean trueSkip) {
        SeanetConfig s = SeanetConfig.musicgen32k().withSize(16, 4).withPadding(mode, trueSkip);
        return new CompressionConfig(32_000, s, new RvqConfig(3, 32, 16));
    }

    static float[] signal(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 220 * i / 32000.0) + 0.05 * (2 * r.nextDouble() - 1));
        }
        return x;
    }

    static double maxAbs(float[] a, float[] b) {
        assertEquals(a.length, b.length, "lengths");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double peak(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Test
    void chunkedDecodeEqualsOnePass() {
        for (Pad.Mode mode : Pad.Mode.values()) {
            Encodec whole = Encodec.random(tiny(mode, mode == Pad.Mode.CONSTANT), 3, false).withChunkFrames(1000);
            Encodec chunked = whole.withChunkFrames(7);
            SplittableRandom r = new SplittableRandom(4);
            long[][][] codes = new long[1][3][41];
            for (long[] row : codes[0]) {
                for (int f = 0; f < row.length; f++) {
                    row[f] = r.nextInt(32);
                }
            }
            float[] a = whole.decode(codes);
            float[] b = chunked.decode(codes);
            assertEquals(41 * 640, a.length);
            double err = maxAbs(a, b);
            // Stated tolerance: float32 rounding only, 1e-5 relative to the peak.
            assertTrue(err <= 1e-5 * Math.max(1, peak(a)), mode + ": chunked vs whole max-abs " + err);
        }
    }

    @Test
    void chunkedEncodeEqualsOnePass() {
        Encodec whole = Encodec.random(tiny(Pad.Mode.REFLECT, false), 5, true).withChunkFrames(1000);
        Encodec chunked = whole.withChunkFrames(4);
        float[] audio = signal(640 * 17 + 123, 6);
        float[][] a = whole.encodeLatent(audio);
        float[][] b = chunked.encodeLatent(audio);
        assertEquals(18, a[0].length);
        double err = 0, peak = 0;
        for (int c = 0; c < a.length; c++) {
            err = Math.max(err, maxAbs(a[c], b[c]));
            peak = Math.max(peak, peak(a[c]));
        }
        assertTrue(err <= 1e-5 * Math.max(1, peak), "chunked vs whole latent max-abs " + err);
    }

    @Test
    void streamingDecodeDeliversTheSameAudioInOrder() {
        Encodec m = Encodec.random(tiny(Pad.Mode.CONSTANT, true), 7, false).withChunkFrames(5);
        long[][][] codes = new long[1][3][13];
        for (int f = 0; f < 13; f++) {
            codes[0][0][f] = f;
            codes[0][1][f] = 31 - f;
            codes[0][2][f] = (7 * f) % 32;
        }
        float[] whole = m.decode(codes);
        java.util.List<float[]> pieces = new java.util.ArrayList<>();
        m.decode(codes, pieces::add);
        assertEquals(3, pieces.size());
        float[] joined = new float[whole.length];
        int at = 0;
        for (float[] p : pieces) {
            System.arraycopy(p, 0, joined, at, p.length);
            at += p.length;
        }
        assertEquals(whole.length, at);
        assertArrayEquals(whole, joined, 0.0f);
    }

    @Test
    void encodeGivesBatchCodebookFrameLayout() {
        Encodec m = Encodec.random(tiny(Pad.Mode.CONSTANT, true), 8, true);
        long[][][] codes = m.encode(signal(640 * 3 + 1, 2));
        assertEquals(1, codes.length);
        assertEquals(3, codes[0].length);
        assertEquals(4, codes[0][0].length);
        for (long[] row : codes[0]) {
            for (long v : row) {
                assertTrue(v >= 0 && v < 32);
            }
        }
        assertEquals(4 * 640, m.decode(codes).length);
    }

    @Test
    void badInputsAreClearErrors() {
        Encodec m = Encodec.random(tiny(Pad.Mode.CONSTANT, true), 9, true);
        LockeyException range = assertThrows(LockeyException.class, () -> m.decode(new long[][][] {{{0, 1}, {2, 32}}}));
        assertTrue(range.getMessage().contains("= 32 is outside [0, 32)"), range.getMessage());
        LockeyException books = assertThrows(LockeyException.class,
                () -> m.decode(new long[][][] {{{0}, {0}, {0}, {0}}}));
        assertTrue(books.getMessage().contains("4 codebooks"), books.getMessage());
        LockeyException batch = assertThrows(LockeyException.class, () -> m.decode(new long[2][3][4]));
        assertTrue(batch.getMessage().contains("batch of 2"), batch.getMessage());
        LockeyException dim = assertThrows(LockeyException.class, () -> m.decodeLatent(new float[15][4]));
        assertTrue(dim.getMessage().contains("15 channels") && dim.getMessage().contains("dimension is 16"),
                dim.getMessage());
        assertThrows(LockeyException.class, () -> m.encode(new float[0]));
        assertThrows(LockeyException.class, () -> m.decode(new long[][][] {{{}, {}, {}}}));
        // Fewer codebooks than n_q are a lower bandwidth, as upstream allows.
        assertEquals(2 * 640, m.decode(new long[][][] {{{0, 1}}}).length);
    }
}
