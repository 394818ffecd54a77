package org.lockey.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.lockey.LockeyException;
import org.lockey.eval.DetectionCalibration.Count;
import org.lockey.eval.DetectionCalibration.Negative;
import org.lockey.eval.DetectionCalibration.Payload;
import org.lockey.eval.DetectionCalibration.Positive;
import org.lockey.eval.DetectionCalibration.Row;
import org.lockey.io.AtomicFiles;
import org.lockey.io.Json;
import org.lockey.model.silentcipher.DetectThreshold;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The tables of {@code eval detection}: {@code detection.md} (all four tables), {@code detection.csv} (the sweep,
 * one row per threshold) and {@code detection.json} (the chosen and current thresholds, the settings and every
 * table), each written atomically.
 *
 * <ol>
 * <li>summary: the chosen threshold and the model's current one, with the false-positive count, rate and upper
 * bound and the true-positive rate per distortion;</li>
 * <li>negatives: per source and length, the segments, how many the end-token rule alone calls a message, the
 * largest confidence and the false positives at the reported threshold;</li>
 * <li>true positives per source and length at the reported threshold, per distortion;</li>
 * <li>the sweep;</li>
 * <li>from each length on: the calibration of the segments at least that long (the threshold chosen there, its
 * false positives and true-positive rates), to tell which shortest length meets the targets.</li>
 * </ol>
 * {@code detection-readings.csv} holds every reading (one row per segment, and per distortion for the watermarked
 * ones), so that another analysis needs no new decoding.
 * The reported threshold is the chosen one, or the model's (its first step for a rule) when no threshold of the grid
 * meets the target.
 *
 * @param title          what was measured (model, counts)
 * @param calibration    the sweep and the choice
 * @param fromLength     the calibration of the segments at least each length long ({@link
 *                       DetectionCalibration#fromEachLength})
 * @param current        the rates at the model's current threshold (rule)
 * @param currentRule    that threshold (rule)
 * @param byLength       the calibration of each length alone and the rule by periods made of them ({@link
 *                       DetectionCalibration#byLength})
 * @param negatives      every never-watermarked reading
 * @param positives      every watermarked reading
 * @param distortions    the distortion columns in order
 * @param unavailable    distortions that could not run, with why
 * @param settings       the command's settings, for the JSON
 */
public record DetectionReport(String title, DetectionCalibration.Result calibration,
        List<DetectionCalibration.FromLength> fromLength, Row current, DetectThreshold currentRule,
        DetectionCalibration.ByLength byLength,
        List<Negative> negatives, List<Positive> positives, List<String> distortions, Map<String, String> unavailable,
        ObjectNode settings) {
    /** File stem of the outputs. */
    public static final String STEM = "detection";
    /** File name of every reading. */
    public static final String READINGS_FILE = STEM + "-readings.csv";
    /** The first line of {@link #READINGS_FILE}. */
    public static final String READINGS_HEADER = "kind,source,seconds,distortion,payload,found,confidence";

    public DetectionReport {
        fromLength = List.copyOf(fromLength);
    }

    /** The threshold the per-source tables use: the chosen one, else the model's. */
    public double reportedThreshold() {
        return calibration.chosen().map(Row::threshold).orElse(currentRule.first());
    }

    /** Table 1: the chosen threshold and the model's current one. */
    public ResultTable summary() {
        List<String> cols = new ArrayList<>(List.of("threshold", "value", "negatives", "false_positives", "fp_rate",
                "fp_upper95"));
        distortions.forEach(d -> cols.add("tp_" + d));
        cols.add("min_tp");
        cols.add("misreads");
        ResultTable t = new ResultTable(title, cols, 1);
        calibration.chosen().ifPresent(r -> t.row(summaryRow(String.format(Locale.ROOT,
                "chosen (smallest with fp_rate <= %s)", percent(calibration.targetFpRate())), r)));
        byLength.pooled().ifPresent(r -> t.row(summaryRow("chosen by length (" + byLength.rule().get().describe()
                + ")", r)));
        t.row(summaryRow(currentRule.isUniform() ? "the model's current detect_threshold"
                : "the model's current rule (" + currentRule.describe() + ")", current));
        if (calibration.chosen().isEmpty()) {
            t.note(String.format(Locale.ROOT, "No threshold of the grid keeps the false-positive rate at or below %s "
                    + "(at the largest, %s: %d of %d).", percent(calibration.targetFpRate()),
                    DetectionCalibration.format(last().threshold()), last().falsePositives().hits(),
                    last().falsePositives().trials()));
        }
        t.note("fp_upper95: exact one-sided 95 % upper bound of the false-positive rate (Clopper-Pearson; for 0 "
                + "found, 1 - 0.05^(1/n), about 3/n). tp: reported with exactly the embedded payload; misreads: "
                + "reported with another payload (all distortions).");
        unavailable.forEach((d, why) -> t.note(d + ": skipped (" + why + ")"));
        return t;
    }

    private Row last() {
        return calibration.sweep().get(calibration.sweep().size() - 1);
    }

    private List<Object> summaryRow(String label, Row r) {
        List<Object> row = new ArrayList<>(List.of(label, r.threshold(), r.falsePositives().trials(),
                r.falsePositives().hits(), r.falsePositives().rate(), r.fpUpperBound()));
        distortions.forEach(d -> row.add(r.truePositives().get(d).rate()));
        row.add(r.minTruePositiveRate());
        row.add(r.misreads().values().stream().mapToInt(Count::hits).sum());
        return row;
    }

    /** Table 2: never-watermarked segments per source and length. */
    public ResultTable negativesBySource() {
        double t = reportedThreshold();
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "never-watermarked segments per source (false positives at %s)", DetectionCalibration.format(t)),
                List.of("source", "seconds", "segments", "message_found", "max_confidence", "false_positives"), 1);
        Map<String, List<Negative>> groups = new LinkedHashMap<>();
        for (Negative n : negatives) {
            groups.computeIfAbsent(n.source() + "\u0000" + n.seconds(), k -> new ArrayList<>()).add(n);
        }
        for (List<Negative> g : groups.values()) {
            table.row(List.of(g.get(0).source(), g.get(0).seconds(), g.size(),
                    g.stream().filter(Negative::found).count(),
                    g.stream().mapToDouble(Negative::confidence).max().orElse(Double.NaN),
                    g.stream().filter(n -> n.detectedAt(t)).count()));
        }
        table.note("message_found: the end-token rule alone (exactly one end token among the per-position modes), "
                + "whatever the confidence.");
        return table;
    }

    /** Table 3: true-positive rate per source and length at the reported threshold, per distortion. */
    public ResultTable truePositivesByLength() {
        double t = reportedThreshold();
        List<String> cols = new ArrayList<>(List.of("source", "seconds", "segments"));
        cols.addAll(distortions);
        ResultTable table = new ResultTable(String.format(Locale.ROOT,
                "watermarked segments: true-positive rate per source and length at %s", DetectionCalibration.format(t)),
                cols, 1);
        Map<String, List<Positive>> groups = new LinkedHashMap<>();
        for (Positive p : positives) {
            groups.computeIfAbsent(p.source() + "\u0000" + p.seconds(), k -> new ArrayList<>()).add(p);
        }
        for (List<Positive> g : groups.values()) {
            List<Object> row = new ArrayList<>(List.of(g.get(0).source(), g.get(0).seconds(),
                    g.stream().filter(p -> p.distortion().equals(g.get(0).distortion())).count()));
            for (String d : distortions) {
                List<Positive> pd = g.stream().filter(p -> p.distortion().equals(d)).toList();
                row.add(pd.isEmpty() ? Double.NaN : pd.stream().filter(p -> p.trueAt(t)).count() / (double) pd.size());
            }
            table.row(row);
        }
        return table;
    }

    /** Table 4: every threshold of the grid. */
    public ResultTable sweep() {
        List<String> cols = new ArrayList<>(List.of("threshold", "false_positives", "fp_rate", "fp_upper95"));
        distortions.forEach(d -> cols.add("tp_" + d));
        cols.add("min_tp");
        ResultTable table = new ResultTable("sweep: false-positive and true-positive rates per threshold", cols, 0);
        for (Row r : calibration.sweep()) {
            List<Object> row = new ArrayList<>(List.of(r.threshold(), r.falsePositives().hits(),
                    r.falsePositives().rate(), r.fpUpperBound()));
            distortions.forEach(d -> row.add(r.truePositives().get(d).rate()));
            row.add(r.minTruePositiveRate());
            table.row(row);
        }
        return table;
    }

    /** Table 5: per shortest length, the calibration of the segments at least that long. */
    public ResultTable fromLengthTable() {
        List<String> cols = new ArrayList<>(List.of("min_seconds", "negatives", "chosen_threshold", "false_positives",
                "fp_rate", "fp_upper95"));
        distortions.forEach(d -> cols.add("tp_" + d));
        cols.add("min_tp");
        cols.add("misreads");
        ResultTable table = new ResultTable(String.format(Locale.ROOT, "segments at least min_seconds long: the "
                + "smallest threshold with fp_rate <= %s and its rates", percent(calibration.targetFpRate())), cols, 1);
        for (DetectionCalibration.FromLength f : fromLength) {
            List<Object> row = new ArrayList<>(List.of(f.minSeconds(),
                    f.result().sweep().get(0).falsePositives().trials()));
            row.addAll(chosenCells(f.result().chosen(), cols.size() - row.size()));
            table.row(row);
        }
        table.note("Each row is its own calibration: the threshold is chosen on the segments of that length and "
                + "longer only (n/a: no threshold of the grid meets the target there).");
        return table;
    }

    /**
     * The cells of a chosen threshold's row in tables 5 and 6: threshold, false positives (count, rate, bound), the
     * true-positive rate per distortion, the lowest of them and the misreads; {@code width} n/a cells when none was
     * chosen.
     */
    private List<Object> chosenCells(Optional<Row> chosen, int width) {
        List<Object> cells = new ArrayList<>();
        if (chosen.isEmpty()) {
            for (int i = 0; i < width; i++) {
                cells.add(Double.NaN);
            }
            return cells;
        }
        Row r = chosen.get();
        cells.addAll(List.of(r.threshold(), r.falsePositives().hits(), r.falsePositives().rate(), r.fpUpperBound()));
        distortions.forEach(d -> cells.add(r.truePositives().get(d).rate()));
        cells.add(r.minTruePositiveRate());
        cells.add(r.misreads().values().stream().mapToInt(Count::hits).sum());
        return cells;
    }

    /** Table 6: each length calibrated alone, and the rule by periods made of the thresholds chosen. */
    public ResultTable byLengthTable() {
        List<String> cols = new ArrayList<>(List.of("seconds", "periods", "negatives", "max_confidence",
                "chosen_threshold", "false_positives", "fp_rate", "fp_upper95"));
        distortions.forEach(d -> cols.add("tp_" + d));
        cols.add("min_tp");
        cols.add("misreads");
        ResultTable table = new ResultTable(String.format(Locale.ROOT, "each length alone: the smallest threshold "
                + "with fp_rate <= %s on the segments of exactly that length", percent(calibration.targetFpRate())),
                cols, 0);
        for (DetectionCalibration.AtLength a : byLength.lengths()) {
            List<Object> row = new ArrayList<>(List.of(a.seconds(), a.periods(),
                    a.result().sweep().get(0).falsePositives().trials(), negatives.stream()
                            .filter(n -> n.seconds() == a.seconds()).mapToDouble(Negative::confidence).max()
                            .orElse(Double.NaN)));
            row.addAll(chosenCells(a.result().chosen(), cols.size() - row.size()));
            table.row(row);
        }
        if (byLength.rule().isPresent()) {
            table.note("The rule: " + byLength.rule().get().describe() + " (a clip read over p whole message periods "
                    + "takes the threshold of the last step at or below p; below the first step nothing is reported).");
        } else {
            table.note("No rule by length: n/a marks a length where no threshold of the grid meets the target.");
        }
        return table;
    }

    /** detection-readings.csv: every reading, negatives first. */
    public String readingsCsv() {
        StringBuilder b = new StringBuilder(READINGS_HEADER + "\n");
        for (Negative n : negatives) {
            b.append(String.format(Locale.ROOT, "negative,%s,%s,,,%s,%.6f%n", n.source(), n.seconds(), n.found(),
                    n.confidence()));
        }
        for (Positive p : positives) {
            b.append(String.format(Locale.ROOT, "positive,%s,%s,%s,%s,%s,%.6f%n", p.source(), p.seconds(),
                    p.distortion(), p.payload().name().toLowerCase(Locale.ROOT), p.payload() != Payload.NONE,
                    p.confidence()));
        }
        return b.toString();
    }

    /**
     * Readings read back from {@code detection-readings.csv} files.
     *
     * @param negatives   the never-watermarked readings, in file order
     * @param positives   the watermarked readings, in file order
     * @param distortions the distortions of the positives in order of first appearance
     */
    public record Readings(List<Negative> negatives, List<Positive> positives, List<String> distortions) {
        public Readings {
            negatives = List.copyOf(negatives);
            positives = List.copyOf(positives);
            distortions = List.copyOf(distortions);
        }
    }

    /**
     * The readings of one or more {@link #READINGS_FILE} files (as {@link #readingsCsv} writes them), pooled in the
     * order given: a calibration again without decoding, or of several runs together.
     *
     * @throws LockeyException naming the file and line of anything that is not a reading
     */
    public static Readings readReadings(List<Path> files) {
        List<Negative> negatives = new ArrayList<>();
        List<Positive> positives = new ArrayList<>();
        Set<String> distortions = new LinkedHashSet<>();
        for (Path f : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f);
            } catch (IOException e) {
                throw new LockeyException(f + ": cannot read (" + e.getMessage() + ")");
            }
            if (lines.isEmpty() || !lines.get(0).equals(READINGS_HEADER)) {
                throw new LockeyException(f + ": not a " + READINGS_FILE + " (its first line is not '" + READINGS_HEADER
                        + "')");
            }
            for (int i = 1; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                String[] c = lines.get(i).split(",", -1);
                try {
                    if (c.length != 7) {
                        throw new IllegalArgumentException(c.length + " fields, not 7");
                    }
                    double seconds = Double.parseDouble(c[2]);
                    double confidence = Double.parseDouble(c[6]);
                    switch (c[0]) {
                        case "negative" -> negatives.add(new Negative(c[1], seconds, Boolean.parseBoolean(c[5]),
                                confidence));
                        case "positive" -> {
                            positives.add(new Positive(c[1], seconds, c[3],
                                    Payload.valueOf(c[4].toUpperCase(Locale.ROOT)), confidence));
                            distortions.add(c[3]);
                        }
                        default -> throw new IllegalArgumentException("kind '" + c[0] + "'");
                    }
                } catch (IllegalArgumentException e) {
                    throw new LockeyException(f + ":" + (i + 1) + ": not a reading (" + e.getMessage() + ")");
                }
            }
        }
        return new Readings(negatives, positives, new ArrayList<>(distortions));
    }

    /** detection.md. */
    public String markdown() {
        return summary().markdown() + "\n" + negativesBySource().markdown() + "\n" + truePositivesByLength().markdown()
                + "\n" + fromLengthTable().markdown() + "\n" + byLengthTable().markdown() + "\n" + sweep().markdown();
    }

    /** detection.json. */
    public ObjectNode json() {
        ObjectNode o = Json.object();
        o.put("title", title);
        Optional<Row> chosen = calibration.chosen();
        if (chosen.isPresent()) {
            o.put("chosen_threshold", chosen.get().threshold());
        } else {
            o.putNull("chosen_threshold");
        }
        o.put("current_threshold", currentRule.first());
        if (!currentRule.isUniform()) {
            o.set("current_by_length", currentRule.stepsJson());
        }
        if (byLength.rule().isPresent()) {
            o.set("chosen_by_length", byLength.rule().get().stepsJson());
        } else {
            o.putNull("chosen_by_length");
        }
        o.put("target_fp_rate", calibration.targetFpRate());
        o.put("negatives", negatives.size());
        o.put("positives", positives.size());
        o.set("settings", settings);
        o.set("summary", summary().json());
        o.set("negatives_by_source", negativesBySource().json());
        o.set("true_positives_by_length", truePositivesByLength().json());
        o.set("from_length", fromLengthTable().json());
        o.set("by_length", byLengthTable().json());
        o.set("sweep", sweep().json());
        return o;
    }

    /** Writes detection.md, .csv (the sweep), .json and detection-readings.csv into {@code dir}, each atomically. */
    public void write(Path dir) {
        AtomicFiles.writeString(dir.resolve(READINGS_FILE), readingsCsv());
        AtomicFiles.writeString(dir.resolve(STEM + ".md"), markdown());
        AtomicFiles.writeString(dir.resolve(STEM + ".csv"), sweep().csv());
        Json.writePrettyWithNewline(dir.resolve(STEM + ".json"), json());
    }

    static String percent(double rate) {
        return String.format(Locale.ROOT, "%.2f %%", 100 * rate);
    }
}
