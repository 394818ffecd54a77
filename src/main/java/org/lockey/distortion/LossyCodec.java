package org.lockey.distortion;

import java.util.Optional;
import java.util.SplittableRandom;

import org.lockey.LockeyException;
import org.lockey.audio.Resampler;

/**
 * A lossy codec round trip through a real encoder: Table I's {@code mp3_*} ({@link Mp3}) and
 * {@code ogg_*} ({@link Ogg}) columns, and the opt-in {@code aac_*} ({@link Aac}) and {@code opus_*}
 * ({@link Opus}) columns. Which encoder runs is the {@link CodecEngine}'s business ({@link Codecs}
 * picks it per {@link CodecBackend}); this class does what is common.
 *
 * <p>Exactly: the mono input is resampled to the codec's rate ({@link #codecRate()}: 44.1 kHz, Opus
 * 48 kHz; {@link Resampler}, skipped when already there); the engine encodes it as two equal
 * channels at the nominal bit rate, decodes it and averages the channels; the result is resampled
 * back to the input rate, re-aligned to the input ({@link Alignment}, lags up to
 * {@value #MAX_LAG_SECONDS} s) and cut or zero-padded to the input length. Deterministic (the
 * generator is not used).
 *
 * <p>Why 44.1 kHz stereo: Table I's bit rates are those of ordinary 44.1 kHz files. At the models'
 * own rates several are impossible: libvorbis refuses mono at 128 kbit/s and above at 16 and
 * 22.05 kHz and mono 256 kbit/s at every rate, and LAME's MPEG-2 layer III caps 16 and 22.05 kHz at
 * 160 kbit/s (measured with ffmpeg 5.1 / LAME 3.100 / libvorbis 1.3.7). Equal channels cost a
 * joint-stereo encoder little, so the whole bit rate goes to the one signal. Opus runs at 48 kHz
 * only.
 *
 * <p>When the engine cannot run (no ffmpeg, an encoder missing) {@link #unavailable()} says so and
 * {@link #apply} throws {@link DistortionUnavailableException}.
 */
public abstract class LossyCodec implements Distortion {
    /** The rate MP3, Vorbis and AAC run at. */
    public static final int CODEC_RATE = 44100;
    /** Largest codec delay re-aligned, in seconds. */
    public static final double MAX_LAG_SECONDS = 0.1;

    private final CodecEngine engine;
    private final int kbps;

    /**
     * @param engine the encoder and decoder
     * @param kbps   the nominal bit rate in kbit/s
     */
    protected LossyCodec(CodecEngine engine, int kbps) {
        if (kbps < 8 || kbps > 512) {
            throw new LockeyException(getClass().getSimpleName() + ": bit rate " + kbps + " kbit/s is not in 8..512");
        }
        this.engine = engine;
        this.kbps = kbps;
    }

    /** The column prefix, e.g. {@code mp3}. */
    public abstract String format();

    /** The rate the codec runs at, in Hz. */
    public int codecRate() {
        return CODEC_RATE;
    }

    /** The nominal bit rate in kbit/s. */
    public int kbps() {
        return kbps;
    }

    /** The encoder and decoder. */
    public CodecEngine engine() {
        return engine;
    }

    @Override
    public String name() {
        return format() + "_" + kbps + "k";
    }

    @Override
    public String description() {
        return String.format(java.util.Locale.ROOT, "%s at %d kbit/s (%.1f kHz, two equal channels), decoded, "
                + "resampled back and re-aligned", engine.encoder(), kbps, codecRate() / 1000.0);
    }

    @Override
    public Optional<String> unavailable() {
        return engine.problem().map(p -> name() + " skipped: " + p);
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
        int rate = codecRate();
        float[] x = sampleRate == rate ? audio : Resampler.resample(audio, sampleRate, rate);
        float[] decoded = engine.roundTrip(x, rate, kbps);
        float[] back = sampleRate == rate ? decoded : Resampler.resample(decoded, rate, sampleRate);
        int lag = Alignment.bestLag(audio, back, (int) Math.ceil(MAX_LAG_SECONDS * sampleRate));
        return Alignment.shift(back, lag, audio.length);
    }
}
