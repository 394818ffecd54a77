package org.lockey.bench;

import java.util.Arrays;

/**
 * Call times of one benchmark case, sorted: median and spread (quantiles by linear interpolation, as
 * numpy's default), minimum and maximum.
 *
 * @param timesMs every timed call in ms, sorted ascending
 */
public record Stats(double[] timesMs) {
    public Stats {
        if (timesMs.length == 0) {
            throw new IllegalArgumentException("no timed calls");
        }
        timesMs = timesMs.clone();
        Arrays.sort(timesMs);
    }

    @Override
    public double[] timesMs() {
        return timesMs.clone();
    }

    /** The {@code q} quantile (0..1), linearly interpolated between the two nearest order statistics. */
    public double quantile(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile " + q + " outside [0, 1]");
        }
        double pos = q * (timesMs.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(timesMs.length - 1, lo + 1);
        return timesMs[lo] + (pos - lo) * (timesMs[hi] - timesMs[lo]);
    }

    public double median() {
        return quantile(0.5);
    }

    /** The interquartile range, q75 - q25. */
    public double iqr() {
        return quantile(0.75) - quantile(0.25);
    }

    public double min() {
        return timesMs[0];
    }

    public double max() {
        return timesMs[timesMs.length - 1];
    }

    public int n() {
        return timesMs.length;
    }
}
