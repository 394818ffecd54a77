package org.lockey.distortion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Wav;
import org.lockey.io.AtomicFiles;

/**
 * A codec through an {@link Ffmpeg} executable (the system's or the bundled one): the input is written
 * as a two-channel float32 WAV whose channels are equal, encoded with {@code -c:a <encoder>} into
 * the format's container, decoded to float32 WAV, and the channels averaged. Temporary files live in
 * a fresh directory that is deleted afterwards.
 *
 * <p>The bit rate is set as the encoder understands it ({@link RateControl}): {@code -b:a <N>k} for
 * libmp3lame (CBR), libvorbis (a nominal rate it maps to a quality), aac and libopus (averages);
 * FFmpeg's own Vorbis encoder ignores {@code -b:a} (it encodes at quality 8 whatever the rate, about
 * 116 kbit/s on speech, measured), so its quality is searched until the clip's audio data has the
 * nominal rate.
 */
public final class FfmpegEngine implements CodecEngine {
    /** How the nominal bit rate reaches the encoder. */
    public enum RateControl {
        /** {@code -b:a <N>k}. */
        BIT_RATE,
        /**
         * {@code -q:a}, bisected on a log scale in [{@value FfmpegEngine#MIN_QUALITY},
         * {@value FfmpegEngine#MAX_QUALITY}] until the clip's audio bytes (the file less its headers)
         * give the nominal rate within {@value FfmpegEngine#RATE_TOLERANCE} (relative), at most
         * {@value FfmpegEngine#SEARCH_STEPS} encodes; the closest encode is kept.
         */
        QUALITY_SEARCH
    }

    /** Lowest {@code -q:a} tried by {@link RateControl#QUALITY_SEARCH} (about 10 kbit/s on speech). */
    public static final double MIN_QUALITY = 0.1;
    /** Highest {@code -q:a} tried (FFmpeg's Vorbis encoder: about 450 kbit/s on speech at 1000). */
    public static final double MAX_QUALITY = 2000;
    /** Relative bit-rate error at which the search stops. */
    public static final double RATE_TOLERANCE = 0.02;
    /** Most encodes of one search. */
    public static final int SEARCH_STEPS = 12;

    private final Ffmpeg ffmpeg;
    private final String encoderName;
    private final String extension;
    private final RateControl rateControl;
    private final List<String> encoderOptions;
    /** Bytes of the container and codec headers of {@link RateControl#QUALITY_SEARCH}'s files; -1 until measured. */
    private long headerBytes = -1;

    /**
     * @param ffmpeg         the executable
     * @param encoderName    ffmpeg's encoder, e.g. {@code libmp3lame}
     * @param extension      the container's file extension, e.g. {@code mp3} (ffmpeg picks the muxer by it)
     * @param rateControl    how the bit rate is set
     * @param encoderOptions more output options, e.g. {@code -strict experimental}
     */
    public FfmpegEngine(Ffmpeg ffmpeg, String encoderName, String extension, RateControl rateControl,
            List<String> encoderOptions) {
        this.ffmpeg = ffmpeg;
        this.encoderName = encoderName;
        this.extension = extension;
        this.rateControl = rateControl;
        this.encoderOptions = List.copyOf(encoderOptions);
    }

    /** The ffmpeg this engine runs. */
    public Ffmpeg ffmpeg() {
        return ffmpeg;
    }

    @Override
    public String encoder() {
        return encoderName + (rateControl == RateControl.QUALITY_SEARCH ? " (quality searched to the nominal rate)" : "")
                + ", " + ffmpeg.describe();
    }

    @Override
    public Optional<String> problem() {
        return ffmpeg.problem(encoderName);
    }

    @Override
    public float[] roundTrip(float[] x, int sampleRate, int kbps) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory(ffmpeg.tempDir(), "lockey-codec");
            Path in = dir.resolve("in.wav");
            Path out = dir.resolve("decoded.wav");
            Wav.writeFloat32(in, new Audio(new float[][] {x, x}, sampleRate));
            Path coded = rateControl == RateControl.BIT_RATE ? encode(in, dir.resolve("coded." + extension),
                    List.of("-b:a", kbps + "k")) : searchQuality(in, dir, x.length / (double) sampleRate, kbps);
            ffmpeg.run(List.of("-i", coded.toString(), "-c:a", "pcm_f32le", "-f", "wav", out.toString()));
            Audio decoded = Wav.read(out);
            if (decoded.sampleRate() != sampleRate) {
                throw new LockeyException(encoderName + ": ffmpeg decoded at " + decoded.sampleRate() + " Hz, expected "
                        + sampleRate);
            }
            return decoded.mono();
        } catch (IOException e) {
            throw new LockeyException(encoderName + ": cannot create temporary files (" + e.getMessage() + ")", e);
        } finally {
            deleteTree(dir);
        }
    }

    private Path encode(Path in, Path coded, List<String> rateOptions) {
        List<String> args = new ArrayList<>(List.of("-i", in.toString(), "-c:a", encoderName));
        args.addAll(rateOptions);
        args.addAll(encoderOptions);
        args.add(coded.toString());
        ffmpeg.run(args);
        return coded;
    }

    private static List<String> quality(double q) {
        return List.of("-q:a", String.format(Locale.ROOT, "%.4f", q));
    }

    /** The encode whose audio data comes closest to {@code kbps} (see {@link RateControl#QUALITY_SEARCH}). */
    private Path searchQuality(Path in, Path dir, double seconds, int kbps) throws IOException {
        long header = headerBytes(dir);
        double lo = Math.log(MIN_QUALITY);
        double hi = Math.log(MAX_QUALITY);
        Path best = null;
        double bestError = Double.POSITIVE_INFINITY;
        for (int step = 0; step < SEARCH_STEPS; step++) {
            double logQ = (lo + hi) / 2;
            Path coded = encode(in, dir.resolve("try-" + step + "." + extension), quality(Math.exp(logQ)));
            double rate = (Files.size(coded) - header) * 8 / seconds / 1000;
            double error = Math.abs(rate - kbps) / kbps;
            if (error < bestError) {
                bestError = error;
                best = coded;
            }
            if (error <= RATE_TOLERANCE) {
                break;
            }
            if (rate < kbps) {
                lo = logQ;
            } else {
                hi = logQ;
            }
        }
        return best;
    }

    /** The size of an encode of 10 ms of silence: the headers (FFmpeg's Vorbis setup header is ~3.5 kB, whatever the quality). */
    private synchronized long headerBytes(Path dir) throws IOException {
        if (headerBytes < 0) {
            Path silence = dir.resolve("silence.wav");
            Wav.writeFloat32(silence, new Audio(new float[][] {new float[441], new float[441]}, 44100));
            headerBytes = Files.size(encode(silence, dir.resolve("silence." + extension), quality(1)));
        }
        return headerBytes;
    }

    private static void deleteTree(Path dir) {
        try {
            AtomicFiles.deleteTree(dir);
        } catch (IOException e) {
            throw new LockeyException("cannot delete temporary directory " + dir + " (" + e.getMessage() + ")", e);
        }
    }
}
