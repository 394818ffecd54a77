package org.lockey.eval;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.audio.Wav;
import org.lockey.io.AtomicFiles;
import org.lockey.io.Json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * The demo's page to listen to: {@code report.html} beside {@code report.md}, built from what
 * {@link Demo} wrote ({@code summary.json}; per branch the WAVs, {@code traces.json},
 * {@code table2.json} and {@code accuracy.png}). Self-contained except for the WAVs it links: the
 * spectrograms ({@link Plots#spectrogramPng}) and the plot are inline PNG data URIs, the style is
 * inline, there is no script.
 *
 * <p>Per branch: an HTML5 audio player and a spectrogram for the real clip, the teacher, each user's
 * valid-key output and each invalid-key output; the figures of {@code summary.json} beside the
 * paper's (Table II of the LOCKEY paper) with a one-line verdict each; the trace results; Table II;
 * the bit-accuracy plot. Every text is HTML-escaped, every link URL-encoded.
 */
public final class DemoReport {
    /** The page's file name, in the demo's output directory. */
    public static final String FILE = "report.html";
    /** Per branch: the trace results of the demo's clips ({@link TraceRow}s as JSON). */
    public static final String TRACES_FILE = "traces.json";
    /** Widest spectrogram drawn, in pixels. */
    public static final int SPECTROGRAM_WIDTH = 480;
    /** Bit accuracy this close below the paper's still "matches" it (the paper prints two decimals). */
    public static final double ACCURACY_SLACK = 0.005;

    /**
     * One traced clip of the demo.
     *
     * @param clip       its WAV file in the branch directory, e.g. {@code alice.wav}
     * @param key        whose key made it, e.g. {@code alice's key} or {@code an invalid key}
     * @param tracedTo   the user it was traced to, empty for none
     * @param hamming    Hamming distance of the decoded key to the nearest issued one (-1: no payload found)
     * @param confidence the watermark detector's confidence
     * @param sdrDb      SDR against the teacher (valid keys: its watermarked output) in dB
     */
    public record TraceRow(String clip, String key, String tracedTo, int hamming, double confidence, double sdrDb) {
    }

    /**
     * The paper's Table II figures of one branch.
     *
     * @param sdrValid   SDR_valid in dB
     * @param sdrInvalid SDR_invalid in dB
     * @param accuracy   bit accuracy per Table I column
     */
    public record PaperFigures(double sdrValid, double sdrInvalid, Map<String, Double> accuracy) {
    }

    private static final List<String> TABLE_I = List.of("eq", "gaus", "mp3_64k", "mp3_128k", "mp3_256k", "ogg_64k",
            "ogg_128k", "ogg_256k", "quant", "resamp", "time_jit", "orig");

    private static Map<String, Double> accuracies(double... values) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            m.put(TABLE_I.get(i), values[i]);
        }
        return Map.copyOf(m);
    }

    /** The LOCKEY paper's Table II, by branch name (as in docs/results.md). */
    public static final Map<String, PaperFigures> PAPER = Map.of(
            "hifigan", new PaperFigures(25.95, 1.28, accuracies(0.99, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)),
            "encodec", new PaperFigures(23.20, 3.72, accuracies(0.91, 0.94, 0.97, 0.97, 0.97, 0.97, 0.97, 0.97, 0.97,
                    0.88, 0.97, 0.97)));

    private DemoReport() {
    }

    /** Writes {@code traces} as {@value #TRACES_FILE} into {@code branchDir}. */
    public static void writeTraces(Path branchDir, List<TraceRow> traces) {
        ArrayNode a = Json.array();
        for (TraceRow t : traces) {
            a.addObject().put("clip", t.clip()).put("key", t.key()).put("traced_to", t.tracedTo())
                    .put("hamming", t.hamming()).put("confidence", t.confidence()).put("sdr_db", t.sdrDb());
        }
        Json.writePretty(branchDir.resolve(TRACES_FILE), a);
    }

    /** The {@value #TRACES_FILE} of {@code branchDir}. */
    public static List<TraceRow> readTraces(Path branchDir) {
        JsonNode a = readJson(branchDir.resolve(TRACES_FILE));
        List<TraceRow> rows = new ArrayList<>();
        for (JsonNode t : a) {
            rows.add(new TraceRow(t.path("clip").asText(), t.path("key").asText(), t.path("traced_to").asText(),
                    t.path("hamming").asInt(-1), t.path("confidence").asDouble(Double.NaN),
                    t.path("sdr_db").asDouble(Double.NaN)));
        }
        return rows;
    }

    /**
     * Writes {@code out/report.html} from {@code out/summary.json} and the branch directories it names.
     *
     * @param titles the branches' titles by name (a branch missing here is titled by its name)
     * @return the page's path
     * @throws LockeyException when a file the page links or embeds is missing
     */
    public static Path write(Path out, Map<String, String> titles) {
        JsonNode summary = readJson(out.resolve("summary.json"));
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>LOCKEY demo</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n")
                .append("<h1>LOCKEY demo</h1>\n<p>Generated by <code>./lockey demo</code>: every clip was produced on ")
                .append("this machine from the shipped models in <code>reference-data/models/</code> and the test split of ")
                .append("<code>reference-data/</code>. The valid-key clips should sound like the teacher (each carries its ")
                .append("user's key as a watermark); the invalid-key clips, made with keys never issued, should sound ")
                .append("clearly degraded. Spectrograms share one scale (0 dBFS brightest, 80 dB range).</p>\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = summary.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            branch(h, out, e.getKey(), titles.getOrDefault(e.getKey(), e.getKey()), e.getValue());
        }
        h.append("</body>\n</html>\n");
        Path page = out.resolve(FILE);
        AtomicFiles.writeString(page, h.toString());
        return page;
    }

    private static void branch(StringBuilder h, Path out, String name, String title, JsonNode s) {
        Path dir = out.resolve(name);
        List<TraceRow> traces = readTraces(dir);
        h.append("<section id=\"").append(escape(name)).append("\">\n<h2>").append(escape(title)).append("</h2>\n");
        h.append("<h3>Listen</h3>\n<table class=\"clips\">\n<tr><th>clip</th><th>player</th><th>spectrogram</th></tr>\n");
        clip(h, out, name, "real.wav", "the real clip (test split)");
        clip(h, out, name, "teacher.wav", "the teacher (base generator G0)");
        for (TraceRow t : traces) {
            clip(h, out, name, t.clip(), "generated with " + t.key());
        }
        h.append("</table>\n");
        figures(h, name, s);
        h.append("<h3>Tracing</h3>\n<table>\n<tr><th>clip</th><th>key</th><th>traced to</th><th>Hamming</th>")
                .append("<th>confidence</th><th>SDR vs teacher (dB)</th></tr>\n");
        for (TraceRow t : traces) {
            h.append("<tr><td>").append(escape(t.clip())).append("</td><td>").append(escape(t.key())).append("</td><td>")
                    .append(escape(t.tracedTo().isEmpty() ? "no issued key" : t.tracedTo())).append("</td><td>")
                    .append(t.hamming()).append("</td><td>").append(number(t.confidence(), "%.2f")).append("</td><td>")
                    .append(number(t.sdrDb(), "%.1f")).append("</td></tr>\n");
        }
        h.append("</table>\n");
        Path table2 = dir.resolve("table2.json");
        if (Files.exists(table2)) {
            resultTable(h, readJson(table2));
        }
        Path plot = dir.resolve("accuracy.png");
        if (Files.exists(plot)) {
            h.append("<p><img class=\"plot\" alt=\"").append(escape(title + ": bit accuracy per distortion"))
                    .append("\" src=\"").append(dataUri(read(plot))).append("\"></p>\n");
        }
        h.append("</section>\n");
    }

    private static void clip(StringBuilder h, Path out, String branch, String file, String label) {
        Path wav = out.resolve(branch).resolve(file);
        if (!Files.isRegularFile(wav)) {
            throw new LockeyException(wav + ": the demo page links this clip, but it is missing");
        }
        String href = url(branch) + "/" + url(file);
        byte[] png = Plots.spectrogramPng(Wav.read(wav).mono(), SPECTROGRAM_WIDTH);
        h.append("<tr><td><a href=\"").append(escape(href)).append("\">").append(escape(file)).append("</a><br>")
                .append(escape(label)).append("</td><td><audio controls preload=\"metadata\" src=\"").append(escape(href))
                .append("\"></audio></td><td><img class=\"spec\" alt=\"").append(escape("spectrogram of " + file))
                .append("\" src=\"").append(dataUri(png)).append("\"></td></tr>\n");
    }

    /** The figures of summary.json beside the paper's, a verdict each. */
    private static void figures(StringBuilder h, String branch, JsonNode s) {
        PaperFigures paper = PAPER.get(branch);
        h.append("<h3>Figures against the paper</h3>\n<table>\n<tr><th>figure</th><th>this demo</th>")
                .append("<th>paper (Table II)</th><th>verdict</th></tr>\n");
        double valid = s.path("sdr_valid").asDouble(Double.NaN);
        double invalid = s.path("sdr_invalid").asDouble(Double.NaN);
        figure(h, "SDR_valid (dB)", number(valid, "%.2f"), paper == null ? "-" : number(paper.sdrValid(), "%.2f"),
                paper == null ? "no paper figure" : sdrValidVerdict(valid, paper.sdrValid()));
        figure(h, "SDR_invalid (dB)", number(invalid, "%.2f"), paper == null ? "-" : number(paper.sdrInvalid(), "%.2f"),
                paper == null ? "no paper figure" : sdrInvalidVerdict(invalid, paper.sdrInvalid()));
        figure(h, "SDR_valid - SDR_invalid (dB)", number(valid - invalid, "%.1f"),
                paper == null ? "-" : number(paper.sdrValid() - paper.sdrInvalid(), "%.1f"), separationVerdict(valid - invalid));
        for (Iterator<Map.Entry<String, JsonNode>> it = s.path("bit_accuracy").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            double ours = e.getValue().isNumber() ? e.getValue().asDouble() : Double.NaN;
            Double theirs = paper == null ? null : paper.accuracy().get(e.getKey());
            figure(h, "bit accuracy, " + e.getKey(), number(ours, "%.3f"), theirs == null ? "-" : number(theirs, "%.2f"),
                    accuracyVerdict(e.getKey(), ours, theirs));
        }
        int traced = s.path("users_traced").asInt();
        int users = s.path("users_total").asInt();
        figure(h, "users traced", traced + " of " + users, "-", traced == users ? "every user traced: met"
                : (users - traced) + " not traced: not met");
        int wrong = s.path("invalid_keys_traced_to_a_user").asInt();
        figure(h, "invalid-key clips traced to a user", Integer.toString(wrong), "-",
                wrong == 0 ? "none: met" : wrong + " wrongly traced: not met");
        if (s.has("probe_valid_below_20db")) {
            double below = s.path("probe_valid_below_20db").asDouble();
            double above = s.path("probe_invalid_above_20db").asDouble();
            String over = String.format(Locale.ROOT, " (of %d valid and %d invalid keys)", s.path("probe_valid_keys").asInt(),
                    s.path("probe_invalid_keys").asInt());
            figure(h, "probe: valid keys below 20 dB" + over, percent(below), "-", shareVerdict(below,
                    ProductTargets.MAX_VALID_BELOW));
            figure(h, "probe: invalid keys above 20 dB" + over, percent(above), "about 1 %", shareVerdict(above,
                    ProductTargets.MAX_INVALID_ABOVE));
        }
        h.append("</table>\n");
    }

    private static void figure(StringBuilder h, String what, String ours, String paper, String verdict) {
        h.append("<tr><td>").append(escape(what)).append("</td><td>").append(escape(ours)).append("</td><td>")
                .append(escape(paper)).append("</td><td class=\"")
                .append(verdict.endsWith("not met") || verdict.contains("below") || verdict.contains("less degraded")
                        ? "miss" : "ok").append("\">").append(escape(verdict)).append("</td></tr>\n");
    }

    /** The verdict on a probe share against its issue-17 bound. */
    static String shareVerdict(double share, double bound) {
        return String.format(Locale.ROOT, "target <= %s: %s", percent(bound), share <= bound ? "met" : "not met");
    }

    private static String percent(double v) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * v);
    }

    /** The verdict on SDR_valid (higher is better: valid-key audio close to the teacher's). */
    static String sdrValidVerdict(double ours, double paper) {
        return ours >= paper - 1 ? "matches the paper" : String.format(Locale.ROOT,
                "%.1f dB below the paper: valid-key audio is further from the teacher", paper - ours);
    }

    /** The verdict on SDR_invalid (lower is better: invalid-key audio degraded). */
    static String sdrInvalidVerdict(double ours, double paper) {
        return ours <= paper ? "as degraded as the paper's or more" : String.format(Locale.ROOT,
                "%.1f dB less degraded than the paper's", ours - paper);
    }

    /** The verdict on the separation against the demo's target ({@link Demo#TARGET_SEPARATION_DB}). */
    static String separationVerdict(double separation) {
        return String.format(Locale.ROOT, "target >= %.0f dB: %s", Demo.TARGET_SEPARATION_DB,
                separation >= Demo.TARGET_SEPARATION_DB ? "met" : "not met");
    }

    /** The verdict on one column's bit accuracy (NaN: the column did not run; paper null: not in the paper). */
    static String accuracyVerdict(String column, double ours, Double paper) {
        if (Double.isNaN(ours)) {
            return "not measured (the distortion could not run)";
        }
        String target = column.equals("orig") ? String.format(Locale.ROOT, "; target >= %.2f: %s",
                Demo.TARGET_BIT_ACCURACY, ours >= Demo.TARGET_BIT_ACCURACY ? "met" : "not met") : "";
        if (paper == null) {
            return "beyond the paper's columns" + target;
        }
        return (ours >= paper - ACCURACY_SLACK ? "at or above the paper"
                : String.format(Locale.ROOT, "%.3f below the paper", paper - ours)) + target;
    }

    private static void resultTable(StringBuilder h, JsonNode t) {
        h.append("<h3>").append(escape(t.path("title").asText("Table II"))).append("</h3>\n<table>\n<tr>");
        List<String> cols = new ArrayList<>();
        t.path("columns").forEach(c -> cols.add(c.asText()));
        cols.forEach(c -> h.append("<th>").append(escape(c)).append("</th>"));
        h.append("</tr>\n");
        for (JsonNode row : t.path("rows")) {
            h.append("<tr>");
            for (String c : cols) {
                JsonNode v = row.path(c);
                h.append("<td>").append(escape(v.isNumber() ? ResultTable.format(v.asDouble())
                        : v.isNull() || v.isMissingNode() ? "n/a" : v.asText())).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        for (JsonNode n : t.path("notes")) {
            h.append("<p class=\"note\">").append(escape(n.asText())).append("</p>\n");
        }
    }

    private static String number(double v, String format) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, format, v);
    }

    /** {@code text} with {@code & < > " '} replaced by character references (safe in text and quoted attributes). */
    static String escape(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** One path segment, percent-encoded (spaces as %20, not +). */
    private static String url(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String dataUri(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new LockeyException(p + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static JsonNode readJson(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new LockeyException(p + ": missing (the demo page is built from it)");
        }
        try {
            return Json.read(p);
        } catch (IOException e) {
            throw new LockeyException(p + ": cannot read (" + AtomicFiles.reason(e) + ")");
        }
    }

    private static final String STYLE = """
            body { font-family: sans-serif; max-width: 72em; margin: 1em auto; padding: 0 1em; color: #222; }
            table { border-collapse: collapse; margin: 0.5em 0 1em; }
            th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: middle; }
            td.ok { color: #1a6b1a; } td.miss { color: #a31515; }
            img.spec { display: block; width: 480px; height: 160px; image-rendering: pixelated; }
            img.plot { max-width: 100%; }
            p.note { font-size: 0.85em; color: #555; margin: 0.2em 0; }
            """;
}
