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
     * Evaluates {@code system} on the first {@code clips} clips of {@code test} with the first
     * {@code keys} valid keys of the registry (issued keys first) and {@code keys} seeded invalid keys.
     */
    public static Result run(KeyedSystem system, KeyRegistry registry, AudioDataset test, int clips, int keys,
            List<Distortion> distortions, double sdrDb, long seed) {
        List<Key> chosen = validKeys(registry, keys);
        SplittableRandom r = new SplittableRandom(seed);
        List<Key> invalid = new ArrayList<>();
        while (invalid.size() < chosen.size()) {
            invalid.add(registry.randomInvalid(r));
        }
        Map<String, Double> accSum = new LinkedHashMap<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        for (Distortion d : distortions) {
            d.unavailable().ifPresentOrElse(why -> unavailable.put(d.name(), why), () -> accSum.put(d.name(), 0.0));
        }
        int n = Math.min(clips, test.size());
        double sdrV = 0;
        double sdrI = 0;
        int count = 0;
        var wm = system.watermark();
        SilentCipher sc = wm.silentCipher(); // one graph for the run, not one per call
        Progress progress = new Progress("table2 " + system.branch(), 0, (long) n * chosen.size());
        for (int c = 0; c < n; c++) {
            float[] clip = test.clip(c);
            float[] y0 = system.teacher(clip);
            for (int k = 0; k < chosen.size(); k++) {
                Key key = chosen.get(k);
                boolean[] bits = key.bitFlags();
                float[] yt = sc.embed(y0, bits, sdrDb).watermarked();
                float[] y = system.generate(clip, key);
                sdrV += Sdr.db(yt, y);
                sdrI += Sdr.db(y0, system.generate(clip, invalid.get(k)));
                for (Distortion d : distortions) {
                    if (unavailable.containsKey(d.name())) {
                        continue;
                    }
                    float[] yd = d.apply(y, system.sampleRate(), new SplittableRandom(seed * 31 + c * 1009L + k));
                    int[] classes = sc.decode(yd).frameClasses();
                    accSum.merge(d.name(), BitAccuracy.aligned(classes, bits, 0), Double::sum);
                }
                count++;
                progress.update(count, Map.of());
            }
        }
        Map<String, Double> acc = new LinkedHashMap<>();
        for (Distortion d : distortions) {
            acc.put(d.name(), unavailable.containsKey(d.name()) ? Double.NaN : accSum.get(d.name()) / count);
        }
        return new Result(sdrV / count, sdrI / count, acc, unavailable, n, chosen.size());
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
