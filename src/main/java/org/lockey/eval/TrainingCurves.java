package org.lockey.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.lockey.LockeyException;

/**
 * The training curves of a LOCKEY fine-tune, drawn from its {@code validation.tsv}
 * ({@code train.FinetuneRun#VALIDATION_FILE}): {@code curves-sdr.png} (SDR_valid and SDR_invalid against the step) and
 * {@code curves-accuracy.png} (bit accuracy of valid-key outputs and the verifier's accuracy).
 */
public final class TrainingCurves {
    /** Where an infinite SDR (the output equals the teacher sample for sample) is drawn, in dB. */
    public static final double SDR_CEILING = 60;

    private TrainingCurves() {
    }

    /** Draws both PNGs beside {@code tsv}. */
    public static void plot(Path tsv) {
        Table rows = read(tsv);
        if (rows.rows().isEmpty()) {
            return;
        }
        double[] step = column(rows, "step", tsv);
        Path dir = tsv.toAbsolutePath().getParent();
        Plots.xy(dir.resolve("curves-sdr.png"), "LOCKEY fine-tuning: SDR against the teacher", "step", "dB", List.of(
                new Plots.Series("SDR_valid", step, ceiled(column(rows, "sdr_valid_db", tsv)), true),
                new Plots.Series("SDR_invalid", step, ceiled(column(rows, "sdr_invalid_db", tsv)), true)));
        Plots.xy(dir.resolve("curves-accuracy.png"), "LOCKEY fine-tuning: watermark and verifier", "step", "accuracy",
                List.of(new Plots.Series("bit accuracy (valid keys)", step, column(rows, "bit_accuracy", tsv), true),
                        new Plots.Series("verifier accuracy", step, column(rows, "verifier_accuracy", tsv), true)),
                0, 1.02, 4, "0.0#");
    }

    /** The rows of a table and its column names. */
    private record Table(List<String> header, List<double[]> rows) {
    }

    private static Table read(Path tsv) {
        List<double[]> rows = new ArrayList<>();
        List<String> header = List.of();
        try {
            List<String> lines = Files.readAllLines(tsv);
            if (lines.isEmpty()) {
                return new Table(header, rows);
            }
            header = List.of(lines.get(0).split("\t"));
            for (String line : lines.subList(1, lines.size())) {
                String[] cells = line.split("\t");
                double[] row = new double[cells.length];
                for (int i = 0; i < cells.length; i++) {
                    row[i] = Double.parseDouble(cells[i]);
                }
                rows.add(row);
            }
        } catch (IOException | NumberFormatException e) {
            throw new LockeyException(tsv + ": not a validation table (" + e.getMessage() + ")");
        }
        return new Table(header, rows);
    }

    private static double[] column(Table t, String name, Path tsv) {
        int c = t.header().indexOf(name);
        if (c < 0) {
            throw new LockeyException(tsv + ": no column '" + name + "'");
        }
        return t.rows().stream().mapToDouble(r -> r[c]).toArray();
    }

    private static double[] ceiled(double[] v) {
        double[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Double.isNaN(out[i]) ? SDR_CEILING : Math.min(SDR_CEILING, out[i]);
        }
        return out;
    }
}
