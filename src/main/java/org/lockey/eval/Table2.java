package org.lockey.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.lockey.data.AudioDataset;
import org.lockey.distortion.Codecs;
import org.lockey.distortion.Distortion;
import org.lockey.metric.BitAccuracy;
import org.lockey.metric.Sdr;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.train.Progress;

/**
 * Table II of the paper: a keyed generator's SDR for valid keys (against the teacher's watermarked
 * output SilentCipher(G0(x), k)), SDR for invalid keys (against G0(x)), and the bit accuracy of the
 * key decoded from valid-key outputs after each Table I distortion.
 */
public final class Table2 {
    /**
     * The figures of one keyed model.
     *
     * @param sdrValid    mean SDR_valid in dB
     * @param sdrInvalid  mean SDR_invalid in dB
     * @param accuracy    mean aligned bit accuracy per distortion (NaN when the distortion is unavailable)
     * @param unavailable why a distortion could not run, by name
     * @param clips       clips evaluated
     * @param keys        valid (and invalid) keys per clip
     */
    public record Result(double sdrValid, double sdrInvalid, Map<String, Double> accuracy,
            Map<String, String> unavailable, int clips, int keys) {
    }

    private Table2() {
    }

    /**
     * The keys of a run: the first {@code keys} valid keys of the registry (issued keys first) and as many seeded
     * invalid keys, the k-th of each paired.
     */
    public record Keys(List<Key> valid, List<Key> invalid) {
    }

    /**
     * The figures of one (clip, key) pair, the unit of work of the corpus engines.
     *
     * @param sdrValid   SDR_valid of the pair's valid key
     * @param sdrInvalid SDR_invalid of its paired invalid key
     * @param accuracy   aligned bit accuracy per distortion, in the order of the run's distortions (NaN where one
     *                   is unavailable)
     */
    public record Pair(double sdrValid, double sdrInvalid, double[] accuracy) implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean equals(Object o) {
            return o instanceof Pair p && Double.compare(sdrValid, p.sdrValid) == 0
                    && Double.compare(sdrInvalid, p.sdrInvalid) == 0 && java.util.Arrays.equals(accuracy, p.accuracy);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(sdrValid, sdrInvalid, java.util.Arrays.hashCode(accuracy));
        }

        @Override
        public String toString() {
            return "Pair[" + sdrValid + ", " + sdrInvalid + ", " + java.util.Arrays.toString(accuracy) + "]";
        }
    }

    /** The keys of a run with {@code keys} keys and {@code seed}. */
    public static Keys keys(KeyRegistry registry, int keys, long seed) {
        List<Key> chosen = validKeys(registry, keys);
        SplittableRandom r = new SplittableRandom(seed);
        List<Key> invalid = new ArrayList<>();
        while (invalid.size() < chosen.size()) {
            invalid.add(registry.randomInvalid(r));
        }
        return new Keys(chosen, invalid);
    }

    /** Why each unavailable distortion cannot run, by name. */
    public static Map<String, String> unavailable(List<Distortion> distortions) {
        Map<String, String> unavailable = new LinkedHashMap<>();
        for (Distortion d : distortions) {
            d.unavailable().ifPresent(why -> unavailable.put(d.name(), why));
        }
        return unavailable;
    }

    /**
     * Evaluates {@code system} on the first {@code clips} clips of {@code test} with the first
     * {@code keys} valid keys of the registry (issued keys first) and {@code keys} seeded invalid keys.
     */
    public static Result run(KeyedSystem system, KeyRegistry registry, AudioDataset test, int clips, int keys,
            List<Distortion> distortions, double sdrDb, long seed) {
        Keys chosen = keys(registry, keys, seed);
        Map<String, String> unavailable = unavailable(distortions);
        int n = Math.min(clips, test.size());
        SilentCipher sc = system.watermark().silentCipher(); // one graph for the run, not one per call
        Progress progress = new Progress("table2 " + system.branch(), 0, (long) n * chosen.valid().size());
        List<Pair> pairs = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            float[] clip = test.clip(c);
            float[] y0 = system.teacher(clip);
            for (int k = 0; k < chosen.valid().size(); k++) {
                pairs.add(pair(system, sc, clip, y0, c, k, chosen, distortions, unavailable, sdrDb, seed));
                progress.update(pairs.size(), Map.of());
            }
        }
        return combine(pairs, n, chosen.valid().size(), distortions, unavailable);
    }

    /**
     * The figures of clip {@code c} ({@code clip}, its teacher output {@code teacher}) with the {@code k}-th valid
     * key and the {@code k}-th invalid key; the distortions draw from (seed, c, k), so a pair's figures do not
     * depend on which other pairs run, nor where.
     */
    public static Pair pair(KeyedSystem system, SilentCipher sc, float[] clip, float[] teacher, int c, int k, Keys keys,
            List<Distortion> distortions, Map<String, String> unavailable, double sdrDb, long seed) {
        Key key = keys.valid().get(k);
        boolean[] bits = key.bitFlags();
        float[] yt = sc.embed(teacher, bits, sdrDb).watermarked();
        float[] y = system.generate(clip, key);
        double sdrV = Sdr.db(yt, y);
        double sdrI = Sdr.db(teacher, system.generate(clip, keys.invalid().get(k)));
        double[] acc = new double[distortions.size()];
        for (int i = 0; i < distortions.size(); i++) {
            Distortion d = distortions.get(i);
            if (unavailable.containsKey(d.name())) {
                acc[i] = Double.NaN;
                continue;
            }
            float[] yd = d.apply(y, system.sampleRate(), new SplittableRandom(seed * 31 + c * 1009L + k));
            int[] classes = sc.decode(yd).frameClasses();
            acc[i] = BitAccuracy.aligned(classes, bits, 0);
        }
        return new Pair(sdrV, sdrI, acc);
    }

    /** The result of {@code pairs} in (clip, key) order, clip-major: the sums taken in that order. */
    public static Result combine(List<Pair> pairs, int clips, int keys, List<Distortion> distortions,
            Map<String, String> unavailable) {
        double sdrV = 0;
        double sdrI = 0;
        double[] accSum = new double[distortions.size()];
        for (Pair p : pairs) {
            sdrV += p.sdrValid();
            sdrI += p.sdrInvalid();
            for (int i = 0; i < accSum.length; i++) {
                accSum[i] += p.accuracy()[i];
            }
        }
        int count = pairs.size();
        Map<String, Double> acc = new LinkedHashMap<>();
        for (int i = 0; i < distortions.size(); i++) {
            Distortion d = distortions.get(i);
            acc.put(d.name(), unavailable.containsKey(d.name()) ? Double.NaN : accSum[i] / count);
        }
        return new Result(sdrV / count, sdrI / count, acc, new LinkedHashMap<>(unavailable), clips, keys);
    }

    /** The first {@code n} valid keys of {@code registry}, issued keys first (fewer when it has fewer). */
    static List<Key> validKeys(KeyRegistry registry, int n) {
        List<Key> validKeys = new ArrayList<>();
        registry.issued().values().forEach(i -> validKeys.add(i.key()));
        for (Key k : registry.validKeys()) {
            if (validKeys.size() >= n) {
                break;
            }
            if (!validKeys.contains(k)) {
                validKeys.add(k);
            }
        }
        return List.copyOf(validKeys.subList(0, Math.min(n, validKeys.size())));
    }

    /** The paper's layout: Models | SDR Valid | SDR Invalid | one column per distortion. */
    public static ResultTable table(List<String> names, List<Result> results, List<Distortion> distortions) {
        List<String> cols = new ArrayList<>(List.of("Models", "SDR Valid", "SDR Invalid"));
        distortions.forEach(d -> cols.add(d.name()));
        ResultTable t = new ResultTable("Table II: keyed generators (SDR in dB; bit accuracy of the decoded key)",
                cols, 1);
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            List<Object> row = new ArrayList<>(List.of(names.get(i), r.sdrValid(), r.sdrInvalid()));
            distortions.forEach(d -> row.add(r.accuracy().get(d.name())));
            t.row(row);
            r.unavailable().forEach((d, why) -> t.note(d + ": " + why));
        }
        Codecs.encoderNotes(distortions).forEach(t::note);
        return t;
    }
}
