package org.lockey.eval.distortion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Resampler;
import org.lockey.audio.Wav;
import org.lockey.io.AtomicFiles;

/**
 * A lossy codec round trip through the real encoder in {@code ffmpeg}: Table I's {@code mp3_*}
 * ({@link Mp3}, libmp3lame) and {@code ogg_*} ({@link Ogg}, libvorbis) columns.
 *
 * <p>Exactly: the mono input is resampled to {@value #CODEC_RATE} Hz ({@link Resampler}; skipped
 * when already there) and written as a two-channel float32 WAV whose channels are equal; ffmpeg
 * encodes it at the nominal bit rate ({@code -c:a <encoder> -b:a <kbps>k}) and decodes it to
 * float32 WAV; the two channels are averaged, resampled back to the input rate, re-aligned to the
 * input ({@link Alignment}, lags up to {@value #MAX_LAG_SECONDS} s) and cut or zero-padded to the
 * input length. Temporary files live in a fresh directory that is deleted afterwards. Deterministic
 * (the generator is not used).
 *
 * <p>Why 44.1 kHz stereo: Table I's bit rates are those of ordinary 44.1 kHz files. At the models'
 * own rates several are impossible: libvorbis refuses mono at 128 kbit/s and above at 16 and
 * 22.05 kHz and mono 256 kbit/s at every rate, and LAME's MPEG-2 layer III caps 16 and 22.05 kHz at
 * 160 kbit/s (measured with ffmpeg 5.1 / LAME 3.100 / libvorbis 1.3.7). Equal channels cost a
 * joint-stereo encoder little, so the whole bit rate goes to the one signal.
 *
 * <p>Without ffmpeg (or the encoder) {@link #unavailable()} says so and {@link #apply} throws
 * {@link DistortionUnavailableException}.
 */
public abstract class FfmpegCodec implements Distortion {
    /** The rate the codecs run at. */
    public static final int CODEC_RATE = 44100;
    /** Largest codec delay re-aligned, in seconds. */
    public static final double MAX_LAG_SECONDS = 0.1;

    private final Ffmpeg ffmpeg;
    private final int kbps;

    /**
     * @param ffmpeg the ffmpeg to run
     * @param kbps   the nominal bit rate in kbit/s
     */
    protected FfmpegCodec(Ffmpeg ffmpeg, int kbps) {
        if (kbps < 8 || kbps > 512) {
            throw new LockeyException(getClass().getSimpleName() + ": bit rate " + kbps + " kbit/s is not in 8..512");
        }
        this.ffmpeg = ffmpeg;
        this.kbps = kbps;
    }

    /** The ffmpeg encoder name, e.g. {@code libmp3lame}. */
    public abstract String encoder();

    /** The container file extension, e.g. {@code mp3}. */
    public abstract String extension();

    /** The nominal bit rate in kbit/s. */
    public int kbps() {
        return kbps;
    }

    @Override
    public String name() {
        return extension() + "_" + kbps + "k";
    }

    @Override
    public String description() {
        return encoder() + " at " + kbps + " kbit/s via ffmpeg (44.1 kHz, two equal channels), decoded, "
                + "resampled back and re-aligned";
    }

    @Override
    public Optional<String> unavailable() {
        return ffmpeg.problem(encoder()).map(p -> name() + " skipped: " + p);
    }

    @Override
    public float[] apply(float[] audio, int sampleRate, SplittableRandom rng) {
        Optional<String> problem = unavailable();
        if (problem.isPresent()) {
            throw new DistortionUnavailableException(problem.get());
        }
        if (audio.length == 0) {
            return new float[0];
        }
        float[] x = sampleRate == CODEC_RATE ? audio : Resampler.resample(audio, sampleRate, CODEC_RATE);
        float[] decoded = roundTrip(x);
        float[] back = sampleRate == CODEC_RATE ? decoded : Resampler.resample(decoded, CODEC_RATE, sampleRate);
        int lag = Alignment.bestLag(audio, back, (int) Math.ceil(MAX_LAG_SECONDS * sampleRate));
        return Alignment.shift(back, lag, audio.length);
    }

    /** Encode + decode at {@link #CODEC_RATE}; returns the mean of the decoded channels. */
    private float[] roundTrip(float[] x) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory(ffmpeg.tempDir(), "lockey-codec");
            Path in = dir.resolve("in.wav");
            Path coded = dir.resolve("coded." + extension());
            Path out = dir.resolve("decoded.wav");
            Wav.writeFloat32(in, new Audio(new float[][] {x, x}, CODEC_RATE));
            ffmpeg.run(List.of("-i", in.toString(), "-c:a", encoder(), "-b:a", kbps + "k", coded.toString()));
            ffmpeg.run(List.of("-i", coded.toString(), "-c:a", "pcm_f32le", "-f", "wav", out.toString()));
            Audio decoded = Wav.read(out);
            if (decoded.sampleRate() != CODEC_RATE) {
                throw new LockeyException(name() + ": ffmpeg decoded at " + decoded.sampleRate() + " Hz, expected "
                        + CODEC_RATE);
            }
            return decoded.mono();
        } catch (IOException e) {
            throw new LockeyException(name() + ": cannot create temporary files (" + e.getMessage() + ")", e);
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        try {
            AtomicFiles.deleteTree(dir);
        } catch (IOException e) {
            throw new LockeyException("cannot delete temporary directory " + dir + " (" + e.getMessage() + ")", e);
        }
    }
}
