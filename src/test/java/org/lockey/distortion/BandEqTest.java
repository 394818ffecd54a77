package org.lockey.distortion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** eq: the gain of a tone at each centre is the band's set gain; draws are +-15 dB; seeding. */
class BandEqTest {
    /** Table I's centres, written out here rather than read from the class. */
    private static final double[] CENTRES = {35, 200, 1000, 4000};

    /** Steady-state gain in dB of a tone at f through the EQ with the given gains. */
    private static double toneGainDb(int rate, double f, double[] gains) {
        int n = 4 * rate;
        float[] x = Signals.tone(n, rate, f, 0.1);
        float[] y = BandEq.apply(x, rate, gains);
        // skip the first 2 s: the 35 Hz band (Q 2) rings for a few hundred ms
        int from = 2 * rate;
        return 20 * Math.log10(Signals.amplitude(y, rate, f, from, n) / Signals.amplitude(x, rate, f, from, n));
    }

    @Test
    void toneAtEachCentreChangesByTheBandsGain() {
        double worst = 0;
        for (int rate : new int[] {16000, 22050, 44100}) {
            for (long seed = 1; seed <= 3; seed++) {
                double[] gains = BandEq.tableI().drawGains(new SplittableRandom(seed));
                for (int b = 0; b < CENTRES.length; b++) {
                    double g = toneGainDb(rate, CENTRES[b], gains);
                    worst = Math.max(worst, Math.abs(g - gains[b]));
                    // the band's own gain is exact at its centre; the neighbouring bands add < 1 dB
                    assertEquals(gains[b], g, 1.0, rate + " Hz, seed " + seed + ", band " + CENTRES[b] + " Hz");
                }
            }
        }
        System.out.println("[eq] largest deviation from the set gain at a centre: " + worst + " dB");
    }

    @Test
    void oneBandAloneHasExactlyItsGainAtItsCentre() {
        for (int b = 0; b < CENTRES.length; b++) {
            double[] gains = new double[4];
            gains[b] = -15;
            assertEquals(-15, toneGainDb(22050, CENTRES[b], gains), 0.05, "band " + CENTRES[b]);
        }
    }

    @Test
    void gainsAreFifteenDecibelsWithBothSigns() {
        SplittableRandom rng = new SplittableRandom(11);
        int plus = 0;
        int total = 0;
        for (int i = 0; i < 250; i++) {
            for (double g : BandEq.tableI().drawGains(rng)) {
                assertEquals(15, Math.abs(g), 0);
                plus += g > 0 ? 1 : 0;
                total++;
            }
        }
        assertEquals(0.5, plus / (double) total, 0.05);
    }

    @Test
    void seededApplyUsesTheDrawnGains() {
        float[] x = Signals.mix(22050, 22050, 2);
        float[] a = BandEq.tableI().apply(x, 22050, new SplittableRandom(5));
        float[] b = BandEq.apply(x, 22050, BandEq.tableI().drawGains(new SplittableRandom(5)));
        assertArrayEquals(a, b);
        double snr = Signals.snrDb(x, a);
        assertTrue(snr < 10, "+-15 dB bands change broadband audio clearly; SNR " + snr);
    }
}
