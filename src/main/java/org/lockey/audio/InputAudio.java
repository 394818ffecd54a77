package org.lockey.audio;

import java.nio.file.Path;
import java.util.Locale;

import org.lockey.LockeyException;

/**
 * The audio a command reads for a model, checked once for every command ({@code generate}, {@code trace},
 * {@code vocode}, {@code codec encode}, {@code watermark embed|detect}, {@code eval sdr}): any WAV that
 * {@link Wav#read} takes (8-bit unsigned, 16/24/32-bit PCM, 32/64-bit float, plain or extensible, any channel count
 * and rate), the channels mixed to mono, resampled to the model's rate with a note on stderr
 * ({@code note: FILE resampled from A Hz to the model's B Hz}). A clip with no samples, with a NaN or infinite sample
 * (a float file only) or too short for the model is refused with one line naming the file
 * ({@link LockeyException}). Digital silence, DC and clipped audio are read like any other clip; what silence means
 * is the command's to say.
 */
public final class InputAudio {
    private InputAudio() {
    }

    /** What to do with audio at another rate than the model's. */
    public enum OtherRate {
        /** Resample it, with a note on stderr. */
        RESAMPLE,
        /** Refuse it in one line (a command's {@code --no-resample}). */
        REFUSE
    }

    /**
     * What a model needs of a clip at its rate: at least {@code samples} samples, called {@code what} in the error
     * (e.g. "one mel frame of the model").
     */
    public record Need(int samples, String what) {
        /** No length beyond one sample. */
        public static final Need ANY = new Need(1, "one sample");
    }

    /**
     * {@link Wav#read}, refusing a clip without samples or with a non-finite sample.
     *
     * @throws LockeyException {@code "<file>: <problem>"}
     */
    public static Audio read(Path file) {
        Audio a = Wav.read(file);
        if (a.frames() == 0) {
            throw new LockeyException(file + ": the audio is empty (no samples)");
        }
        float[][] channels = a.channels();
        for (int c = 0; c < channels.length; c++) {
            float[] x = channels[c];
            for (int i = 0; i < x.length; i++) {
                if (!Float.isFinite(x[i])) {
                    throw new LockeyException(String.format(Locale.ROOT, "%s: sample %d%s is %s; audio must be finite",
                            file, i, channels.length > 1 ? " of channel " + c : "", Float.isNaN(x[i]) ? "NaN" : "infinite"));
                }
            }
        }
        return a;
    }

    /** The clip in {@code file} as mono audio at {@code rate}, resampled when needed, at least {@code need} long. */
    public static float[] monoAt(Path file, int rate, Need need) {
        return monoAt(file, rate, need, OtherRate.RESAMPLE);
    }

    /** {@link #monoAt(Path, int, Need)}, resampled or refused when its rate is not {@code rate}. */
    public static float[] monoAt(Path file, int rate, Need need, OtherRate otherRate) {
        Audio a = read(file);
        int from = a.sampleRate();
        float[] x = a.monoShared();        // a one-channel clip in place: an hour at 32 kHz is 460 MB of floats
        a = null;                           // and a stereo clip's channels go once the mean is taken
        return atRate(file, x, from, rate, need, otherRate);
    }

    /**
     * The mono mix of {@code audio} (read from {@code file}; a one-channel clip is used in place, not copied) at
     * {@code rate}: resampled with a note on stderr, or refused, when its rate differs.
     */
    public static float[] monoAt(Path file, Audio audio, int rate, Need need, OtherRate otherRate) {
        return atRate(file, audio.monoShared(), audio.sampleRate(), rate, need, otherRate);
    }

    /**
     * {@code mono}, read from {@code file} at {@code from} Hz, at {@code rate} (see {@link #monoAt(Path, Audio, int, Need,
     * OtherRate)}).
     */
    public static float[] atRate(Path file, float[] mono, int from, int rate, Need need, OtherRate otherRate) {
        return atRate(file, mono, from, rate, "the model's", need, otherRate);
    }

    /**
     * {@link #atRate(Path, float[], int, int, Need, OtherRate)}; the note names the rate as {@code whose} ("the
     * reference's").
     */
    public static float[] atRate(Path file, float[] mono, int from, int rate, String whose, Need need, OtherRate otherRate) {
        float[] x = mono;
        if (from != rate) {
            if (otherRate == OtherRate.REFUSE) {
                throw new LockeyException(file + ": audio is at " + from + " Hz, the model at " + rate
                        + " Hz (drop --no-resample to resample)");
            }
            System.err.printf("note: %s resampled from %d Hz to %s %d Hz%n", file, from, whose, rate);
            x = Resampler.resample(x, from, rate);
        }
        if (x.length < need.samples()) {
            throw new LockeyException(String.format(Locale.ROOT, "%s: %s of audio is shorter than %s (%d samples at %d Hz,"
                    + " %s)", file, duration(mono.length, from), need.what(), need.samples(), rate,
                    duration(need.samples(), rate)));
        }
        return x;
    }

    /** {@code n} samples at {@code rate} as "12.5 ms" below a second, "1.50 s" from there. */
    static String duration(long n, int rate) {
        double s = n / (double) rate;
        return s < 1 ? String.format(Locale.ROOT, "%.1f ms", 1000 * s) : String.format(Locale.ROOT, "%.2f s", s);
    }
}
