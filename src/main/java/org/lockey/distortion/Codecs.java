package org.lockey.distortion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lockey.LockeyException;

/**
 * The codec engines of one {@link CodecBackend}, by format ({@code docs/distortions.md}, Codec
 * backends):
 *
 * <table>
 * <caption>engine per format and backend</caption>
 * <tr><th>format</th><th>{@code maven} (default)</th><th>{@code os}</th></tr>
 * <tr><td>{@code mp3}</td><td>{@link Jump3rMp3} (pure Java)</td><td>libmp3lame</td></tr>
 * <tr><td>{@code ogg}</td><td>bundled ffmpeg, its own {@code vorbis} encoder ({@link FfmpegEngine.RateControl#QUALITY_SEARCH})</td><td>libvorbis</td></tr>
 * <tr><td>{@code aac}</td><td>bundled ffmpeg, {@code aac}</td><td>{@code aac}</td></tr>
 * <tr><td>{@code opus}</td><td>bundled ffmpeg, libopus</td><td>libopus</td></tr>
 * </table>
 *
 * <p>Immutable; the engines are shared by every distortion made here.
 */
public final class Codecs {
    /** The formats, as column prefixes. */
    public static final List<String> FORMATS = List.of("mp3", "ogg", "aac", "opus");

    private final CodecBackend backend;
    private final Map<String, CodecEngine> engines;

    private Codecs(CodecBackend backend, Map<String, CodecEngine> engines) {
        this.backend = backend;
        this.engines = Map.copyOf(engines);
    }

    /** The engines of {@code backend} with the machine's ffmpeg (os) or the bundled one (maven). */
    public static Codecs of(CodecBackend backend) {
        return backend == CodecBackend.MAVEN ? maven(Ffmpeg.bundled()) : os(Ffmpeg.system());
    }

    /** The engines of {@link CodecBackend#configured()} (the system property {@value CodecBackend#PROPERTY}). */
    public static Codecs configured() {
        return of(CodecBackend.configured());
    }

    /** The {@code maven} backend: jump3r for MP3, {@code bundled} (an {@link Ffmpeg#bundled()}) for the rest. */
    public static Codecs maven(Ffmpeg bundled) {
        Map<String, CodecEngine> e = new LinkedHashMap<>();
        e.put("mp3", new Jump3rMp3());
        // FFmpeg's own Vorbis encoder is flagged experimental; it ignores -b:a (see FfmpegEngine)
        e.put("ogg", new FfmpegEngine(bundled, "vorbis", "ogg", FfmpegEngine.RateControl.QUALITY_SEARCH,
                List.of("-strict", "experimental")));
        e.put("aac", new FfmpegEngine(bundled, "aac", "m4a", FfmpegEngine.RateControl.BIT_RATE, List.of()));
        e.put("opus", new FfmpegEngine(bundled, "libopus", "opus", FfmpegEngine.RateControl.BIT_RATE, List.of()));
        return new Codecs(CodecBackend.MAVEN, e);
    }

    /** The {@code os} backend with the given ffmpeg (tests name a missing one to exercise the notices). */
    public static Codecs os(Ffmpeg ffmpeg) {
        Map<String, CodecEngine> e = new LinkedHashMap<>();
        e.put("mp3", new FfmpegEngine(ffmpeg, "libmp3lame", "mp3", FfmpegEngine.RateControl.BIT_RATE, List.of()));
        e.put("ogg", new FfmpegEngine(ffmpeg, "libvorbis", "ogg", FfmpegEngine.RateControl.BIT_RATE, List.of()));
        e.put("aac", new FfmpegEngine(ffmpeg, "aac", "m4a", FfmpegEngine.RateControl.BIT_RATE, List.of()));
        e.put("opus", new FfmpegEngine(ffmpeg, "libopus", "opus", FfmpegEngine.RateControl.BIT_RATE, List.of()));
        return new Codecs(CodecBackend.OS, e);
    }

    /** The backend these engines belong to. */
    public CodecBackend backend() {
        return backend;
    }

    /** The engine of {@code format}, one of {@link #FORMATS}. */
    public CodecEngine engineFor(String format) {
        CodecEngine e = engines.get(format);
        if (e == null) {
            throw new LockeyException("unknown codec format '" + format + "' (known: " + String.join(", ", FORMATS) + ")");
        }
        return e;
    }

    /** MP3 at {@code kbps} kbit/s. */
    public Mp3 mp3(int kbps) {
        return new Mp3(engineFor("mp3"), kbps);
    }

    /** Ogg Vorbis at {@code kbps} kbit/s. */
    public Ogg ogg(int kbps) {
        return new Ogg(engineFor("ogg"), kbps);
    }

    /** AAC at {@code kbps} kbit/s. */
    public Aac aac(int kbps) {
        return new Aac(engineFor("aac"), kbps);
    }

    /** Opus at {@code kbps} kbit/s. */
    public Opus opus(int kbps) {
        return new Opus(engineFor("opus"), kbps);
    }

    /**
     * One line per encoder among {@code distortions}, naming the columns it produced, e.g.
     * {@code encoder of mp3_64k, mp3_128k: LAME 3.98.4 in pure Java (jump3r 1.0.5)}; none without codecs.
     */
    public static List<String> encoderNotes(List<Distortion> distortions) {
        Map<String, List<String>> columns = new LinkedHashMap<>();
        for (Distortion d : distortions) {
            if (d instanceof LossyCodec c) {
                columns.computeIfAbsent(c.engine().encoder(), k -> new ArrayList<>()).add(c.name());
            }
        }
        List<String> notes = new ArrayList<>();
        columns.forEach((encoder, names) -> notes.add("encoder of " + String.join(", ", names) + ": " + encoder));
        return notes;
    }
}
