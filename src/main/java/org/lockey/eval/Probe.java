package org.lockey.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.lockey.data.AudioDataset;
import org.lockey.io.AtomicFiles;
import org.lockey.metric.Sdr;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.train.Progress;

/**
 * Paper §V-C, the key probe: the SDR of a keyed generator's output for every valid key and a seeded
 * sample of invalid keys, over N clips, as min / mean / max per key; and the two shares the paper quotes,
 * invalid keys whose mean SDR exceeds {@value #INVALID_ABOVE_DB} dB (an attacker's lucky guess) and valid
 * keys whose mean SDR falls below {@value #VALID_BELOW_DB} dB (a user let down).
 *
 * <p>SDR as in Table II: a valid key's output against the teacher's output watermarked with that key, an
 * invalid key's output against the teacher's unwatermarked output. Issue 17's shipping target counts valid keys
 * below {@value #VALID_TARGET_DB} dB as well ({@link Result#validBelowTarget()}).
 */
public final class Probe {
    /** Invalid keys above this mean SDR count as "too good" (§V-C). */
    public static final double INVALID_ABOVE_DB = 20;
    /** Valid keys below this mean SDR count as "too bad" (§V-C). */
    public static final double VALID_BELOW_DB = 25;
    /** Issue 17's bar for a shipped model: at most 5 % of the valid keys below this mean SDR. */
    public static final double VALID_TARGET_DB = 20;

    /**
     * What to probe.
     *
     * @param clips       clips per key, the first ones of the split
     * @param maxValid    at most this many valid keys, in registry order ({@link Integer#MAX_VALUE}: all)
     * @param invalidKeys seeded invalid keys, all different
     * @param seconds     each clip's first {@code seconds} only ({@link Double#POSITIVE_INFINITY}: whole clips);
     *                    the probe costs one generation per key and clip, so excerpts make 2,000 keys affordable
     * @param sdrDb       the watermark SDR at which the teacher is watermarked with each valid key
     * @param seed        seed of the invalid keys
     */
    public record Plan(int clips, int maxValid, int invalidKeys, double seconds, double sdrDb, long seed)
            implements java.io.Serializable {
        public Plan {
            if (clips < 1 || maxValid < 0 || invalidKeys < 0) {
                throw new IllegalArgumentException("probe needs at least one clip and no negative key counts");
            }
            if (!(seconds > 0)) {
                throw new IllegalArgumentException("probe excerpts must be longer than 0 s, got " + seconds);
            }
        }
    }

    /** One key's SDRs over the clips. */
    public record KeyStats(Key key, boolean valid, double min, double mean, double max) {
    }

    /**
     * Every key probed, valid ones first, over {@code clips} clips cut to their first {@code seconds}
     * ({@link Double#POSITIVE_INFINITY}: whole clips).
     */
    public record Result(List<KeyStats> keys, int clips, double seconds) {
        /** Share of invalid keys whose mean SDR exceeds {@link #INVALID_ABOVE_DB}. */
        public double invalidAbove() {
            return share(false, s -> s.mean() > INVALID_ABOVE_DB);
        }

        /** Share of valid keys whose mean SDR is below {@link #VALID_BELOW_DB}. */
        public double validBelow() {
            return share(true, s -> s.mean() < VALID_BELOW_DB);
        }

        /** Share of valid keys whose mean SDR is below {@link #VALID_TARGET_DB} (issue 17's shipping bar). */
        public double validBelowTarget() {
            return share(true, s -> s.mean() < VALID_TARGET_DB);
        }

        /** min, mean and max of the per-key means of one group. */
        public double[] summary(boolean valid) {
            double[] m = keys.stream().filter(s -> s.valid() == valid).mapToDouble(KeyStats::mean).toArray();
            return new double[] {Arrays.stream(m).min().orElse(Double.NaN), Arrays.stream(m).average().orElse(Double.NaN),
                Arrays.stream(m).max().orElse(Double.NaN)};
        }

        private double share(boolean valid, java.util.function.Predicate<KeyStats> p) {
            long n = keys.stream().filter(s -> s.valid() == valid).count();
            return n == 0 ? Double.NaN : keys.stream().filter(s -> s.valid() == valid).filter(p).count() / (double) n;
        }
    }

    private Probe() {
    }

    /** The keys probed: valid ones (the registry's first) and seeded invalid ones, all distinct. */
    public record Keys(List<Key> valid, List<Key> invalid) {
        /** Valid keys first, then invalid ones: the order of {@link Result#keys}. */
        public List<Key> all() {
            List<Key> out = new ArrayList<>(valid);
            out.addAll(invalid);
            return out;
        }
    }

    /** At most {@code maxValid} valid keys of {@code registry} and {@code invalid} seeded invalid keys. */
    public static Keys keys(KeyRegistry registry, int maxValid, int invalid, long seed) {
        List<Key> valid = registry.validKeys().subList(0, Math.min(maxValid, registry.validKeys().size()));
        List<Key> wrong = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(seed);
        while (wrong.size() < invalid) {
            Key k = registry.randomInvalid(r);
            if (!wrong.contains(k)) {
                wrong.add(k);
            }
        }
        return new Keys(List.copyOf(valid), List.copyOf(wrong));
    }

    /**
     * Probes the valid keys of {@code registry} (at most {@code plan.maxValid()}) and {@code plan.invalidKeys()}
     * seeded invalid keys on the first {@code plan.clips()} clips of {@code data}, cut to their first
     * {@code plan.seconds()}.
     */
    public static Result run(KeyedSystem system, KeyRegistry registry, AudioDataset data, Plan plan) {
        Keys keys = keys(registry, plan.maxValid(), plan.invalidKeys(), plan.seed());
        int n = Math.min(plan.clips(), data.size());
        float[][] inputs = new float[n][];
        float[][] teachers = new float[n][];
        for (int c = 0; c < n; c++) {
            inputs[c] = excerpt(data.clip(c), plan.seconds(), system.sampleRate());
            teachers[c] = system.teacher(inputs[c]);
        }
        var sc = system.watermark().silentCipher();
        List<Key> all = keys.all();
        Progress progress = new Progress("probe " + system.branch(), 0, (long) all.size() * n);
        long done = 0;
        double[][] sdr = new double[all.size()][n];
        for (int j = 0; j < all.size(); j++) {
            for (int c = 0; c < n; c++) {
                sdr[j][c] = sdr(system, sc, inputs[c], teachers[c], all.get(j), j < keys.valid().size(), plan.sdrDb());
                progress.update(++done, Map.of());
            }
        }
        return combine(keys, sdr, n, plan.seconds());
    }

    /** The first {@code seconds} of {@code clip} at {@code sampleRate} (the whole clip when it is shorter). */
    public static float[] excerpt(float[] clip, double seconds, int sampleRate) {
        if (seconds * sampleRate >= clip.length) {
            return clip;
        }
        return Arrays.copyOf(clip, (int) Math.round(seconds * sampleRate));
    }

    /**
     * The SDR of {@code key}'s output for one clip ({@code input}, its teacher output {@code teacher}), the unit of
     * work of the corpus engines: a valid key against the teacher watermarked with it, an invalid key against the
     * teacher.
     */
    public static double sdr(KeyedSystem system, SilentCipher sc, float[] input, float[] teacher, Key key,
            boolean valid, double sdrDb) {
        float[] ref = valid ? sc.embed(teacher, key.bitFlags(), sdrDb).watermarked() : teacher;
        return Sdr.db(ref, system.generate(input, key));
    }

    /**
     * The result of every key's SDRs over {@code clips} clips cut to their first {@code seconds}, {@code sdr[j][c]} for
     * key j of {@link Keys#all} and clip c.
     */
    public static Result combine(Keys keys, double[][] sdr, int clips, double seconds) {
        List<Key> all = keys.all();
        List<KeyStats> out = new ArrayList<>();
        for (int j = 0; j < all.size(); j++) {
            double[] s = sdr[j];
            out.add(new KeyStats(all.get(j), j < keys.valid().size(), Arrays.stream(s).min().orElseThrow(),
                    Arrays.stream(s).average().orElseThrow(), Arrays.stream(s).max().orElseThrow()));
        }
        return new Result(out, clips, seconds);
    }

    /** The summary table: one row per key group. */
    public static ResultTable table(String model, Result r) {
        ResultTable t = new ResultTable("Key probe (§V-C): SDR per key over " + r.clips() + (Double.isInfinite(r.seconds())
                ? " whole clips" : String.format(Locale.ROOT, " clips, their first %.1f s", r.seconds())),
                List.of("Model", "Keys", "Count", "Min SDR", "Mean SDR", "Max SDR", "Share valid < 25 dB",
                        "Share valid < 20 dB", "Share invalid > 20 dB"), 2);
        for (boolean valid : new boolean[] {true, false}) {
            double[] s = r.summary(valid);
            long count = r.keys().stream().filter(k -> k.valid() == valid).count();
            t.row(List.of(model, valid ? "valid" : "invalid", count, s[0], s[1], s[2],
                    valid ? r.validBelow() : Double.NaN, valid ? r.validBelowTarget() : Double.NaN,
                    valid ? Double.NaN : r.invalidAbove()));
        }
        return t.note("Min / mean / max over keys of each key's mean SDR (dB); valid keys against the teacher "
                + "watermarked with that key, invalid keys against the unwatermarked teacher.");
    }

    /** Writes the per-key CSV and a plot of every key's mean SDR with its min-max range, sorted. */
    public static void writeDetails(Path dir, String title, Result r) {
        StringBuilder csv = new StringBuilder("key,valid,min_sdr_db,mean_sdr_db,max_sdr_db\n");
        for (KeyStats s : r.keys()) {
            csv.append(s.valid() ? "(valid)" : s.key().toHex()).append(',').append(s.valid()).append(',')
                    .append(s.min()).append(',').append(s.mean()).append(',').append(s.max()).append('\n');
        }
        AtomicFiles.writeString(dir.resolve("probe-keys.csv"), csv.toString());
        List<Plots.Series> series = new ArrayList<>();
        for (boolean valid : new boolean[] {true, false}) {
            double[] means = r.keys().stream().filter(k -> k.valid() == valid).mapToDouble(KeyStats::mean).sorted()
                    .toArray();
            double[] x = new double[means.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            series.add(new Plots.Series(valid ? "valid keys" : "invalid keys", x, means, false));
        }
        Plots.xy(dir.resolve("probe.png"), title + ": mean SDR per key (sorted)", "key (rank)", "SDR (dB)", series);
    }
}
