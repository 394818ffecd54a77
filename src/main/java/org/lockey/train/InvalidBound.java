package org.lockey.train;

import org.lockey.LockeyException;

/**
 * What the invalid-key term of Eq. 4 pushes towards (docs/lockey.md, "The invalid-key bound").
 *
 * <ul>
 * <li>{@link Absolute}: paper Eq. 3 as printed, {@code max(-MSE(G, y_0), -tau)} with tau from the
 * {@link Curriculum} (0.005 doubled every period, without limit). An absolute MSE that keeps doubling
 * ends far above what any audio-like output reaches from a speech teacher (a clip at -25 dBFS has a mean
 * square near 0.003); the cheapest way to keep growing the MSE is then a full-scale DC offset, which is what
 * a model trained this way produced.</li>
 * <li>{@link Relative} (ours, the default for new runs): the same clipped push, but measured relative to the
 * teacher's own energy, so the bound is a target SDR in dB that does not depend on the clip's level or on
 * the step; a second clipped push on the log-magnitude distance (a waveform bound alone is met by
 * {@code -y_0}, which sounds exactly like the teacher); and a guard that keeps the output's RMS within
 * a factor of 2 of the teacher's and its mean near zero.</li>
 * </ul>
 */
public sealed interface InvalidBound {
    /** Paper Eq. 3: {@code max(-MSE, -tau)}, tau by the run's {@link Curriculum}. */
    record Absolute() implements InvalidBound {
    }

    /**
     * Per example, with {@code P = mean(y_0^2) + eps}, {@code r = MSE(G, y_0) / P}, {@code S} the log-magnitude MSE
     * of Eq. 2 and {@code q = ln(rms(G) / rms(y_0))}:
     * <pre>
     *   L_inv = max(-r, -10^(-targetSdrDb/10)) + max(-S, -logmagBound)
     *         + relu(|q| - ln 2)^2 + mean(G)^2 / P
     * </pre>
     * The first term stops pushing once SDR(y_0, G) is at or below {@code targetSdrDb}; the second once the
     * log-magnitude spectrograms differ by {@code logmagBound} (mean squared nats); the guard is zero while
     * the RMS ratio is in [1/2, 2] and the mean is zero.
     *
     * @param targetSdrDb the SDR below which the waveform push stops (dB)
     * @param logmagBound the log-magnitude MSE above which the spectral push stops
     */
    record Relative(double targetSdrDb, double logmagBound) implements InvalidBound {
        /** Defaults: SDR 0 dB (the paper's invalid-key outputs measure 1.28 and 3.72 dB), log-magnitude MSE 1. */
        public static final Relative DEFAULT = new Relative(0, 1.0);
        /** Added to the teacher's mean square (and the output's) before dividing or taking the log. */
        public static final double POWER_EPS = 1e-8;
        /** The RMS ratio the level guard allows either way. */
        public static final double LEVEL_FACTOR = 2;

        public Relative {
            if (!Double.isFinite(targetSdrDb) || !(logmagBound > 0)) {
                throw new LockeyException("the relative invalid-key bound needs a finite target SDR and a log-magnitude "
                        + "bound > 0");
            }
        }

        /** {@code 10^(-targetSdrDb/10)}, the bound on {@code r}. */
        public double mseRatioBound() {
            return Math.pow(10, -targetSdrDb / 10);
        }
    }
}
