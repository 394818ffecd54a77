package org.lockey.train;

/**
 * The curriculum of the invalid-key bound (paper §IV: "we double tau after every 5000 iterations,
 * starting from 0.005"): {@code tau(step) = tau0 * 2^floor(step / period)}. The period is a config
 * field so that short CPU runs can scale it (docs/lockey.md, "Decisions and why").
 *
 * @param tau0   the starting bound (paper: 0.005)
 * @param period iterations between doublings (paper: 5000)
 * @param max    an upper limit of tau (infinite by default: the paper states none)
 */
public record Curriculum(double tau0, int period, double max) {
    public Curriculum {
        if (!(tau0 > 0) || period < 1 || !(max >= tau0)) {
            throw new IllegalArgumentException("curriculum needs tau0 > 0, period >= 1 and max >= tau0");
        }
    }

    /** The paper's schedule: 0.005, doubled every 5000 iterations. */
    public static Curriculum paper() {
        return new Curriculum(0.005, 5000, Double.POSITIVE_INFINITY);
    }

    /** The bound at a (0-based) step. */
    public double tau(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0");
        }
        long doublings = step / period;
        return Math.min(max, tau0 * Math.pow(2, Math.min(doublings, 1000)));
    }
}
