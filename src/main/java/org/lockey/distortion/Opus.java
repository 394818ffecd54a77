package org.lockey.distortion;

/**
 * The opt-in columns {@code opus_32k} and {@code opus_64k} (beyond the paper's Table I): an Opus round trip through libopus at 48 kHz (Ogg container), as described in {@link LossyCodec}; the engine per backend is {@link Codecs#opus(int)}'s.
 */
public final class Opus extends LossyCodec {
    /** At {@code kbps} kbit/s with the backend of {@link CodecBackend#configured()}. */
    public Opus(int kbps) {
        this(Codecs.configured().engineFor("opus"), kbps);
    }

    /** At {@code kbps} kbit/s with the given engine. */
    public Opus(CodecEngine engine, int kbps) {
        super(engine, kbps);
    }

    @Override
    public String format() {
        return "opus";
    }

    /** Opus codes 48 kHz only (libopus also takes 8/12/16/24 kHz, never 44.1). */
    @Override
    public int codecRate() {
        return 48000;
    }
}
