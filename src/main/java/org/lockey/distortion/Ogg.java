package org.lockey.distortion;

/**
 * Table I columns {@code ogg_64k}, {@code ogg_128k}, {@code ogg_256k}: an Ogg Vorbis round trip, as described in {@link LossyCodec}; the engine per backend is {@link Codecs#ogg(int)}'s.
 */
public final class Ogg extends LossyCodec {
    /** At {@code kbps} kbit/s with the backend of {@link CodecBackend#configured()}. */
    public Ogg(int kbps) {
        this(Codecs.configured().engineFor("ogg"), kbps);
    }

    /** At {@code kbps} kbit/s with the given engine. */
    public Ogg(CodecEngine engine, int kbps) {
        super(engine, kbps);
    }

    @Override
    public String format() {
        return "ogg";
    }
}
