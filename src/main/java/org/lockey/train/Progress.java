package org.lockey.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * A progress line for long work on stderr: {@code [=====>    ] 120/1000  loss 0.123  3.2 it/s  ETA
 * 4m35s}. On a terminal it redraws in place at most every 0.25 s; otherwise (logs, CI) it prints a
 * line at every tenth of the work.
 */
public final class Progress {
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean tty;
    private final long startNanos = System.nanoTime();
    private final long startDone;
    private long lastDraw;
    private long lastTenth = -1;

    /** Progress towards {@code total} units, starting at {@code done} (a resumed run). */
    public Progress(String label, long done, long total) {
        this(System.err, label, done, total, System.console() != null);
    }

    Progress(PrintStream out, String label, long done, long total, boolean tty) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.startDone = done;
        this.tty = tty;
    }

    /** Reports {@code done} units and named figures (loss terms, tau...). */
    public void update(long done, Map<String, Double> figures) {
        long now = System.nanoTime();
        long tenth = done * 10 / total;
        boolean last = done >= total;
        if (tty ? (now - lastDraw < 250_000_000L && !last) : (tenth == lastTenth && !last)) {
            return;
        }
        lastDraw = now;
        lastTenth = tenth;
        double secs = (now - startNanos) / 1e9;
        double rate = (done - startDone) / Math.max(1e-9, secs);
        long etaSecs = rate > 0 ? Math.round((total - done) / rate) : -1;
        StringBuilder sb = new StringBuilder();
        int width = 24;
        int filled = (int) (width * Math.min(1.0, done / (double) total));
        sb.append(label).append(" [").append("=".repeat(filled)).append(filled < width ? ">" : "")
                .append(" ".repeat(Math.max(0, width - filled - 1))).append("] ").append(done).append('/').append(total);
        figures.forEach((k, v) -> sb.append("  ").append(k).append(' ').append(format(v)));
        sb.append(String.format(Locale.ROOT, "  %.2f it/s", rate));
        if (etaSecs >= 0 && !last) {
            sb.append("  ETA ").append(duration(etaSecs));
        }
        if (tty) {
            out.print("\r" + sb + "\u001b[K" + (last ? "\n" : ""));
        } else {
            out.println(sb);
        }
        out.flush();
    }

    /** Seconds since this progress started. */
    public double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static String format(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String duration(long secs) {
        if (secs >= 3600) {
            return secs / 3600 + "h" + (secs % 3600) / 60 + "m";
        }
        if (secs >= 60) {
            return secs / 60 + "m" + secs % 60 + "s";
        }
        return secs + "s";
    }
}
