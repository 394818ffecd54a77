package org.lockey.eval.distortion;

/**
 * Table I columns {@code mp3_64k}, {@code mp3_128k}, {@code mp3_256k}: an MP3 round trip through
 * LAME (ffmpeg's {@code libmp3lame}, constant bit rate {@code -b:a}), as described in
 * {@link FfmpegCodec}.
 */
public final class Mp3 extends FfmpegCodec {
    /** MP3 at {@code kbps} kbit/s with this machine's ffmpeg. */
    public Mp3(int kbps) {
        this(Ffmpeg.system(), kbps);
    }

    /** MP3 at {@code kbps} kbit/s with the given ffmpeg. */
    public Mp3(Ffmpeg ffmpeg, int kbps) {
        super(ffmpeg, kbps);
    }

    @Override
    public String encoder() {
        return "libmp3lame";
    }

    @Override
    public String extension() {
        return "mp3";
    }
}
