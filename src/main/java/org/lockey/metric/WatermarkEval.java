package org.lockey.metric;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.lockey.data.AudioDataset;
import org.lockey.distortion.Distortion;
import org.lockey.distortion.DistortionUnavailableException;
import org.lockey.model.silentcipher.DetectThreshold;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.WatermarkModel;

/**
 * Evaluation of a watermark model on a set of clips (LOCKEY Table I's watermark columns; the
 * validation of {@link org.lockey.train.WatermarkTrainer}; {@code ./lockey eval watermark}).
 *
 * <p>Every clip, cut to {@code maxSeconds}, gets a payload drawn from (seed, clip index) and is
 * embedded at the model's message_sdr; each distortion is applied with a generator drawn from
 * (seed, clip index); the result is decoded. Clips shorter than one message period are skipped.
 */
public final class WatermarkEval {
    private WatermarkEval() {
    }

    /**
     * Told how far an evaluation has got, e.g. to draw a {@link org.lockey.train.Progress} line: a unit is
     * one decoding (one clip after one distortion for {@link #bitAccuracy}, one clip for {@link #detection}),
     * counted also when it is skipped (a clip shorter than one message period, an unavailable distortion).
     */
    @FunctionalInterface
    public interface Listener {
        /** Reports nothing (training's validation, which has its own log). */
        Listener SILENT = (done, total) -> {
        };

        /** {@code done} of {@code total} units are finished; {@code total} is the same at every call. */
        void unitsDone(long done, long total);
    }

    /** The mean aligned bit accuracy ({@link BitAccuracy#aligned}) per distortion name; unavailable distortions are left out. */
    public static Map<String, Double> bitAccuracy(WatermarkModel model, AudioDataset data, List<Distortion> distortions,
            long seed, double maxSeconds) {
        return bitAccuracy(model, data, distortions, seed, maxSeconds, Listener.SILENT);
    }

    /** As {@link #bitAccuracy(WatermarkModel, AudioDataset, List, long, double)}, telling {@code listener} after each decoding. */
    public static Map<String, Double> bitAccuracy(WatermarkModel model, AudioDataset data, List<Distortion> distortions,
            long seed, double maxSeconds, Listener listener) {
        SilentCipher sc = model.silentCipher();
        long total = (long) data.size() * distortions.size();
        long done = 0;
        int rate = model.sampleRate();
        Map<String, Double> sum = new LinkedHashMap<>();
        Map<String, Integer> count = new LinkedHashMap<>();
        for (int c = 0; c < data.size(); c++) {
            float[] x = cut(data.clip(c), model, maxSeconds);
            if (x == null) {
                done += distortions.size();
                listener.unitsDone(done, total);
                continue;
            }
            boolean[] bits = payload(model, seed, c);
            float[] y = sc.embed(x, model.codec().symbols(bits), model.config().messageSdr()).watermarked();
            for (Distortion d : distortions) {
                try {
                    float[] z = d.apply(y, rate, AudioDataset.rng(seed, c, 8));
                    sum.merge(d.name(), BitAccuracy.aligned(sc.decode(z).frameClasses(), bits, 0), Double::sum);
                    count.merge(d.name(), 1, Integer::sum);
                } catch (DistortionUnavailableException e) {
                    // an unavailable distortion is left out of the result
                }
                listener.unitsDone(++done, total);
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        sum.forEach((k, v) -> out.put(k, v / count.get(k)));
        return out;
    }

    /**
     * What {@code watermark detect}'s rule sees on a set of clips.
     *
     * @param clips            clips decoded
     * @param correct          clips found with the embedded payload (always 0 for unwatermarked clips)
     * @param confidences      the confidence of every clip, ascending
     * @param foundConfidences the confidence of the clips whose per-position modes hold exactly one end
     *                         token (a message was found), ascending
     * @param foundPeriods     the whole message periods each of those was voted over, in the same order
     */
    public record Detection(int clips, int correct, double[] confidences, double[] foundConfidences,
            int[] foundPeriods) {
        public Detection {
            confidences = confidences.clone();
            foundConfidences = foundConfidences.clone();
            foundPeriods = foundPeriods.clone();
            if (foundPeriods.length != foundConfidences.length) {
                throw new IllegalArgumentException(foundPeriods.length + " periods for " + foundConfidences.length
                        + " found confidences");
            }
        }

        @Override
        public int[] foundPeriods() {
            return foundPeriods.clone();
        }

        @Override
        public double[] confidences() {
            return confidences.clone();
        }

        @Override
        public double[] foundConfidences() {
            return foundConfidences.clone();
        }

        /** Clips where a message was found (whatever the confidence). */
        public int found() {
            return foundConfidences.length;
        }

        /** Clips {@code watermark detect} reports as watermarked by {@code threshold}. */
        public int detected(DetectThreshold threshold) {
            int n = 0;
            for (int i = 0; i < foundConfidences.length; i++) {
                n += threshold.reports(true, foundConfidences[i], foundPeriods[i]) ? 1 : 0;
            }
            return n;
        }
    }

    /**
     * Detection on the clips as they are ({@code watermarked} false: the false-positive side) or
     * after embedding a payload drawn as in {@link #bitAccuracy} ({@code watermarked} true).
     */
    public static Detection detection(WatermarkModel model, AudioDataset data, boolean watermarked, long seed,
            double maxSeconds) {
        return detection(model, data, watermarked, seed, maxSeconds, Listener.SILENT);
    }

    /** As {@link #detection(WatermarkModel, AudioDataset, boolean, long, double)}, telling {@code listener} after each clip. */
    public static Detection detection(WatermarkModel model, AudioDataset data, boolean watermarked, long seed,
            double maxSeconds, Listener listener) {
        SilentCipher sc = model.silentCipher();
        PayloadCodec codec = model.codec();
        List<Double> conf = new ArrayList<>();
        record Found(double confidence, int periods) {
        }
        List<Found> found = new ArrayList<>();
        int correct = 0;
        for (int c = 0; c < data.size(); c++) {
            float[] x = cut(data.clip(c), model, maxSeconds);
            if (x == null || isSilent(x)) {
                listener.unitsDone(c + 1, data.size());
                continue;
            }
            boolean[] bits = payload(model, seed, c);
            float[] y = watermarked ? sc.embed(x, codec.symbols(bits), model.config().messageSdr()).watermarked() : x;
            PayloadCodec.Decoded d = codec.decode(sc.decode(y).frameClasses());
            conf.add(d.confidence());
            if (d.found()) {
                found.add(new Found(d.confidence(), d.periods()));
                correct += watermarked && Arrays.equals(d.bits(), bits) ? 1 : 0;
            }
            listener.unitsDone(c + 1, data.size());
        }
        found.sort(java.util.Comparator.comparingDouble(Found::confidence));
        return new Detection(conf.size(), correct, conf.stream().mapToDouble(Double::doubleValue).sorted().toArray(),
                found.stream().mapToDouble(Found::confidence).toArray(), found.stream().mapToInt(Found::periods).toArray());
    }

    private static float[] cut(float[] clip, WatermarkModel model, double maxSeconds) {
        int n = (int) Math.min(clip.length, Math.round(maxSeconds * model.sampleRate()));
        return model.config().frames(n) < model.config().messageLen() ? null : Arrays.copyOf(clip, n);
    }

    /** The payload of clip c: bits drawn from (seed, c). */
    static boolean[] payload(WatermarkModel model, long seed, int c) {
        SplittableRandom r = AudioDataset.rng(seed, c, 7);
        boolean[] bits = new boolean[model.payloadBits()];
        for (int k = 0; k < bits.length; k++) {
            bits[k] = r.nextBoolean();
        }
        return bits;
    }

    private static boolean isSilent(float[] x) {
        for (float v : x) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }
}
