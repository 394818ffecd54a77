package org.lockey.distortion;

/**
 * Table I columns {@code mp3_64k}, {@code mp3_128k}, {@code mp3_256k}: an MP3 round trip through LAME (constant bit rate), as described in {@link LossyCodec}; the engine per backend is {@link Codecs#mp3(int)}'s.
 */
public final class Mp3 extends LossyCodec {
    /** At {@code kbps} kbit/s with the backend of {@link CodecBackend#configured()}. */
    public Mp3(int kbps) {
        this(Codecs.configured().engineFor("mp3"), kbps);
    }

    /** At {@code kbps} kbit/s with the given engine. */
    public Mp3(CodecEngine engine, int kbps) {
        super(engine, kbps);
    }

    @Override
    public String format() {
        return "mp3";
    }
}
