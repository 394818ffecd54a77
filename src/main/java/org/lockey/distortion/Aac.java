package org.lockey.distortion;

/**
 * The opt-in columns {@code aac_64k} and {@code aac_128k} (beyond the paper's Table I): an AAC-LC round trip (FFmpeg's native encoder, average bit rate, MP4 container), as described in {@link LossyCodec}; the engine per backend is {@link Codecs#aac(int)}'s.
 */
public final class Aac extends LossyCodec {
    /** At {@code kbps} kbit/s with the backend of {@link CodecBackend#configured()}. */
    public Aac(int kbps) {
        this(Codecs.configured().engineFor("aac"), kbps);
    }

    /** At {@code kbps} kbit/s with the given engine. */
    public Aac(CodecEngine engine, int kbps) {
        super(engine, kbps);
    }

    @Override
    public String format() {
        return "aac";
    }
}
