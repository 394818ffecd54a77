package org.lockey.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import org.lockey.data.AudioDataset;
import org.lockey.distortion.Codecs;
import org.lockey.distortion.Distortion;
import org.lockey.metric.BitAccuracy;
import org.lockey.metric.Sdr;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.train.Progress;

/**
 * Table I of the paper: post-hoc SilentCipher watermarking, on real audio and on audio reconstructed
 * by a pretrained generator: the SDR of the watermarked audio against its input, and the bit
 * accuracy of a random payload decoded after each Table I distortion.
 */
public final class Table1 {
    /**
     * One row.
     *
     * @param sdr         mean SDR (dB) of the watermarked audio against its input
     * @param accuracy    mean aligned bit accuracy per distortion (NaN when unavailable)
     * @param unavailable why a distortion could not run
     */
    public record Result(double sdr, Map<String, Double> accuracy, Map<String, String> unavailable) {
    }

    private Table1() {
    }

    /**
     * Watermarks the first {@code clips} clips of {@code data} (after {@code reconstruct}: identity for
     * real audio, G0 for reconstructed audio) with a seeded random payload each.
     */
    public static Result run(WatermarkModel wm, AudioDataset data, int clips, UnaryOperator<float[]> reconstruct,
            List<Distortion> distortions, double sdrDb, long seed, String label) {
        Map<String, Double> sums = new LinkedHashMap<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        for (Distortion d : distortions) {
            d.unavailable().ifPresentOrElse(why -> unavailable.put(d.name(), why), () -> sums.put(d.name(), 0.0));
        }
        int n = Math.min(clips, data.size());
        double sdr = 0;
        Progress progress = new Progress("table1 " + label, 0, n);
        SilentCipher sc = wm.silentCipher(); // one graph for the run, not one per call
        for (int c = 0; c < n; c++) {
            float[] x = reconstruct.apply(data.clip(c));
            SplittableRandom r = new SplittableRandom(seed * 7919 + c);
            boolean[] bits = new boolean[wm.payloadBits()];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = r.nextBoolean();
            }
            float[] y = sc.embed(x, bits, sdrDb).watermarked();
            sdr += Sdr.db(x, y);
            for (Distortion d : distortions) {
                if (!unavailable.containsKey(d.name())) {
                    float[] yd = d.apply(y, wm.sampleRate(), new SplittableRandom(seed * 131 + c));
                    sums.merge(d.name(), BitAccuracy.aligned(sc.decode(yd).frameClasses(), bits, 0),
                            Double::sum);
                }
            }
            progress.update(c + 1, Map.of());
        }
        Map<String, Double> acc = new LinkedHashMap<>();
        for (Distortion d : distortions) {
            acc.put(d.name(), unavailable.containsKey(d.name()) ? Double.NaN : sums.get(d.name()) / n);
        }
        return new Result(sdr / n, acc, unavailable);
    }

    /** The paper's layout: Models | Dataset | SDR | one column per distortion. */
    public static ResultTable table(List<String[]> labels, List<Result> results, List<Distortion> distortions) {
        List<String> cols = new ArrayList<>(List.of("Models", "Dataset", "SDR"));
        distortions.forEach(d -> cols.add(d.name()));
        ResultTable t = new ResultTable("Table I: post-hoc SilentCipher (SDR in dB; bit accuracy of the payload)", cols,
                2);
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            List<Object> row = new ArrayList<>(List.of(labels.get(i)[0], labels.get(i)[1], r.sdr()));
            distortions.forEach(d -> row.add(r.accuracy().get(d.name())));
            t.row(row);
            r.unavailable().forEach((d, why) -> t.note(d + ": " + why));
        }
        Codecs.encoderNotes(distortions).forEach(t::note);
        return t;
    }
}
