package org.lockey.bench;

import java.util.Locale;

/**
 * Whether the PyTorch peer is a fair opponent, decided from the two measured matmul peaks (2048 x 2048
 * float32, {@link Benchmark#ourPeakGflops()} and {@code run.py --peak}) before any case is timed.
 *
 * <p>Why: Debian's {@code python3-torch} runs {@code torch.mm} (and so its LSTMs and linear layers) on
 * whatever BLAS the system provides. With only the reference BLAS it reached 4.4-7.2 GFLOP/s against
 * ND4J's 74-181, and the table then showed us "faster" on every matmul-bound case for a reason that has
 * nothing to do with this project. With {@code libopenblas0-pthread} installed the same torch reaches
 * about 180 GFLOP/s. A peer whose peak is below {@link #MIN_PEAK_SHARE} of ours is refused; the machine
 * is shared and the two peaks are taken minutes apart, so the margin is wide (a loaded but healthy
 * peer reads 0.4-1.3x ours), while a reference BLAS reads 0.03-0.06x.
 */
public final class PeerGate {
    /** The peer's peak must be at least this share of ours. */
    public static final double MIN_PEAK_SHARE = 0.25;

    /** What the fix is when the peer is refused (one line, for the CLI error). */
    public static final String FIX = "install Debian's libopenblas0-pthread: python3-torch then links OpenBLAS instead "
            + "of the reference BLAS (or pass --allow-slow-peer to measure anyway)";

    /** The outcome. */
    public enum Verdict {
        /** The peer's peak is at least {@link #MIN_PEAK_SHARE} of ours. */
        FAIR,
        /** The peer's peak is below {@link #MIN_PEAK_SHARE} of ours. */
        TOO_SLOW,
        /** A peak is missing, zero or not a number: nothing can be said, so the peer is not trusted. */
        UNMEASURED
    }

    /** What to do with a peer that is not {@link Verdict#FAIR}. */
    public enum SlowPeerPolicy {
        /** Stop before timing anything (the default). */
        REFUSE,
        /** Time it anyway and say so ({@code --allow-slow-peer}). */
        MEASURE_ANYWAY
    }

    /**
     * The decision.
     *
     * @param verdict   fair, too slow or unmeasured
     * @param peakShare the peer's peak / ours (NaN when unmeasured)
     * @param message   one line saying why (empty when fair)
     */
    public record Decision(Verdict verdict, double peakShare, String message) {
        /** Whether the peer may be timed under {@code policy}. */
        public boolean permits(SlowPeerPolicy policy) {
            return verdict == Verdict.FAIR || policy == SlowPeerPolicy.MEASURE_ANYWAY;
        }
    }

    private PeerGate() {
    }

    /** Decides from the two peaks in GFLOP/s. */
    public static Decision decide(double ourPeakGflops, double peerPeakGflops) {
        if (!(ourPeakGflops > 0) || !(peerPeakGflops > 0) || !Double.isFinite(ourPeakGflops)
                || !Double.isFinite(peerPeakGflops)) {
            return new Decision(Verdict.UNMEASURED, Double.NaN, String.format(Locale.ROOT,
                    "the matmul peaks could not both be measured (ND4J %.1f, PyTorch %.1f GFLOP/s), so the peer's "
                            + "fairness is unknown; %s", ourPeakGflops, peerPeakGflops, FIX));
        }
        double share = peerPeakGflops / ourPeakGflops;
        if (share < MIN_PEAK_SHARE) {
            return new Decision(Verdict.TOO_SLOW, share, String.format(Locale.ROOT,
                    "the PyTorch peer's matmul peak is %.1f GFLOP/s, %.2fx ND4J's %.1f (below the %.2fx this benchmark "
                            + "requires): %s", peerPeakGflops, share, ourPeakGflops, MIN_PEAK_SHARE, FIX));
        }
        return new Decision(Verdict.FAIR, share, "");
    }
}
