package org.lockey.distortion;

import java.util.Arrays;
import java.util.Locale;

import org.lockey.LockeyException;

/**
 * Where the lossy codecs of the distortions come from ({@code docs/distortions.md}, Codec backends).
 *
 * <p>{@link #MAVEN}, the default, needs nothing but the project's Maven dependencies: MP3 through
 * jump3r (LAME ported to Java), Vorbis, AAC and Opus through the ffmpeg executable bundled with
 * {@code org.bytedeco:ffmpeg}. {@link #OS} runs the system's {@code ffmpeg} ({@code $LOCKEY_FFMPEG}
 * or the PATH) with libmp3lame, libvorbis, FFmpeg's AAC encoder and libopus, as the project did
 * before the Maven backend existed. Chosen per command with {@code --codec-backend maven|os}, or for
 * every command (training too) with the system property {@value #PROPERTY}, e.g.
 * {@code LOCKEY_JAVA_OPTS=-Dlockey.codecs=os}.
 */
public enum CodecBackend {
    /** Codecs resolved by Maven alone: jump3r for MP3, the bundled ffmpeg for the others. */
    MAVEN,
    /** The system's ffmpeg for every codec. */
    OS;

    /** The system property that sets the backend of every command; {@code maven} when unset. */
    public static final String PROPERTY = "lockey.codecs";

    /** The name used on the command line and in the property, e.g. {@code maven}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The backend named {@code id} ({@code maven} or {@code os}, any case). */
    public static CodecBackend parse(String id) {
        return Arrays.stream(values()).filter(b -> b.id().equalsIgnoreCase(id.strip())).findFirst()
                .orElseThrow(() -> new LockeyException("unknown codec backend '" + id + "' (use maven or os)"));
    }

    /** The backend of {@value #PROPERTY}, {@link #MAVEN} when unset. */
    public static CodecBackend configured() {
        String v = System.getProperty(PROPERTY);
        return v == null || v.isBlank() ? MAVEN : parse(v);
    }
}
