package org.lockey.distortion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The codec columns with both backends. The {@code maven} backend must work on any machine with the
 * project's dependencies, so its tests never skip; the {@code os} backend's are skipped with an
 * assumption when the system ffmpeg or one of its encoders is missing; the "ffmpeg not found" path
 * always runs.
 */
class LossyCodecTest {
    /** Every codec column, Table I's and the opt-in ones. */
    private static List<LossyCodec> codecs(Codecs c) {
        return List.of(c.mp3(64), c.mp3(128), c.mp3(256), c.ogg(64), c.ogg(128), c.ogg(256), c.aac(64), c.aac(128),
                c.opus(32), c.opus(64));
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

    /** Round trips of every column at two rates: length kept, aligned, SNR plausible and growing with the rate. */
    private static Map<String, Double> checkRoundTrips(Codecs codecs, String label) {
        Map<String, Double> snrs = new LinkedHashMap<>();
        for (int rate : new int[] {22050, 32000}) {
            float[] x = Signals.speech(rate);
            for (LossyCodec c : codecs(codecs)) {
                float[] y = c.apply(x, rate, new SplittableRandom(1));
                assertEquals(x.length, y.length, c.name());
                double snr = Signals.snrDb(x, y);
                System.out.printf("[codec %s] %s at %d Hz: SNR %.1f dB%n", label, c.name(), rate, snr);
                // a perceptual codec keeps the waveform roughly: well above 0 dB, far from lossless (> 100 dB)
                assertTrue(snr > 5 && snr < 80, label + " " + c.name() + " at " + rate + " Hz: SNR " + snr);
                snrs.put(c.name() + "@" + rate, snr);
                int third = x.length / 3;
                float[] mid = Arrays.copyOfRange(x, third, 2 * third);
                float[] midOut = Arrays.copyOfRange(y, third - 200, 2 * third + 200);
                assertEquals(200, naiveLag(mid, midOut, 200), label + " " + c.name() + ": output is aligned to the input");
            }
            for (String f : List.of("mp3_64k:mp3_256k", "ogg_64k:ogg_256k", "aac_64k:aac_128k", "opus_32k:opus_64k")) {
                String[] pair = f.split(":");
                assertTrue(snrs.get(pair[0] + "@" + rate) < snrs.get(pair[1] + "@" + rate),
                        label + ": more bits, less error: " + snrs);
            }
        }
        return snrs;
    }

    private static void assertNoTemporaryFilesLeft(Path dir) throws IOException {
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "temporary files are removed");
        }
    }

    @Test
    void mavenBackendRoundTripsEveryColumn(@TempDir Path tmp) throws IOException {
        Codecs maven = Codecs.maven(Ffmpeg.bundled(tmp));
        for (LossyCodec c : codecs(maven)) {
            assertEquals(List.of(), c.unavailable().stream().toList(), "the maven backend needs nothing of the OS");
        }
        checkRoundTrips(maven, "maven");
        assertNoTemporaryFilesLeft(tmp);
    }

    @Test
    void osBackendRoundTripsEveryColumn(@TempDir Path tmp) throws IOException {
        Codecs os = Codecs.os(new Ffmpeg(Ffmpeg.system().executable(), tmp));
        for (LossyCodec c : codecs(os)) {
            assumeTrue(c.unavailable().isEmpty(), () -> "os codec test skipped: " + c.unavailable().get());
        }
        checkRoundTrips(os, "os");
        assertNoTemporaryFilesLeft(tmp);
    }

    @Test
    void jump3rRemovesExactlyItsDelay() {
        float[] x = Signals.mix(44100, 44100, 5);
        float[] y = new Jump3rMp3().roundTrip(x, 44100, 128);
        assertEquals(0, naiveLag(Arrays.copyOfRange(x, 4410, 30000), Arrays.copyOfRange(y, 4410 - 300, 30000 + 300), 300)
                - 300, "jump3r output starts with the input (tag frame and codec delays cut)");
        assertTrue(y.length >= x.length && y.length < x.length + 2 * 1152, "one frame of padding at most: " + y.length);
    }

    @Test
    void mavenCodecsAreDeterministicAndLeaveTheirInputAlone(@TempDir Path tmp) {
        Codecs maven = Codecs.maven(Ffmpeg.bundled(tmp));
        float[] x = Signals.mix(22050, 22050, 3);
        float[] copy = x.clone();
        for (LossyCodec c : List.of(maven.mp3(64), maven.ogg(64), maven.aac(64), maven.opus(32))) {
            assertArrayEquals(c.apply(x, 22050, new SplittableRandom(1)), c.apply(x, 22050, new SplittableRandom(2)),
                    c.name());
            assertArrayEquals(copy, x, c.name() + " modified its input");
        }
    }

    @Test
    void theTwoBackendsAgreeExceptForVorbisWhoseGapIsTheDocumentedOne(@TempDir Path tmp) {
        Codecs os = Codecs.os(new Ffmpeg(Ffmpeg.system().executable(), tmp));
        assumeTrue(codecs(os).stream().allMatch(c -> c.unavailable().isEmpty()),
                () -> "backend agreement skipped: the system ffmpeg lacks an encoder or is missing");
        Codecs maven = Codecs.maven(Ffmpeg.bundled(tmp));
        float[] x = Signals.speech(22050);
        List<LossyCodec> a = codecs(maven);
        List<LossyCodec> b = codecs(os);
        for (int i = 0; i < a.size(); i++) {
            String name = a.get(i).name();
            double snrMaven = Signals.snrDb(x, a.get(i).apply(x, 22050, new SplittableRandom(1)));
            double snrOs = Signals.snrDb(x, b.get(i).apply(x, 22050, new SplittableRandom(1)));
            System.out.printf("[codec agreement] %s: maven %.1f dB, os %.1f dB%n", name, snrMaven, snrOs);
            if (name.startsWith("ogg")) {
                // two different encoders (FFmpeg's own at the nominal rate, libvorbis below it on speech):
                // the maven columns distort the waveform less (docs/distortions.md, Codec backends)
                assertTrue(snrMaven > snrOs && snrMaven < snrOs + 20, name + ": maven " + snrMaven + " dB, os " + snrOs);
            } else {
                // LAME 3.98.4 against 3.100; FFmpeg's aac and libopus in two builds
                assertTrue(Math.abs(snrMaven - snrOs) < 1.5, name + ": maven " + snrMaven + " dB, os " + snrOs);
            }
        }
    }

    @Test
    void eachColumnSaysWhichEncoderMadeIt() {
        Codecs maven = Codecs.maven(Ffmpeg.bundled());
        List<String> notes = Codecs.encoderNotes(List.of(new Identity(), maven.mp3(64), maven.mp3(128), maven.ogg(64)));
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("encoder of mp3_64k, mp3_128k: ") && notes.get(0).contains("jump3r"),
                notes.get(0));
        assertTrue(notes.get(1).startsWith("encoder of ogg_64k: vorbis") && notes.get(1).contains(Ffmpeg.BUNDLED_ARTIFACT),
                notes.get(1));
        assertTrue(maven.mp3(64).description().contains("jump3r"), maven.mp3(64).description());
    }

    @Test
    void missingFfmpegGivesAClearNoticeAndAnError() {
        Codecs missing = Codecs.os(new Ffmpeg(Path.of("/nonexistent/bin/ffmpeg")));
        Mp3 mp3 = missing.mp3(128);
        String notice = mp3.unavailable().orElseThrow();
        assertTrue(notice.contains("mp3_128k") && notice.contains("ffmpeg not found"), notice);
        DistortionUnavailableException e = assertThrows(DistortionUnavailableException.class,
                () -> mp3.apply(new float[100], 22050, new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("ffmpeg not found"), e.getMessage());
        assertTrue(missing.ogg(64).unavailable().isPresent());
    }

    @Test
    void backendIsChosenByName() {
        assertEquals(CodecBackend.OS, CodecBackend.parse("OS"));
        assertEquals(CodecBackend.MAVEN, CodecBackend.parse("maven"));
        assertTrue(assertThrows(RuntimeException.class, () -> CodecBackend.parse("native")).getMessage()
                .contains("use maven or os"));
    }
}
