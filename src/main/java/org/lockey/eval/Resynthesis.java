package org.lockey.eval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.lockey.audio.MelSpectrogram;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.Distortion;
import org.lockey.metric.MelDistance;
import org.lockey.metric.Sdr;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.hifigan.HifiGan;

/**
 * How close a base model's resynthesis of real clips is to the clips (issue 19): a HiFi-GAN vocodes each clip's
 * log-mel, an Encodec encodes and decodes it; per clip the {@link MelDistance} (the base models' target measure), the
 * level difference in dB and the SDR. A reference distortion (for example an MP3 round trip at 32 kbit/s) can be
 * scored beside it on the same clips, so the figure has a yardstick measured on the same audio.
 */
public final class Resynthesis {
    /** One base model, HiFi-GAN or Encodec, as a function from a clip to its resynthesis. */
    public interface BaseModel {
        /** The model's sample rate. */
        int sampleRate();

        /** A short name for the table, e.g. {@code hifigan}. */
        String kind();

        /** The resynthesis of {@code clip} (its length may differ by less than one hop). */
        float[] resynthesise(float[] clip);
    }

    /** The figures of one clip ({@code referenceMelDistance} NaN without a reference distortion). */
    public record ClipResult(String clip, double seconds, double melDistance, double levelDb, double sdrDb,
            double referenceMelDistance) {
    }

    private Resynthesis() {
    }

    /** The model in {@code dir}: an Encodec when it holds {@value Encodec#CONFIG_FILE}, else a HiFi-GAN. */
    public static BaseModel load(Path dir) {
        if (Files.exists(dir.resolve(Encodec.CONFIG_FILE))) {
            Encodec codec = Encodec.load(dir);
            return new BaseModel() {
                @Override
                public int sampleRate() {
                    return codec.config().sampleRate();
                }

                @Override
                public String kind() {
                    return "encodec";
                }

                @Override
                public float[] resynthesise(float[] clip) {
                    return codec.decode(codec.encode(clip));
                }
            };
        }
        HifiGan vocoder = HifiGan.load(dir);
        MelSpectrogram inputMel = new MelSpectrogram(vocoder.config().melConfig());
        return new BaseModel() {
            @Override
            public int sampleRate() {
                return vocoder.config().melConfig().samplingRate();
            }

            @Override
            public String kind() {
                return "hifigan";
            }

            @Override
            public float[] resynthesise(float[] clip) {
                return vocoder.vocodeChunked(inputMel.apply(clip), HifiGan.DEFAULT_CHUNK_FRAMES, vocoder.contextFrames());
            }
        };
    }

    /**
     * Scores every clip of {@code clips} (at the model's rate); {@code reference}, when present, is applied to each
     * clip and scored the same way. {@code progress} hears one line per clip.
     */
    public static List<ClipResult> evaluate(BaseModel model, AudioDataset clips, Optional<Distortion> reference,
            Consumer<String> progress) {
        List<ClipResult> out = new ArrayList<>();
        int rate = model.sampleRate();
        for (int i = 0; i < clips.size(); i++) {
            float[] x = clips.clip(i);
            float[] y = model.resynthesise(x);
            int n = Math.min(x.length, y.length);
            float[] xs = java.util.Arrays.copyOf(x, n);
            float[] ys = java.util.Arrays.copyOf(y, n);
            double ref = reference.map(d -> MelDistance.between(x, d.apply(x, rate, new SplittableRandom(0)), rate))
                    .orElse(Double.NaN);
            ClipResult r = new ClipResult(clips.name(i), x.length / (double) rate, MelDistance.between(xs, ys, rate),
                    MelDistance.levelDb(xs, ys), Sdr.db(xs, ys), ref);
            out.add(r);
            progress.accept(String.format(java.util.Locale.ROOT, "%s: mel distance %.3f, level %+.2f dB, SDR %.2f dB",
                    r.clip(), r.melDistance(), r.levelDb(), r.sdrDb()));
        }
        return out;
    }

    /** The table of {@code results}: one row per clip and a mean row. */
    public static ResultTable table(String title, List<ClipResult> results, Optional<String> referenceName) {
        List<String> columns = new ArrayList<>(List.of("clip", "seconds", "mel_distance", "level_db", "sdr_db"));
        referenceName.ifPresent(n -> columns.add("mel_distance_" + n));
        ResultTable t = new ResultTable(title, columns, 1);
        double[] sums = new double[5];
        for (ClipResult r : results) {
            List<Object> row = new ArrayList<>(List.of(r.clip(), r.seconds(), r.melDistance(), r.levelDb(), r.sdrDb()));
            referenceName.ifPresent(n -> row.add(r.referenceMelDistance()));
            t.row(row);
            sums[0] += r.seconds();
            sums[1] += r.melDistance();
            sums[2] += r.levelDb();
            sums[3] += r.sdrDb();
            sums[4] += r.referenceMelDistance();
        }
        int n = results.size();
        List<Object> mean = new ArrayList<>(List.of("mean", sums[0] / n, sums[1] / n, sums[2] / n, sums[3] / n));
        referenceName.ifPresent(x -> mean.add(sums[4] / n));
        return t.row(mean);
    }
}
