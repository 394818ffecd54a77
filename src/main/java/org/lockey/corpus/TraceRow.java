package org.lockey.corpus;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One clip's row in {@code trace --out}'s results (CSV and, with the Spark engine, Parquet): the clip, the verdict,
 * the user named (empty when none), the Hamming distance to the nearest issued key (-1: none decoded), the decoder's
 * confidence (NaN for an error row), the watermark decoder's version and a note (why no user is named, a
 * revocation, or the error). It holds no key: a user id is all a row tells of the registry.
 *
 * @param clip       the clip's path as listed
 * @param verdict    {@value #USER}, {@value #REVOKED}, {@value #NO_WATERMARK}, {@value #NO_MATCHING_KEY} or
 *                   {@value #ERROR}
 * @param user       the user named, or ""
 * @param hamming    bits between the decoded payload and the nearest issued key, -1 when none was compared
 * @param confidence the watermark decoder's confidence, NaN when the clip could not be read
 * @param decoder    the watermark decoder that read the clip ({@link Tracer#decoderVersion})
 * @param note       why, or ""
 */
public record TraceRow(String clip, String verdict, String user, int hamming, double confidence, String decoder,
        String note) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A watermark names an issued key's holder. */
    public static final String USER = "user";
    /** As {@link #USER}, but the key was revoked. */
    public static final String REVOKED = "revoked";
    /** No watermark is reported. */
    public static final String NO_WATERMARK = "no_watermark";
    /** A watermark is reported, but no issued key is near enough. */
    public static final String NO_MATCHING_KEY = "no_matching_key";
    /** The clip could not be read (the note says why). */
    public static final String ERROR = "error";

    /** The columns, in order (the CSV header and the Parquet schema). */
    public static final List<String> COLUMNS = List.of("clip", "verdict", "user", "hamming", "confidence", "decoder",
            "note");

    /** The row of an answer. */
    public static TraceRow of(String clip, ClipTrace t, String decoder) {
        String verdict = switch (t.verdict()) {
            case USER -> t.holder().orElseThrow().isRevoked() ? REVOKED : USER;
            case NO_WATERMARK -> NO_WATERMARK;
            case NO_MATCHING_KEY -> NO_MATCHING_KEY;
        };
        return new TraceRow(clip, verdict, t.user(), t.distance(), t.confidence(), decoder, t.note());
    }

    /** The row of a clip that could not be read. */
    public static TraceRow error(String clip, String decoder, String why) {
        return new TraceRow(clip, ERROR, "", -1, Double.NaN, decoder, why);
    }

    /** Whether the row names a user (revoked or not). */
    public boolean named() {
        return verdict.equals(USER) || verdict.equals(REVOKED);
    }

    /** The CSV header line (no newline). */
    public static String csvHeader() {
        return String.join(",", COLUMNS);
    }

    /** This row as a CSV line (RFC 4180 quoting; confidence with 6 decimals, empty for NaN; no newline). */
    public String csv() {
        return String.join(",", quote(clip), verdict, quote(user), Integer.toString(hamming),
                Double.isNaN(confidence) ? "" : String.format(Locale.ROOT, "%.6f", confidence), quote(decoder),
                quote(note));
    }

    /**
     * The rows of a CSV text written from {@link #csvHeader} and {@link #csv} lines (quoted fields may hold commas,
     * quotes and newlines).
     *
     * @throws IllegalArgumentException a header or a record that is not one of these
     */
    public static List<TraceRow> parseCsv(String text) {
        List<List<String>> records = records(text);
        if (records.isEmpty() || !records.get(0).equals(COLUMNS)) {
            throw new IllegalArgumentException("the header is not " + csvHeader());
        }
        List<TraceRow> rows = new ArrayList<>();
        for (int r = 1; r < records.size(); r++) {
            List<String> f = records.get(r);
            if (f.size() != COLUMNS.size()) {
                throw new IllegalArgumentException("record " + r + " has " + f.size() + " fields, not " + COLUMNS.size());
            }
            rows.add(new TraceRow(f.get(0), f.get(1), f.get(2), Integer.parseInt(f.get(3)),
                    f.get(4).isEmpty() ? Double.NaN : Double.parseDouble(f.get(4)), f.get(5), f.get(6)));
        }
        return rows;
    }

    static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** The records of a CSV text, quotes undone (a final newline ends the last record). */
    static List<List<String>> records(String text) {
        List<List<String>> out = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                record.add(cur.toString());
                cur.setLength(0);
            } else if (ch == '\n') {
                record.add(cur.toString());
                cur.setLength(0);
                out.add(record);
                record = new ArrayList<>();
            } else if (ch != '\r') {
                cur.append(ch);
            }
        }
        if (cur.length() > 0 || !record.isEmpty()) {
            record.add(cur.toString());
            out.add(record);
        }
        return out;
    }
}
