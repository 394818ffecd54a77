package org.lockey.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lockey.bench.PeerGate.Decision;
import org.lockey.bench.PeerGate.SlowPeerPolicy;
import org.lockey.bench.PeerGate.Verdict;

/** The fairness decision as a function of the two matmul peaks (figures measured on this machine). */
class PeerGateTest {
    @Test
    void referenceBlasTorchIsRefusedWithTheFixNamed() {
        // 2026-12-02: ND4J 106 GFLOP/s, Debian torch on the reference BLAS 4.4 GFLOP/s
        Decision d = PeerGate.decide(106, 4.4);
        assertEquals(Verdict.TOO_SLOW, d.verdict());
        assertEquals(0.0415, d.peakShare(), 1e-4);
        assertTrue(d.message().contains("libopenblas0-pthread"), d.message());
        assertTrue(d.message().contains("--allow-slow-peer"), d.message());
        assertFalse(d.message().contains("\n"), "one line");
        assertFalse(d.permits(SlowPeerPolicy.REFUSE));
        assertTrue(d.permits(SlowPeerPolicy.MEASURE_ANYWAY));
    }

    @Test
    void openBlasTorchIsFairEvenWhenFasterOrLoaded() {
        assertEquals(Verdict.FAIR, PeerGate.decide(142, 180).verdict());      // quiet: OpenBLAS torch above ND4J
        assertEquals(Verdict.FAIR, PeerGate.decide(181, 61).verdict());       // torch measured under load: 0.34x
        assertTrue(PeerGate.decide(181, 61).permits(SlowPeerPolicy.REFUSE));
        assertEquals("", PeerGate.decide(142, 180).message());
    }

    @Test
    void theThresholdIsAQuarterOfOurPeak() {
        assertEquals(Verdict.FAIR, PeerGate.decide(100, 25).verdict());
        assertEquals(Verdict.TOO_SLOW, PeerGate.decide(100, 24.9).verdict());
        assertEquals(Verdict.TOO_SLOW, PeerGate.decide(200, 49.9).verdict());
        assertEquals(Verdict.FAIR, PeerGate.decide(200, 50.1).verdict());
    }

    @Test
    void aMissingPeakIsNotTrusted() {
        for (double[] p : new double[][] {{100, Double.NaN}, {Double.NaN, 100}, {100, 0}, {0, 100}, {100, -3},
                {100, Double.POSITIVE_INFINITY}}) {
            Decision d = PeerGate.decide(p[0], p[1]);
            assertEquals(Verdict.UNMEASURED, d.verdict(), p[0] + " / " + p[1]);
            assertFalse(d.permits(SlowPeerPolicy.REFUSE));
            assertTrue(d.permits(SlowPeerPolicy.MEASURE_ANYWAY));
        }
    }
}
