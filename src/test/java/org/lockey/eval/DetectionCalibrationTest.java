package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.lockey.eval.DetectionCalibration.Negative;
import org.lockey.eval.DetectionCalibration.Payload;
import org.lockey.eval.DetectionCalibration.Positive;
import org.lockey.eval.DetectionCalibration.Result;
import org.lockey.eval.DetectionCalibration.Row;
import org.lockey.eval.DetectionCalibration.ThresholdGrid;

/**
 * The bookkeeping of {@code eval detection} on hand-made readings; every expected number below is worked out in
 * the comments, not by the code under test.
 */
class DetectionCalibrationTest {
    /**
     * 1000 negatives: 997 with no message (confidence 0.5), one with no message but confidence 0.99 (never a false
     * positive: the end-token rule fails), and two messages at 0.62 and 0.70.
     */
    static List<Negative> negatives() {
        List<Negative> n = new ArrayList<>();
        for (int i = 0; i < 997; i++) {
            n.add(new Negative("speech", 1, false, 0.5));
        }
        n.add(new Negative("music", 2, false, 0.99));
        n.add(new Negative("pink noise full scale", 3, true, 0.62));
        n.add(new Negative("invalid key m", 5, true, 0.70));
        return n;
    }

    /** orig: right at 0.90 and 0.64, wrong at 0.95, nothing found at 0.99; mp3_128k: right at 0.66 and 0.80. */
    static List<Positive> positives() {
        return List.of(new Positive("speech", 1, "orig", Payload.RIGHT, 0.90),
                new Positive("speech", 1, "orig", Payload.RIGHT, 0.64),
                new Positive("music", 1, "orig", Payload.WRONG, 0.95),
                new Positive("music", 1, "orig", Payload.NONE, 0.99),
                new Positive("speech", 1, "mp3_128k", Payload.RIGHT, 0.66),
                new Positive("music", 1, "mp3_128k", Payload.RIGHT, 0.80));
    }

    static final List<String> DISTORTIONS = List.of("orig", "mp3_128k");

    @Test
    void theChosenThresholdIsTheSmallestWithAFalsePositiveRateAtMostTheTarget() {
        Result r = DetectionCalibration.calibrate(negatives(), positives(), DISTORTIONS,
                new ThresholdGrid(0.60, 0.75, 0.05), 0.001);
        assertEquals(List.of(0.60, 0.65, 0.70, 0.75), r.sweep().stream().map(Row::threshold).toList());
        // 0.60: 0.62 and 0.70 reach it -> 2 of 1000 = 0.002 > 0.001; 0.65 and 0.70: only 0.70 -> 0.001; 0.75: none
        assertEquals(List.of(2, 1, 1, 0), r.sweep().stream().map(x -> x.falsePositives().hits()).toList());
        assertEquals(0.002, r.sweep().get(0).falsePositives().rate(), 1e-15);
        assertTrue(r.chosen().isPresent());
        Row chosen = r.chosen().get();
        assertEquals(0.65, chosen.threshold());
        assertEquals(1000, chosen.falsePositives().trials());
        // orig at 0.65: only the right payload at 0.90 (0.64 is below; 0.95 is a misread; 0.99 found nothing) -> 1/4
        assertEquals(1, chosen.truePositives().get("orig").hits());
        assertEquals(4, chosen.truePositives().get("orig").trials());
        assertEquals(0.25, chosen.truePositives().get("orig").rate());
        assertEquals(1, chosen.misreads().get("orig").hits());
        // mp3_128k at 0.65: 0.66 and 0.80 -> 2/2
        assertEquals(1.0, chosen.truePositives().get("mp3_128k").rate());
        assertEquals(0, chosen.misreads().get("mp3_128k").hits());
        assertEquals(0.25, chosen.minTruePositiveRate());
        // at 0.60 orig also counts 0.64 -> 2/4
        assertEquals(0.5, r.sweep().get(0).truePositives().get("orig").rate());
        // at 0.75 no false positive: the bound is 1 - 0.05^(1/1000)
        assertEquals(1 - Math.pow(0.05, 1 / 1000.0), r.sweep().get(3).fpUpperBound(), 1e-9);
    }

    @Test
    void aTargetOfZeroNeedsNoFalsePositiveAtAll() {
        Result r = DetectionCalibration.calibrate(negatives(), positives(), DISTORTIONS,
                new ThresholdGrid(0.60, 0.75, 0.05), 0);
        assertEquals(0.75, r.chosen().orElseThrow().threshold());
    }

    @Test
    void noThresholdIsChosenWhenEveryOneLetsTooManyFalsePositivesThrough() {
        List<Negative> n = List.of(new Negative("speech", 1, true, 0.99), new Negative("speech", 1, false, 0.2));
        Result r = DetectionCalibration.calibrate(n, List.of(), List.of("orig"), ThresholdGrid.DEFAULT, 0.001);
        assertFalse(r.chosen().isPresent());
        // 1 of 2 at every threshold up to 0.95
        assertTrue(r.sweep().stream().allMatch(x -> x.falsePositives().hits() == 1));
        assertTrue(Double.isNaN(r.sweep().get(0).truePositives().get("orig").rate()), "no positives: NaN, not 0");
    }

    @Test
    void theGridHitsItsDecimalsExactly() {
        List<Double> t = ThresholdGrid.DEFAULT.thresholds();
        assertEquals(66, t.size()); // 0.30, 0.31, ..., 0.95
        assertEquals(0.30, t.get(0));
        assertEquals(0.6, t.get(30));
        assertEquals(0.95, t.get(65));
        // a confidence of 27/45 = 0.6 exactly reaches the threshold 0.6 of the grid
        assertTrue(new Negative("s", 1, true, 27 / 45.0).detectedAt(t.get(30)));
        assertEquals(new ThresholdGrid(0.3, 0.95, 0.01), ThresholdGrid.parse("0.3:0.95:0.01"));
        assertThrows(LockeyException.class, () -> ThresholdGrid.parse("0.3:0.95"));
        assertThrows(LockeyException.class, () -> ThresholdGrid.parse("0.9:0.3:0.01"));
        assertThrows(LockeyException.class, () -> ThresholdGrid.parse("a:0.9:0.01"));
    }

    @Test
    void upperBoundsAgreeWithTheirDefinition() {
        // k = 0: 1 - 0.05^(1/n); close to the rule of three, 3/n
        assertEquals(1 - Math.pow(0.05, 1 / 1000.0), DetectionCalibration.upperBound(0, 1000, 0.95), 1e-12);
        assertEquals(3 / 1000.0, DetectionCalibration.upperBound(0, 1000, 0.95), 1e-5);
        // k = 1 of 1000: P(X <= 1) = (1-p)^1000 + 1000 p (1-p)^999 = 0.05 at the bound (about 4.74 / 1000)
        double p = DetectionCalibration.upperBound(1, 1000, 0.95);
        assertEquals(0.05, Math.pow(1 - p, 1000) + 1000 * p * Math.pow(1 - p, 999), 1e-9);
        assertEquals(0.00474, p, 1e-5);
        // k = 2 of 10: sum over i = 0..2 of C(10, i) p^i (1-p)^(10-i) = 0.05
        double q = DetectionCalibration.upperBound(2, 10, 0.95);
        double cdf = Math.pow(1 - q, 10) + 10 * q * Math.pow(1 - q, 9) + 45 * q * q * Math.pow(1 - q, 8);
        assertEquals(0.05, cdf, 1e-9);
        assertEquals(1.0, DetectionCalibration.upperBound(5, 5, 0.95));
        // large n does not underflow: 0 of 100,000 -> about 3e-5
        assertEquals(1 - Math.pow(0.05, 1e-5), DetectionCalibration.upperBound(0, 100_000, 0.95), 1e-12);
    }

    @Test
    void eachShortestLengthIsCalibratedOnTheSegmentsAtLeastThatLong() {
        // negatives(): lengths 1 (997, no message), 2 (no message at 0.99), 3 (message at 0.62), 5 (message at 0.70)
        List<DetectionCalibration.FromLength> f = DetectionCalibration.fromEachLength(negatives(), positives(),
                DISTORTIONS, new ThresholdGrid(0.60, 0.75, 0.05), 0.001);
        assertEquals(List.of(1.0, 2.0, 3.0, 5.0), f.stream().map(DetectionCalibration.FromLength::minSeconds).toList());
        // from 1 s: every segment, as calibrate(): 0.65 with 1 of 1000
        Row all = f.get(0).result().chosen().orElseThrow();
        assertEquals(0.65, all.threshold());
        assertEquals(1000, all.falsePositives().trials());
        assertEquals(1, all.falsePositives().hits());
        // every positive is 1 s long: they count from 1 s only
        assertEquals(4, all.truePositives().get("orig").trials());
        // from 2 s: 3 negatives (0.99 without message, 0.62, 0.70): 1 of 3 > 0.1 % up to 0.70, none at 0.75
        Row from2 = f.get(1).result().chosen().orElseThrow();
        assertEquals(0.75, from2.threshold());
        assertEquals(3, from2.falsePositives().trials());
        assertEquals(0, from2.truePositives().get("orig").trials());
        // from 3 s: 0.62 and 0.70 -> 0.75; from 5 s: 0.70 alone -> 0.75
        assertEquals(0.75, f.get(2).result().chosen().orElseThrow().threshold());
        assertEquals(2, f.get(2).result().chosen().orElseThrow().falsePositives().trials());
        assertEquals(1, f.get(3).result().sweep().get(0).falsePositives().trials());
        // with a grid ending at 0.65 nothing is chosen from 3 s on (0.70 always reported), though from 1 s it is
        List<DetectionCalibration.FromLength> gridTo065 = DetectionCalibration.fromEachLength(negatives(), positives(),
                DISTORTIONS, new ThresholdGrid(0.60, 0.65, 0.05), 0.001);
        assertTrue(gridTo065.get(0).result().chosen().isPresent());
        assertFalse(gridTo065.get(2).result().chosen().isPresent());
        assertFalse(gridTo065.get(3).result().chosen().isPresent());
    }

    @Test
    void noNegativesIsAnError() {
        assertThrows(LockeyException.class, () -> DetectionCalibration.calibrate(List.of(), positives(), DISTORTIONS,
                ThresholdGrid.DEFAULT, 0.001));
    }

    /**
     * Two lengths, each needing its own threshold: at 1 s (2 periods) chance messages reach 0.88, at 4 s (8 periods)
     * only 0.61; the watermarks stay at 0.75-0.80 at both lengths.
     */
    @Test
    void byLengthChoosesEachLengthsOwnThresholdAndAppliesItByPeriods() {
        List<Negative> neg = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            neg.add(new Negative("speech", 1, true, 0.50 + 0.04 * i));  // 0.50 ... 0.86
            neg.add(new Negative("speech", 4, true, 0.40 + 0.02 * i));  // 0.40 ... 0.58
        }
        neg.add(new Negative("music", 1, true, 0.88));
        neg.add(new Negative("speech", 0.5, false, 0.0));               // 1 period: never read, no step
        neg.add(new Negative("music", 4, true, 0.61));
        List<Positive> pos = List.of(new Positive("speech", 1, "orig", Payload.RIGHT, 0.80),
                new Positive("speech", 1, "orig", Payload.RIGHT, 0.75),
                new Positive("speech", 4, "orig", Payload.RIGHT, 0.80),
                new Positive("speech", 4, "orig", Payload.RIGHT, 0.75),
                new Positive("speech", 3, "orig", Payload.RIGHT, 0.70));      // no negative has 3 s
        var by = DetectionCalibration.byLength(neg, pos, List.of("orig"), new ThresholdGrid(0.30, 0.95, 0.01), 0.0,
                sec -> (int) (2 * sec));                                        // 1 s: 2 periods, 3 s: 6, 4 s: 8
        // 1 s: the largest chance confidence is 0.88, so 0.89 is the first with none; 4 s: 0.61 -> 0.62
        assertEquals(3, by.lengths().size());
        assertEquals(1, by.lengths().get(0).periods());
        assertEquals(0.89, by.lengths().get(1).result().chosen().get().threshold(), 1e-12);
        assertEquals(0.62, by.lengths().get(2).result().chosen().get().threshold(), 1e-12);
        var rule = by.rule().get();
        assertEquals(List.of(new org.lockey.model.silentcipher.DetectThreshold.Step(2, 0.89),
                new org.lockey.model.silentcipher.DetectThreshold.Step(8, 0.62)), rule.steps());
        // pooled: no false positive; orig: the 1-s watermarks (0.80, 0.75 < 0.89) are missed, the 4-s ones (>= 0.62)
        // found, the 3-s one (6 periods -> the 2-period step, 0.89) missed: 2 of 5
        Row pooled = by.pooled().get();
        assertEquals(0, pooled.falsePositives().hits());
        assertEquals(23, pooled.falsePositives().trials());
        assertEquals(2, pooled.truePositives().get("orig").hits());
        assertEquals(5, pooled.truePositives().get("orig").trials());
        assertTrue(Double.isNaN(pooled.threshold()));
        // one threshold for both lengths would be 0.89 and find none of the five
        Result uniform = DetectionCalibration.calibrate(neg, pos, List.of("orig"), new ThresholdGrid(0.30, 0.95, 0.01),
                0.0);
        assertEquals(0.89, uniform.chosen().get().threshold(), 1e-12);
        assertEquals(0, uniform.chosen().get().truePositives().get("orig").hits());
    }

    @Test
    void noRuleByLengthWhenOneLengthHasNoThreshold() {
        List<Negative> neg = List.of(new Negative("speech", 1, true, 0.99), new Negative("speech", 2, true, 0.5));
        var by = DetectionCalibration.byLength(neg, List.of(), List.of("orig"), new ThresholdGrid(0.30, 0.95, 0.01), 0.0,
                sec -> (int) (2 * sec));
        assertTrue(by.rule().isEmpty());
        assertTrue(by.pooled().isEmpty());
        assertTrue(by.lengths().get(0).result().chosen().isEmpty());
        assertEquals(0.51, by.lengths().get(1).result().chosen().get().threshold(), 1e-12);
    }
}
