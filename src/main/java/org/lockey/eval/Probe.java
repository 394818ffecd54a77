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
    public record Plan(int clips, int maxValid, int invalidKeys, double seconds, double sdrDb, long seed) {
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

    /** Every key probed, valid ones first, over {@code clips} clips of {@code seconds} each. */
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

    /**
     * Probes the valid keys of {@code registry} (at most {@code plan.maxValid()}) and {@code plan.invalidKeys()}
     * seeded invalid keys on the first {@code plan.clips()} clips of {@code data}, cut to their first
     * {@code plan.seconds()}.
     */
    public static Result run(KeyedSystem system, KeyRegistry registry, AudioDataset data, Plan plan) {
        List<Key> valid = registry.validKeys().subList(0, Math.min(plan.maxValid(), registry.validKeys().size()));
        List<Key> wrong = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(plan.seed());
        while (wrong.size() < plan.invalidKeys()) {
            Key k = registry.randomInvalid(r);
            if (!wrong.contains(k)) {
                wrong.add(k);
            }
        }
        int n = Math.min(plan.clips(), data.size());
        float[][] inputs = new float[n][];
        float[][] teachers = new float[n][];
        for (int c = 0; c < n; c++) {
            inputs[c] = excerpt(data.clip(c), plan.seconds(), system);
            teachers[c] = system.teacher(inputs[c]);
        }
        var sc = system.watermark().silentCipher();
        List<KeyStats> out = new ArrayList<>();
        Progress progress = new Progress("probe " + system.branch(), 0, (long) (valid.size() + wrong.size()) * n);
        long done = 0;
        for (int g = 0; g < 2; g++) {
            boolean isValid = g == 0;
            for (Key key : isValid ? valid : wrong) {
                double[] s = new double[n];
                for (int c = 0; c < n; c++) {
                    float[] ref = isValid ? sc.embed(teachers[c], key.bitFlags(), plan.sdrDb()).watermarked() : teachers[c];
                    s[c] = Sdr.db(ref, system.generate(inputs[c], key));
                    progress.update(++done, Map.of());
                }
                out.add(new KeyStats(key, isValid, Arrays.stream(s).min().orElseThrow(),
                        Arrays.stream(s).average().orElseThrow(), Arrays.stream(s).max().orElseThrow()));
            }
        }
        double seconds = Arrays.stream(inputs).mapToDouble(x -> x.length / (double) system.sampleRate()).max().orElse(0);
        return new Result(out, n, seconds);
    }

    /** The first {@code seconds} of {@code clip} (the whole clip when it is shorter). */
    static float[] excerpt(float[] clip, double seconds, KeyedSystem system) {
        if (seconds * system.sampleRate() >= clip.length) {
            return clip;
        }
        return Arrays.copyOf(clip, (int) Math.round(seconds * system.sampleRate()));
    }

    /** The summary table: one row per key group. */
    public static ResultTable table(String model, Result r) {
        ResultTable t = new ResultTable(String.format(Locale.ROOT, "Key probe (§V-C): SDR per key over %d clips of "
                + "up to %.1f s", r.clips(), r.seconds()),
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
