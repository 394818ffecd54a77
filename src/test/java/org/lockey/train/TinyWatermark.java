package org.lockey.train;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.lockey.audio.Audio;
import org.lockey.audio.Wav;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.Codecs;
import org.lockey.distortion.Ffmpeg;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.nn.BatchNorm2d;

/** A tiny watermark configuration, data and model, shared by the training and command-line tests. */
public final class TinyWatermark {
    /** Crop length of the tests: 400 samples at 8 kHz = 27 frames, three message periods. */
    public static final int CROP = 400;

    private TinyWatermark() {
    }

    /**
     * A tiny watermarker: 8 kHz, N_FFT 32 (17 bins), band 8, 16-bit payload (period 9), a 8 x 2
     * message decoder, and a 0 dB SDR (a watermark as loud as the audio, so that a few dozen steps
     * learn something). enc_c and dec_c keep their fixed upstream widths (32 and 96 channels).
     */
    public static SilentCipherConfig config() {
        return new SilentCipherConfig(8000, 32, 16, 5, 9, 8, 0.0, 3, 4, true, false, false, true, false, 1, 8, 2, SilentCipherConfig.UPSTREAM_CARRIER_WIDTH);
    }

    /** Four 1-s clips of tones and noise at 8 kHz in {@code dir} (no splits.tsv: every split is all of them). */
    public static Path data(Path dir) {
        for (int c = 0; c < 4; c++) {
            SplittableRandom r = new SplittableRandom(c);
            float[] x = new float[8000];
            double f0 = 100 + 60 * c;
            for (int i = 0; i < x.length; i++) {
                double t = i / 8000.0;
                x[i] = (float) (0.3 * Math.sin(2 * Math.PI * f0 * t) + 0.1 * Math.sin(2 * Math.PI * 3.1 * f0 * t)
                        + 0.05 * r.nextGaussian());
            }
            Wav.writePcm16(dir.resolve("clip" + c + ".wav"), Audio.mono(x, 8000));
        }
        return dir;
    }

    /** Settings for {@code steps} steps of batch 2, lr 1e-3, checkpoints every 3 steps, no validation. */
    public static WatermarkTrainer.Settings settings(long steps, List<String> distortions) {
        return new WatermarkTrainer.Settings(config(), 16, 2, CROP, steps, 3, 0, 1000, 7, 1e-3, 20, 0, distortions,
                BatchNorm2d.Mode.BATCH_STATISTICS);
    }

    /** A trainer on {@code data} without validation and without ffmpeg. */
    public static WatermarkTrainer trainer(WatermarkTrainer.Settings s, Path data, PrintStream log) {
        AudioDataset ds = AudioDataset.load(data, "train", 8000);
        return new WatermarkTrainer(s, ds, null, Codecs.os(new Ffmpeg(Path.of("/nonexistent/ffmpeg"))), log);
    }

    /** A log that goes nowhere. */
    public static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** A model trained for {@code steps} steps (no distortion) on fresh tiny data, written to {@code dir}. */
    public static WatermarkModel model(Path dataDir, Path dir, long steps) {
        return trainer(settings(steps, List.of(WatermarkTrainer.NONE)), data(dataDir), quiet()).run(dir, false);
    }
}
