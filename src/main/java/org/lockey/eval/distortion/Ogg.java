package org.lockey.eval.distortion;

/**
 * Table I columns {@code ogg_64k}, {@code ogg_128k}, {@code ogg_256k}: an Ogg Vorbis round trip
 * through ffmpeg's {@code libvorbis} (average bit rate {@code -b:a}, which libvorbis treats as a
 * nominal target), as described in {@link FfmpegCodec}.
 */
public final class Ogg extends FfmpegCodec {
    /** Vorbis at {@code kbps} kbit/s with this machine's ffmpeg. */
    public Ogg(int kbps) {
        this(Ffmpeg.system(), kbps);
    }

    /** Vorbis at {@code kbps} kbit/s with the given ffmpeg. */
    public Ogg(Ffmpeg ffmpeg, int kbps) {
        super(ffmpeg, kbps);
    }

    @Override
    public String encoder() {
        return "libvorbis";
    }

    @Override
    public String extension() {
        return "ogg";
    }
}
