package org.lockey.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.lockey.io.AtomicFiles;
import org.lockey.io.Json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A table of experiment results in the paper's layout: a header row, then rows whose first cells
 * are labels and whose other cells are numbers (NaN = not available, with a note; Integer and Long cells are
 * counts, printed without decimals in Markdown). Written as
 * Markdown (for reports), CSV and JSON (raw numbers, for other tools), each atomically.
 */
public final class ResultTable {
    private final String title;
    private final List<String> columns;
    private final int labelColumns;
    private final List<List<Object>> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    /**
     * @param title        caption
     * @param columns      all column names
     * @param labelColumns how many leading columns are text labels
     */
    public ResultTable(String title, List<String> columns, int labelColumns) {
        this.title = title;
        this.columns = List.copyOf(columns);
        this.labelColumns = labelColumns;
    }

    /** Adds a row: {@code labelColumns} strings, then numbers. */
    public ResultTable row(List<?> cells) {
        if (cells.size() != columns.size()) {
            throw new IllegalArgumentException(cells.size() + " cells for " + columns.size() + " columns");
        }
        rows.add(new ArrayList<>(cells));
        return this;
    }

    /** Adds a note printed under the table. */
    public ResultTable note(String note) {
        notes.add(note);
        return this;
    }

    public String title() {
        return title;
    }

    public List<String> columns() {
        return columns;
    }

    public List<List<Object>> rows() {
        return Collections.unmodifiableList(rows);
    }

    /** The number in a cell (NaN for labels or missing values). */
    public double value(int row, String column) {
        Object o = rows.get(row).get(columns.indexOf(column));
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static String format(Object o) {
        if (o instanceof Integer || o instanceof Long) {
            // a count is printed as a count, not as 26.00
            return String.valueOf(o);
        }
        if (o instanceof Number n) {
            double v = n.doubleValue();
            if (Double.isNaN(v)) {
                return "n/a";
            }
            if (Double.isInfinite(v)) {
                return v > 0 ? "inf" : "-inf";
            }
            return Math.abs(v) >= 10 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.3f", v);
        }
        return String.valueOf(o);
    }

    /** The Markdown form. */
    public String markdown() {
        StringBuilder sb = new StringBuilder("**").append(title).append("**\n\n| ");
        sb.append(String.join(" | ", columns)).append(" |\n|");
        for (int i = 0; i < columns.size(); i++) {
            sb.append(i < labelColumns ? "---|" : "---:|");
        }
        sb.append('\n');
        for (List<Object> r : rows) {
            sb.append("| ");
            for (int i = 0; i < r.size(); i++) {
                sb.append(format(r.get(i))).append(i + 1 < r.size() ? " | " : " |\n");
            }
        }
        for (String n : notes) {
            sb.append("\n").append(n).append('\n');
        }
        return sb.toString();
    }

    /** The CSV form (raw numbers, full precision). */
    public String csv() {
        StringBuilder sb = new StringBuilder(String.join(",", columns)).append('\n');
        for (List<Object> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                Object o = r.get(i);
                String cell = o instanceof Number n ? Double.toString(n.doubleValue()) : '"' + String.valueOf(o)
                        .replace("\"", "\"\"") + '"';
                sb.append(cell).append(i + 1 < r.size() ? "," : "\n");
            }
        }
        return sb.toString();
    }

    /** The JSON form: {@code {"title", "columns", "rows": [{column: value}], "notes"}}. */
    public ObjectNode json() {
        ObjectNode o = Json.object();
        o.put("title", title);
        ArrayNode cols = o.putArray("columns");
        columns.forEach(cols::add);
        ArrayNode rs = o.putArray("rows");
        for (List<Object> r : rows) {
            ObjectNode row = rs.addObject();
            for (int i = 0; i < r.size(); i++) {
                Object v = r.get(i);
                if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                    row.put(columns.get(i), n.doubleValue());
                } else if (v instanceof Number) {
                    row.putNull(columns.get(i));
                } else {
                    row.put(columns.get(i), String.valueOf(v));
                }
            }
        }
        ArrayNode ns = o.putArray("notes");
        notes.forEach(ns::add);
        return o;
    }

    /** Writes {@code <stem>.md}, {@code <stem>.csv} and {@code <stem>.json} into {@code dir}. */
    public void write(Path dir, String stem) {
        AtomicFiles.writeString(dir.resolve(stem + ".md"), markdown());
        AtomicFiles.writeString(dir.resolve(stem + ".csv"), csv());
        Json.writePretty(dir.resolve(stem + ".json"), json());
    }
}
