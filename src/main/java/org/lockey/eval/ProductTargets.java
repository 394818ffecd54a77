package org.lockey.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.lockey.metric.OutputLevel;

/**
 * What a shipped keyed model must reach (issue 17, parts 2 and 5), checked figure by figure: fidelity of
 * valid keys, degradation of invalid keys without railing, the watermark's bit accuracy per Table II column,
 * and the key probe's two shares. The demo report prints the checks as a table; nothing here decides
 * whether the demo passes.
 */
public final class ProductTargets {
    /** SDR_valid a shipped HiFi-GAN must reach, dB (the paper's: 25.95). */
    public static final double HIFIGAN_SDR_VALID_DB = 20;
    /** SDR_valid a shipped Encodec must reach, dB (the paper's: 23.20). */
    public static final double ENCODEC_SDR_VALID_DB = 18;
    /** SDR_invalid at most, dB. */
    public static final double SDR_INVALID_DB = 3;
    /** Bit accuracy of valid-key outputs without distortion, at least. */
    public static final double CLEAN_BIT_ACCURACY = 0.99;
    /** Bit accuracy of valid-key outputs on every Table II column, at least. */
    public static final double COLUMN_BIT_ACCURACY = 0.95;
    /** Invalid-key output RMS over the teacher's: between these two. */
    public static final double MIN_RMS_RATIO = 0.5;
    public static final double MAX_RMS_RATIO = 2;
    /** |mean| of invalid-key outputs, at most. */
    public static final double MAX_DC = 0.02;
    /** Share of invalid-key samples at |x| >= {@value OutputLevel#CLIP_LEVEL}, at most. */
    public static final double MAX_CLIPPED = 0.005;
    /** Share of valid keys below {@link Probe#VALID_TARGET_DB}, at most. */
    public static final double MAX_VALID_BELOW = 0.05;
    /** Share of invalid keys above {@link Probe#INVALID_ABOVE_DB}, at most. */
    public static final double MAX_INVALID_ABOVE = 0.01;

    /** One figure against its target. */
    public record Check(String figure, String measured, String target, boolean met) {
    }

    private ProductTargets() {
    }

    /**
     * The checks for one branch ("hifigan" or "encodec").
     *
     * @param probe the key probe, or null when none was run (its two rows are left out)
     */
    public static List<Check> of(String branch, Table2.Result t2, OutputLevel invalidLevel, Probe.Result probe) {
        double sdrValidTarget = branch.equals("hifigan") ? HIFIGAN_SDR_VALID_DB : ENCODEC_SDR_VALID_DB;
        List<Check> out = new ArrayList<>();
        out.add(new Check("SDR_valid", db(t2.sdrValid()), String.format(Locale.ROOT, ">= %.0f dB", sdrValidTarget),
                t2.sdrValid() >= sdrValidTarget));
        out.add(new Check("SDR_invalid", db(t2.sdrInvalid()), String.format(Locale.ROOT, "<= %.0f dB", SDR_INVALID_DB),
                t2.sdrInvalid() <= SDR_INVALID_DB));
        double clean = t2.accuracy().getOrDefault("orig", Double.NaN);
        out.add(new Check("bit accuracy, clean", fraction(clean), String.format(Locale.ROOT, ">= %.2f", CLEAN_BIT_ACCURACY),
                clean >= CLEAN_BIT_ACCURACY));
        Map.Entry<String, Double> worst = null;
        for (Map.Entry<String, Double> e : t2.accuracy().entrySet()) {
            if (Double.isFinite(e.getValue()) && (worst == null || e.getValue() < worst.getValue())) {
                worst = e;
            }
        }
        if (worst != null) {
            out.add(new Check("bit accuracy, worst column (" + worst.getKey() + ")", fraction(worst.getValue()),
                    String.format(Locale.ROOT, ">= %.2f", COLUMN_BIT_ACCURACY), worst.getValue() >= COLUMN_BIT_ACCURACY));
        }
        out.add(new Check("invalid-key RMS / teacher's", String.format(Locale.ROOT, "%.2f", invalidLevel.rmsRatio()),
                String.format(Locale.ROOT, "%.1f to %.0f", MIN_RMS_RATIO, MAX_RMS_RATIO),
                invalidLevel.rmsRatio() >= MIN_RMS_RATIO && invalidLevel.rmsRatio() <= MAX_RMS_RATIO));
        out.add(new Check("invalid-key DC", String.format(Locale.ROOT, "%.4f", invalidLevel.dc()),
                String.format(Locale.ROOT, "within ±%.2f", MAX_DC), Math.abs(invalidLevel.dc()) <= MAX_DC));
        out.add(new Check("invalid-key samples at full scale", percent(invalidLevel.clippedFraction()),
                "<= " + percent(MAX_CLIPPED), invalidLevel.clippedFraction() <= MAX_CLIPPED));
        if (probe != null) {
            out.add(new Check(String.format(Locale.ROOT, "probe: valid keys below %.0f dB", Probe.VALID_TARGET_DB),
                    percent(probe.validBelowTarget()), "<= " + percent(MAX_VALID_BELOW),
                    probe.validBelowTarget() <= MAX_VALID_BELOW));
            out.add(new Check(String.format(Locale.ROOT, "probe: invalid keys above %.0f dB", Probe.INVALID_ABOVE_DB),
                    percent(probe.invalidAbove()), "<= " + percent(MAX_INVALID_ABOVE),
                    probe.invalidAbove() <= MAX_INVALID_ABOVE));
        }
        return out;
    }

    /** The checks as a markdown table. */
    public static String markdown(List<Check> checks) {
        StringBuilder b = new StringBuilder("| figure | measured | target (issue 17) | |\n|---|---:|---|---|\n");
        for (Check c : checks) {
            b.append("| ").append(c.figure()).append(" | ").append(c.measured()).append(" | ").append(c.target())
                    .append(" | ").append(c.met() ? "met" : "**not met**").append(" |\n");
        }
        return b.toString();
    }

    private static String db(double v) {
        return String.format(Locale.ROOT, "%.2f dB", v);
    }

    private static String fraction(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String percent(double v) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * v);
    }
}
