package org.lockey.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.lockey.data.AudioDataset;
import org.lockey.metric.MelDistance;
import org.lockey.metric.Sdr;
import org.lockey.metric.Stoi;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.train.Progress;

/**
 * Objective stand-ins for the paper's Table III (listening quality, MOS of 16 listeners): the rows Real,
 * Watermarked, Teacher, Valid and Invalid, each scored against the real clip with {@link Stoi} (speech branch only),
 * {@link MelDistance} and {@link Sdr}; the generated rows also against the teacher as Table II measures them.
 *
 * <p>For a clip x, the k-th valid key k and the k-th seeded invalid key k' ({@link Table2#keys}, so the keys of
 * {@code eval table2} with the same {@code --keys} and {@code --seed}):
 * <ul>
 *   <li><b>Real</b>: x itself (STOI 1, mel distance 0 and SDR +inf by definition: the table's sanity row);</li>
 *   <li><b>Watermarked</b>: SilentCipher(x, k) at the watermark model's {@code message_sdr} (the post-hoc watermark
 *       of Table I on the real clip);</li>
 *   <li><b>Teacher</b>: SilentCipher(G0(x), k), the base generator's output watermarked with the valid key (Table
 *       II's reference; not a row of the paper's Table III);</li>
 *   <li><b>Valid</b>: G(x, k); against the teacher: Table II's SDR_valid;</li>
 *   <li><b>Invalid</b>: G(x, k'); against the unwatermarked G0(x): Table II's SDR_invalid.</li>
 * </ul>
 * Signals are compared over their common length (a vocoder's output is whole hops, a codec's may be longer than
 * the clip). Every figure is a mean over the clips (Real) or over clip x key (the other rows).
 */
public final class Quality {
    /** The rows of Table III, with Table II's teacher between Watermarked and Valid. */
    public enum Row {
        REAL("Real"), WATERMARKED("Watermarked"), TEACHER("Teacher"), VALID("Valid"), INVALID("Invalid");

        private final String label;

        Row(String label) {
            this.label = label;
        }

        /** The row's name in the paper's table. */
        public String label() {
            return label;
        }
    }

    /**
     * Whether the branch's audio is speech, which decides if STOI applies (it is a speech-intelligibility measure).
     */
    public enum Content {
        SPEECH, MUSIC;

        /** The content of a keyed system's branch: speech for HiFi-GAN, music for Encodec. */
        public static Content of(KeyedSystem system) {
            return system.branch().equals("hifigan") ? SPEECH : MUSIC;
        }
    }

    /**
     * What to measure.
     *
     * @param clips the first {@code clips} clips of the split (fewer when it has fewer)
     * @param keys  valid keys per clip (issued first) and as many seeded invalid keys
     * @param sdrDb the watermark's message SDR for Watermarked and Teacher
     * @param seed  the seed of the invalid keys
     */
    public record Settings(int clips, int keys, double sdrDb, long seed) {
        public Settings {
            if (clips < 1 || keys < 1) {
                throw new org.lockey.LockeyException("quality needs at least one clip and one key, got " + clips
                        + " clips and " + keys + " keys");
            }
        }
    }

    /**
     * The mean figures of one row.
     *
     * @param row              the row
     * @param count            signals scored
     * @param stoi             STOI against the real clip (NaN for music)
     * @param melDistance      mel distance from the real clip
     * @param sdrDb            SDR against the real clip, dB (+inf for Real)
     * @param melVsTeacher     mel distance from the row's Table II reference (NaN where there is none)
     * @param sdrVsTeacherDb   SDR against that reference, dB: SDR_valid, SDR_invalid (NaN where there is none)
     */
    public record RowResult(Row row, int count, double stoi, double melDistance, double sdrDb, double melVsTeacher,
            double sdrVsTeacherDb) {
    }

    /** The figures of a run: one {@link RowResult} per {@link Row}, in order. */
    public record Result(String branch, Content content, List<RowResult> rows, int clips, int keys, double sdrDb) {
        /** The row {@code row}. */
        public RowResult row(Row row) {
            return rows.get(row.ordinal());
        }
    }

    /** The paper's MOS of each row (Table III), by branch; the teacher is not in the paper's table. */
    static final Map<String, Map<Row, String>> PAPER_MOS = Map.of(
            "encodec", Map.of(Row.REAL, "4.06 +- 0.22", Row.WATERMARKED, "3.92 +- 0.22", Row.VALID, "3.76 +- 0.22",
                    Row.INVALID, "1.11 +- 0.07"),
            "hifigan", Map.of(Row.REAL, "4.31 +- 0.20", Row.WATERMARKED, "4.35 +- 0.16", Row.VALID, "3.17 +- 0.19",
                    Row.INVALID, "1.50 +- 0.13"));

    private Quality() {
    }

    /** Running sums of one row. */
    private static final class Sums {
        int count;
        double stoi;
        double mel;
        double sdr;
        double melTeacher;
        double sdrTeacher;

        void add(Score vsReal, Score vsTeacher) {
            count++;
            stoi += vsReal.stoi();
            mel += vsReal.mel();
            sdr += vsReal.sdr();
            melTeacher += vsTeacher.mel();
            sdrTeacher += vsTeacher.sdr();
        }

        RowResult mean(Row row) {
            return new RowResult(row, count, stoi / count, mel / count, sdr / count, melTeacher / count,
                    sdrTeacher / count);
        }
    }

    /** One signal's figures against one reference. */
    private record Score(double stoi, double mel, double sdr) {
        static final Score NONE = new Score(Double.NaN, Double.NaN, Double.NaN);
    }

    /**
     * Measures {@code system} on the first {@code settings.clips()} clips of {@code test}; a progress line with ETA
     * on stderr, one step per (clip, key).
     */
    public static Result run(KeyedSystem system, KeyRegistry registry, AudioDataset test, Settings settings) {
        Table2.Keys keys = Table2.keys(registry, settings.keys(), settings.seed());
        int n = Math.min(settings.clips(), test.size());
        int k = keys.valid().size();
        Content content = Content.of(system);
        int rate = system.sampleRate();
        SilentCipher sc = system.watermark().silentCipher(); // one graph for the run
        Map<Row, Sums> sums = new EnumMap<>(Row.class);
        for (Row r : Row.values()) {
            sums.put(r, new Sums());
        }
        Progress progress = new Progress("quality " + system.branch(), 0, (long) n * k);
        for (int c = 0; c < n; c++) {
            float[] x = test.clip(c);
            sums.get(Row.REAL).add(score(x, x, rate, content), Score.NONE);
            float[] y0 = system.teacher(x);
            for (int j = 0; j < k; j++) {
                Key valid = keys.valid().get(j);
                boolean[] bits = valid.bitFlags();
                float[] xw = sc.embed(x, bits, settings.sdrDb()).watermarked();
                sums.get(Row.WATERMARKED).add(score(x, xw, rate, content), Score.NONE);
                float[] yt = sc.embed(y0, bits, settings.sdrDb()).watermarked();
                sums.get(Row.TEACHER).add(score(x, yt, rate, content), Score.NONE);
                float[] yv = system.generate(x, valid);
                sums.get(Row.VALID).add(score(x, yv, rate, content), againstTeacher(yt, yv, rate));
                float[] yi = system.generate(x, keys.invalid().get(j));
                sums.get(Row.INVALID).add(score(x, yi, rate, content), againstTeacher(y0, yi, rate));
                progress.update((long) c * k + j + 1, Map.of());
            }
        }
        List<RowResult> rows = new ArrayList<>();
        for (Row r : Row.values()) {
            rows.add(sums.get(r).mean(r));
        }
        return new Result(system.branch(), content, rows, n, k, settings.sdrDb());
    }

    /** {@code test} against the real clip over their common length. */
    private static Score score(float[] real, float[] test, int rate, Content content) {
        int m = Math.min(real.length, test.length);
        float[] a = Arrays.copyOf(real, m);
        float[] b = Arrays.copyOf(test, m);
        double stoi = content == Content.SPEECH ? Stoi.of(a, b, rate) : Double.NaN;
        return new Score(stoi, MelDistance.between(a, b, rate), Sdr.db(a, b));
    }

    /** Table II's measure: {@code test} against its teacher reference (equal lengths: both are the model's output). */
    private static Score againstTeacher(float[] reference, float[] test, int rate) {
        int m = Math.min(reference.length, test.length);
        float[] a = Arrays.copyOf(reference, m);
        float[] b = Arrays.copyOf(test, m);
        return new Score(Double.NaN, MelDistance.between(a, b, rate), Sdr.db(a, b));
    }

    /** The table: one row per {@link Row} with the paper's MOS beside the measures. */
    public static ResultTable table(String title, Result r) {
        ResultTable t = new ResultTable(title, List.of("row", "paper MOS", "n", "STOI", "mel distance", "SDR (dB)",
                "mel distance vs teacher", "SDR vs teacher (dB)"), 2);
        Map<Row, String> mos = PAPER_MOS.getOrDefault(r.branch(), Map.of());
        for (RowResult row : r.rows()) {
            t.row(List.of(row.row().label(), mos.getOrDefault(row.row(), "-"), row.count(), row.stoi(),
                    row.melDistance(), row.sdrDb(), row.melVsTeacher(), row.sdrVsTeacherDb()));
        }
        t.note(String.format(java.util.Locale.ROOT, "%d clips x %d valid and %d seeded invalid keys; watermark at %.1f dB "
                + "message SDR. STOI, mel distance and SDR against the real clip; \"vs teacher\" is Table II's "
                + "measure: Valid against SilentCipher(G0(x), k) (SDR_valid), Invalid against G0(x) (SDR_invalid).",
                r.clips(), r.keys(), r.keys(), r.sdrDb()));
        if (r.content() == Content.MUSIC) {
            t.note("STOI: n/a for music (a speech-intelligibility measure).");
        }
        t.note("Real: the clip itself, so STOI 1, mel distance 0 and SDR inf by definition. Teacher is Table II's "
                + "reference, not a row of the paper's Table III.");
        return t;
    }
}
