package org.lockey.eval.distortion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mp3_* and ogg_*: real encoders through ffmpeg (skipped with an assumption when ffmpeg or an
 * encoder is missing); the "ffmpeg not found" path always runs.
 */
class FfmpegCodecTest {
    private static List<FfmpegCodec> codecs(Ffmpeg f) {
        return List.of(new Mp3(f, 64), new Mp3(f, 128), new Mp3(f, 256), new Ogg(f, 64), new Ogg(f, 128), new Ogg(f, 256));
    }

    /** The lag (within +-maxLag) of the largest cross-correlation, by the definition (no FFT). */
    private static int naiveLag(float[] x, float[] y, int maxLag) {
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int lag = -maxLag; lag <= maxLag; lag++) {
            double s = 0;
            for (int n = 0; n < x.length; n++) {
                int k = n + lag;
                if (k >= 0 && k < y.length) {
                    s += (double) x[n] * y[k];
                }
            }
            if (s > bestValue) {
                bestValue = s;
                best = lag;
            }
        }
        return best;
    }

    @Test
    void roundTripsKeepLengthAndAlignmentWithAPlausibleSnr(@TempDir Path tmp) throws IOException {
        FfmpegCodec probe = new Mp3(128);
        assumeTrue(probe.unavailable().isEmpty() && new Ogg(128).unavailable().isEmpty(),
                () -> "codec test skipped: " + probe.unavailable().orElse("libvorbis missing"));
        Ffmpeg ffmpeg = new Ffmpeg(Ffmpeg.system().executable(), tmp);
        for (int rate : new int[] {22050, 32000}) {
            float[] x = Signals.speech(rate);
            Map<String, Double> snrs = new HashMap<>();
            for (FfmpegCodec c : codecs(ffmpeg)) {
                float[] y = c.apply(x, rate, new SplittableRandom(1));
                assertEquals(x.length, y.length, c.name());
                double snr = Signals.snrDb(x, y);
                System.out.printf("[codec] %s at %d Hz: SNR %.1f dB%n", c.name(), rate, snr);
                // a perceptual codec keeps the waveform roughly: well above 0 dB, far from lossless (> 100 dB)
                assertTrue(snr > 8 && snr < 80, c.name() + " at " + rate + " Hz: SNR " + snr);
                snrs.put(c.name(), snr);
                int third = x.length / 3;
                float[] mid = Arrays.copyOfRange(x, third, 2 * third);
                float[] midOut = Arrays.copyOfRange(y, third - 200, 2 * third + 200);
                assertEquals(200, naiveLag(mid, midOut, 200), c.name() + ": output is aligned to the input");
            }
            assertTrue(snrs.get("mp3_64k") < snrs.get("mp3_256k") && snrs.get("ogg_64k") < snrs.get("ogg_256k"),
                    "more bits, less error: " + snrs);
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "temporary files are removed");
        }
    }

    @Test
    void codecsAreDeterministic() {
        FfmpegCodec c = new Ogg(64);
        assumeTrue(c.unavailable().isEmpty(), () -> c.unavailable().get());
        float[] x = Signals.mix(22050, 22050, 3);
        assertArrayEquals(c.apply(x, 22050, new SplittableRandom(1)), c.apply(x, 22050, new SplittableRandom(2)));
    }

    @Test
    void missingFfmpegGivesAClearNoticeAndAnError() {
        Ffmpeg missing = new Ffmpeg(Path.of("/nonexistent/bin/ffmpeg"));
        Mp3 mp3 = new Mp3(missing, 128);
        String notice = mp3.unavailable().orElseThrow();
        assertTrue(notice.contains("mp3_128k") && notice.contains("ffmpeg not found"), notice);
        DistortionUnavailableException e = assertThrows(DistortionUnavailableException.class,
                () -> mp3.apply(new float[100], 22050, new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("ffmpeg not found"), e.getMessage());
        assertTrue(new Ogg(missing, 64).unavailable().isPresent());
    }
}
