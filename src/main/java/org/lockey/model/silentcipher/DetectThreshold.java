package org.lockey.model.silentcipher;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.lockey.LockeyException;
import org.lockey.io.Json;

import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * The confidence a reading must reach to be reported as a watermark, as a function of how many whole message
 * periods its vote was taken over ({@link PayloadCodec.Decoded#periods}).
 *
 * <p>Why a function: the confidence is the share of frames that agree with their position's mode, and on audio that
 * was never watermarked that share is high by chance when there are few periods to vote over (with two periods, half
 * the frames agree with a mode by construction). Measured on the 22.05 kHz model, the largest chance confidence falls
 * from 0.89 on 1-s clips (two periods) to 0.59 on 10-s clips (23 periods), while a distorted watermark's does not
 * fall with length; one threshold for every length is therefore set by the shortest clips and throws away most of
 * the watermarks that longer clips would show ({@code docs/silentcipher.md}, "Detection threshold").
 *
 * <p>The rule is a step function: {@link #at} gives the threshold of the last step whose {@code minPeriods} is at
 * most the reading's periods. A reading with fewer periods than the first step is never reported (that length was
 * not calibrated). {@link #uniform} is the one-threshold rule every model had before: one step at {@link
 * WatermarkDetector#MIN_PERIODS}.
 *
 * @param steps increasing in {@code minPeriods}; at least one
 */
public record DetectThreshold(List<Step> steps) {
    /**
     * From {@code minPeriods} whole periods on (until the next step), a reading is reported when its confidence is
     * at least {@code threshold}.
     */
    public record Step(int minPeriods, double threshold) {
        public Step {
            if (minPeriods < 1) {
                throw new LockeyException("a detection step needs at least 1 message period, not " + minPeriods);
            }
            if (!(threshold >= 0 && threshold <= 1)) {
                throw new LockeyException("detect threshold " + threshold + " is not in [0, 1]");
            }
        }
    }

    public DetectThreshold {
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new LockeyException("a detection rule needs at least one threshold");
        }
        for (int i = 1; i < steps.size(); i++) {
            if (steps.get(i).minPeriods() <= steps.get(i - 1).minPeriods()) {
                throw new LockeyException("detection thresholds must be given for increasing numbers of message "
                        + "periods; " + steps.get(i).minPeriods() + " follows " + steps.get(i - 1).minPeriods());
            }
        }
    }

    /** One threshold for every reading of at least {@link WatermarkDetector#MIN_PERIODS} periods. */
    public static DetectThreshold uniform(double threshold) {
        return new DetectThreshold(List.of(new Step(WatermarkDetector.MIN_PERIODS, threshold)));
    }

    /** Whether one threshold serves every length. */
    public boolean isUniform() {
        return steps.size() == 1;
    }

    /**
     * The threshold for a reading voted over {@code periods} whole periods; {@code +Infinity} (never reported) below
     * the first step.
     */
    public double at(int periods) {
        double t = Double.POSITIVE_INFINITY;
        for (Step s : steps) {
            if (s.minPeriods() > periods) {
                break;
            }
            t = s.threshold();
        }
        return t;
    }

    /** The threshold of the first step: the one for the shortest clips read, and the largest in practice. */
    public double first() {
        return steps.get(0).threshold();
    }

    /** Whether {@code reading} is reported: a message found and its confidence at least {@link #at} its periods. */
    public boolean reports(PayloadCodec.Decoded reading) {
        return reports(reading.found(), reading.confidence(), reading.periods());
    }

    /** The decision on its three inputs: a message {@code found} and a {@code confidence} of at least {@link #at}. */
    public boolean reports(boolean found, double confidence, int periods) {
        return found && confidence >= at(periods);
    }

    /** The steps as config.json's {@code detect_thresholds}: {@code [{"min_periods": n, "threshold": t}, ...]}. */
    public ArrayNode stepsJson() {
        ArrayNode a = Json.array();
        for (Step s : steps) {
            a.addObject().put("min_periods", s.minPeriods()).put("threshold", s.threshold());
        }
        return a;
    }

    /** E.g. {@code 0.60} or {@code 0.89 from 2 periods, 0.78 from 4, 0.60 from 23}. */
    public String describe() {
        if (isUniform()) {
            return String.format(Locale.ROOT, "%.2f", first());
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            parts.add(String.format(Locale.ROOT, i == 0 ? "%.2f from %d periods" : "%.2f from %d", s.threshold(),
                    s.minPeriods()));
        }
        return parts.stream().collect(Collectors.joining(", "));
    }
}
