package org.lockey.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToIntFunction;

import org.lockey.LockeyException;
import org.lockey.model.silentcipher.DetectThreshold;
import org.lockey.model.silentcipher.WatermarkDetector;

/**
 * The bookkeeping of {@code eval detection}: from the readings of never-watermarked and of watermarked audio,
 * the false-positive and true-positive rates of the detection rule ({@link WatermarkDetector#reports}) at every
 * threshold of a grid, and the threshold chosen: the smallest whose false-positive rate is at most the target.
 *
 * <p>A <em>false positive</em> is a never-watermarked segment the rule reports as watermarked (whatever the
 * payload). A <em>true positive</em> is a watermarked segment reported with exactly the embedded payload; one
 * reported with another payload is a <em>misread</em> (counted apart: {@code trace} would name the wrong user
 * or none). The false-positive count k of n comes with its exact one-sided upper confidence bound
 * (Clopper-Pearson, {@link #upperBound}); for k = 0 it is 1 - 0.05^(1/n), about 3/n (the rule of three).
 * Nothing here decodes audio: {@link DetectionEval} does, and the tests check this class on hand-made readings.
 */
public final class DetectionCalibration {
    /** The one-sided confidence level of the false-positive bound. */
    public static final double CONFIDENCE_LEVEL = 0.95;
    /** The target: at most 0.1 % false positives. */
    public static final double DEFAULT_TARGET_FP_RATE = 0.001;

    private DetectionCalibration() {
    }

    /**
     * One never-watermarked segment as the detection rule read it.
     *
     * @param source     what it is, e.g. {@code speech}, {@code pink noise -60 dBFS}, {@code invalid key lockey-hifigan}
     * @param seconds    its length
     * @param found      whether the per-position modes hold exactly one end token
     * @param confidence the share of kept frames equal to their position's mode
     */
    public record Negative(String source, double seconds, boolean found, double confidence) {
        /** Whether the rule reports a watermark at {@code threshold}: a false positive. */
        public boolean detectedAt(double threshold) {
            return WatermarkDetector.reports(found, confidence, threshold);
        }
    }

    /** How a watermarked segment's decoded payload compares with the embedded one. */
    public enum Payload {
        /** No message found (no or several end tokens among the modes). */
        NONE,
        /** The embedded payload, bit for bit. */
        RIGHT,
        /** A message, but not the embedded one. */
        WRONG
    }

    /**
     * One watermarked segment after one distortion as the detection rule read it.
     *
     * @param source     the clean audio it was cut from ({@code speech}, {@code music})
     * @param seconds    its length
     * @param distortion the Table I column applied after embedding
     * @param payload    what was decoded, against the embedded payload
     * @param confidence the share of kept frames equal to their position's mode
     */
    public record Positive(String source, double seconds, String distortion, Payload payload, double confidence) {
        /** Reported with the embedded payload at {@code threshold}: a true positive. */
        public boolean trueAt(double threshold) {
            return payload == Payload.RIGHT && WatermarkDetector.reports(true, confidence, threshold);
        }

        /** Reported with another payload at {@code threshold}. */
        public boolean misreadAt(double threshold) {
            return payload == Payload.WRONG && WatermarkDetector.reports(true, confidence, threshold);
        }
    }

    /**
     * The thresholds tried: {@code from}, {@code from + step}, ... up to {@code to} inclusive, each rounded to 6
     * decimals (so that 0.3 + 30 x 0.01 is exactly 0.6, as a confidence 27/45 = 0.6 must reach it).
     */
    public record ThresholdGrid(double from, double to, double step) {
        /** The grid, 0.30 to 0.95 by 0.01. */
        public static final ThresholdGrid DEFAULT = new ThresholdGrid(0.30, 0.95, 0.01);

        public ThresholdGrid {
            if (!(from >= 0 && to <= 1 && from <= to && step > 0)) {
                throw new LockeyException("threshold grid " + from + ":" + to + ":" + step
                        + " must have 0 <= from <= to <= 1 and step > 0");
            }
        }

        /** {@code FROM:TO:STEP}, e.g. {@code 0.30:0.95:0.01}. */
        public static ThresholdGrid parse(String text) {
            String[] parts = text.split(":", -1);
            if (parts.length != 3) {
                throw new LockeyException("--thresholds: '" + text + "' is not FROM:TO:STEP (e.g. 0.30:0.95:0.01)");
            }
            double[] v = new double[3];
            for (int i = 0; i < 3; i++) {
                try {
                    v[i] = Double.parseDouble(parts[i].strip());
                } catch (NumberFormatException e) {
                    throw new LockeyException("--thresholds: '" + parts[i].strip() + "' is not a number (in '" + text
                            + "')");
                }
            }
            return new ThresholdGrid(v[0], v[1], v[2]);
        }

        /** The thresholds in increasing order. */
        public List<Double> thresholds() {
            List<Double> out = new ArrayList<>();
            for (long i = 0;; i++) {
                double t = Math.round((from + i * step) * 1e6) / 1e6;
                if (t > to + 1e-9) {
                    return out;
                }
                out.add(t);
            }
        }
    }

    /**
     * A count out of trials.
     *
     * @param hits   segments counted
     * @param trials segments in all
     */
    public record Count(int hits, int trials) {
        /** hits / trials (NaN for no trials). */
        public double rate() {
            return trials == 0 ? Double.NaN : hits / (double) trials;
        }
    }

    /**
     * The rates at one threshold.
     *
     * @param threshold       the confidence threshold (NaN for a rule by periods)
     * @param falsePositives  never-watermarked segments reported as watermarked, of all of them
     * @param fpUpperBound    the one-sided {@value #CONFIDENCE_LEVEL} upper bound of the false-positive rate
     * @param truePositives   per distortion (in the order given), watermarked segments reported with their payload
     * @param misreads        per distortion, watermarked segments reported with another payload
     */
    public record Row(double threshold, Count falsePositives, double fpUpperBound, Map<String, Count> truePositives,
            Map<String, Count> misreads) {
        public Row {
            truePositives = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(truePositives));
            misreads = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(misreads));
        }

        /** The lowest true-positive rate over the distortions (NaN when there are none). */
        public double minTruePositiveRate() {
            return truePositives.values().stream().mapToDouble(Count::rate).min().orElse(Double.NaN);
        }
    }

    /**
     * The sweep and the choice.
     *
     * @param sweep         one row per threshold of the grid, increasing
     * @param targetFpRate  the largest false-positive rate accepted
     * @param chosen        the first row whose false-positive rate is at most the target; empty when none is
     */
    public record Result(List<Row> sweep, double targetFpRate, Optional<Row> chosen) {
        public Result {
            sweep = List.copyOf(sweep);
        }
    }

    /**
     * Sweeps {@code grid} and chooses the smallest threshold with a false-positive rate at most {@code targetFpRate}.
     *
     * @param distortions the distortion names in report order (every positive's distortion must be among them)
     */
    public static Result calibrate(List<Negative> negatives, List<Positive> positives, List<String> distortions,
            ThresholdGrid grid, double targetFpRate) {
        if (negatives.isEmpty()) {
            throw new LockeyException("no never-watermarked segment to measure false positives on");
        }
        if (!(targetFpRate >= 0 && targetFpRate < 1)) {
            throw new LockeyException("the target false-positive rate " + targetFpRate + " is not in [0, 1)");
        }
        List<Row> sweep = new ArrayList<>();
        for (double t : grid.thresholds()) {
            sweep.add(at(t, negatives, positives, distortions));
        }
        Optional<Row> chosen = sweep.stream().filter(r -> r.falsePositives().rate() <= targetFpRate).findFirst();
        return new Result(sweep, targetFpRate, chosen);
    }

    /**
     * The calibration of the segments at least {@code minSeconds} long: what the threshold, the false-positive rate
     * and the true-positive rates would be if the detector only ever saw audio of that length or longer.
     *
     * @param minSeconds the shortest segment length kept
     * @param result     the sweep and the choice on those segments
     */
    public record FromLength(double minSeconds, Result result) {
    }

    /**
     * {@link #calibrate} once per segment length found among the negatives, in increasing order, each time on the
     * segments (negatives and positives) at least that long: the first row is the calibration of every segment, the
     * last that of the longest segments alone. Answers which shortest length meets the targets.
     */
    public static List<FromLength> fromEachLength(List<Negative> negatives, List<Positive> positives,
            List<String> distortions, ThresholdGrid grid, double targetFpRate) {
        List<Double> lengths = negatives.stream().map(Negative::seconds).distinct().sorted().toList();
        List<FromLength> out = new ArrayList<>();
        for (double min : lengths) {
            out.add(new FromLength(min, calibrate(negatives.stream().filter(n -> n.seconds() >= min).toList(),
                    positives.stream().filter(p -> p.seconds() >= min).toList(), distortions, grid, targetFpRate)));
        }
        return out;
    }

    /**
     * The calibration of one segment length alone: the threshold that length's segments would need.
     *
     * @param seconds the segment length
     * @param periods the whole message periods a segment of that length is read over
     * @param result  the sweep and the choice on the segments of exactly that length
     */
    public record AtLength(double seconds, int periods, Result result) {
    }

    /**
     * The detection rule chosen length by length ({@link DetectThreshold}): every length's own smallest threshold
     * with a false-positive rate at most the target, as a step from that length's number of periods on.
     *
     * @param lengths one calibration per segment length of the negatives, increasing
     * @param rule    the rule, empty when some length has no threshold that meets the target
     * @param pooled  the rule's rates over every segment (each read with the threshold for its periods), when there
     *                is a rule; its {@link Row#threshold} is NaN
     */
    public record ByLength(List<AtLength> lengths, Optional<DetectThreshold> rule, Optional<Row> pooled) {
        public ByLength {
            lengths = List.copyOf(lengths);
        }
    }

    /**
     * Chooses a threshold per segment length ({@link #calibrate} on the segments of exactly that length) and makes
     * them the steps of a rule by periods; lengths read over the same number of periods share one step, the larger
     * threshold; lengths of fewer than {@link WatermarkDetector#MIN_PERIODS} periods, which the detector never reads,
     * make no step. The rule's pooled rates apply to every segment the threshold for its own periods (so a positive
     * whose length no negative has is read with the step below it, or not reported below the first step).
     *
     * @param periodsOf the whole message periods a segment of the given seconds is read over
     */
    public static ByLength byLength(List<Negative> negatives, List<Positive> positives, List<String> distortions,
            ThresholdGrid grid, double targetFpRate, ToIntFunction<Double> periodsOf) {
        List<Double> seconds = negatives.stream().map(Negative::seconds).distinct().sorted().toList();
        List<AtLength> lengths = new ArrayList<>();
        TreeMap<Integer, Double> steps = new TreeMap<>();
        boolean complete = true;
        for (double l : seconds) {
            Result r = calibrate(negatives.stream().filter(n -> n.seconds() == l).toList(),
                    positives.stream().filter(p -> p.seconds() == l).toList(), distortions, grid, targetFpRate);
            int periods = periodsOf.applyAsInt(l);
            lengths.add(new AtLength(l, periods, r));
            if (periods < WatermarkDetector.MIN_PERIODS) {
                continue;                       // never read (WatermarkDetector#read): no step, nothing to choose
            }
            if (r.chosen().isEmpty()) {
                complete = false;
            } else {
                steps.merge(periods, r.chosen().get().threshold(), Math::max);
            }
        }
        if (!complete) {
            return new ByLength(lengths, Optional.empty(), Optional.empty());
        }
        List<DetectThreshold.Step> list = new ArrayList<>();
        steps.forEach((p, t) -> list.add(new DetectThreshold.Step(p, t)));
        DetectThreshold rule = new DetectThreshold(list);
        Row pooled = rowAt(Double.NaN, sec -> rule.at(periodsOf.applyAsInt(sec)), negatives, positives, distortions);
        return new ByLength(lengths, Optional.of(rule), Optional.of(pooled));
    }

    /** The rates at one threshold (e.g. the model's current one). */
    public static Row at(double threshold, List<Negative> negatives, List<Positive> positives,
            List<String> distortions) {
        return rowAt(threshold, sec -> threshold, negatives, positives, distortions);
    }

    /** The rates of a rule by periods (e.g. the model's current one), each segment read at its length's threshold. */
    public static Row at(DetectThreshold rule, ToIntFunction<Double> periodsOf, List<Negative> negatives,
            List<Positive> positives, List<String> distortions) {
        return rowAt(rule.isUniform() ? rule.first() : Double.NaN, sec -> rule.at(periodsOf.applyAsInt(sec)),
                negatives, positives, distortions);
    }

    /** The rates when a segment of s seconds is read at {@code thresholdOf(s)}; {@code label} is the row's threshold. */
    private static Row rowAt(double label, DoubleUnaryOperator thresholdOf, List<Negative> negatives,
            List<Positive> positives, List<String> distortions) {
        int fp = (int) negatives.stream().filter(n -> n.detectedAt(thresholdOf.applyAsDouble(n.seconds()))).count();
        Map<String, Count> tp = new LinkedHashMap<>();
        Map<String, Count> wrong = new LinkedHashMap<>();
        for (String d : distortions) {
            List<Positive> ps = positives.stream().filter(p -> p.distortion().equals(d)).toList();
            tp.put(d, new Count((int) ps.stream().filter(p -> p.trueAt(thresholdOf.applyAsDouble(p.seconds())))
                    .count(), ps.size()));
            wrong.put(d, new Count((int) ps.stream().filter(p -> p.misreadAt(thresholdOf.applyAsDouble(p.seconds())))
                    .count(), ps.size()));
        }
        for (Positive p : positives) {
            if (!tp.containsKey(p.distortion())) {
                throw new IllegalArgumentException("distortion '" + p.distortion() + "' is not among " + distortions);
            }
        }
        return new Row(label, new Count(fp, negatives.size()), upperBound(fp, negatives.size(), CONFIDENCE_LEVEL),
                tp, wrong);
    }

    /**
     * The exact one-sided upper confidence bound of a binomial rate (Clopper-Pearson): the p at which seeing at
     * most {@code k} of {@code n} has probability {@code 1 - level}. For k = 0 it is {@code 1 - (1 - level)^(1/n)}
     * (about 3/n at 95 %, the rule of three); 1 for k = n.
     */
    public static double upperBound(int k, int n, double level) {
        if (n < 1 || k < 0 || k > n || !(level > 0 && level < 1)) {
            throw new IllegalArgumentException("upper bound of " + k + " of " + n + " at level " + level);
        }
        if (k == n) {
            return 1;
        }
        double alpha = 1 - level;
        // P(X <= k; n, p) falls from 1 at p = k / n ... to 0 at p = 1: bisect for alpha
        double lo = k / (double) n;
        double hi = 1;
        for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
            double mid = (lo + hi) / 2;
            if (binomialCdf(k, n, mid) > alpha) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** P(X <= k) for X ~ Binomial(n, p), 0 < p < 1, summed in log space (no underflow for large n). */
    static double binomialCdf(int k, int n, double p) {
        if (p <= 0) {
            return 1;
        }
        if (p >= 1) {
            return k >= n ? 1 : 0;
        }
        double logTerm = n * Math.log1p(-p);
        double logOdds = Math.log(p) - Math.log1p(-p);
        double max = logTerm;
        double[] logs = new double[k + 1];
        logs[0] = logTerm;
        for (int i = 0; i < k; i++) {
            logTerm += Math.log(n - i) - Math.log(i + 1) + logOdds;
            logs[i + 1] = logTerm;
            max = Math.max(max, logTerm);
        }
        double sum = 0;
        for (double l : logs) {
            sum += Math.exp(l - max);
        }
        return Math.min(1, Math.exp(max + Math.log(sum)));
    }

    /** A threshold as the reports print it. */
    static String format(double threshold) {
        return String.format(Locale.ROOT, "%.2f", threshold);
    }
}
