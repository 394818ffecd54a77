package org.lockey.distortion;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.lockey.LockeyException;

/**
 * The registry of the distortion columns: Table I's (LOCKEY Sec. V-A), in the table's order
 * {@code eq, gaus, mp3_64k, mp3_128k, mp3_256k, ogg_64k, ogg_128k, ogg_256k, quant, resamp, time_jit,
 * orig}, and the opt-in codec columns beyond the paper, {@code aac_64k, aac_128k, opus_32k,
 * opus_64k} (the codecs of SilentCipher's training and of the audio-watermark benchmarks), which a
 * table gets only when {@code --distortions} names them.
 */
public final class Distortions {
    private Distortions() {
    }

    /** Table I's columns in order, the codecs of the configured backend ({@link CodecBackend#configured()}). */
    public static List<Distortion> tableI() {
        return tableI(Codecs.configured());
    }

    /** Table I's columns in order, the codecs from {@code codecs}. */
    public static List<Distortion> tableI(Codecs codecs) {
        return List.of(BandEq.tableI(), GaussianNoise.tableI(), codecs.mp3(64), codecs.mp3(128), codecs.mp3(256),
                codecs.ogg(64), codecs.ogg(128), codecs.ogg(256), new HalfPrecision(), new RandomResample(),
                new TimeJitter(), new Identity());
    }

    /** The opt-in columns beyond Table I: AAC at 64 and 128 kbit/s, Opus at 32 and 64 kbit/s. */
    public static List<Distortion> optIn(Codecs codecs) {
        return List.of(codecs.aac(64), codecs.aac(128), codecs.opus(32), codecs.opus(64));
    }

    /** Table I's column names in order. */
    public static List<String> names() {
        return tableI().stream().map(Distortion::name).toList();
    }

    /** The opt-in column names. */
    public static List<String> optInNames() {
        return optIn(Codecs.configured()).stream().map(Distortion::name).toList();
    }

    /** The column called {@code name} (Table I's or opt-in), codecs of the configured backend. */
    public static Distortion byName(String name) {
        return byName(name, Codecs.configured());
    }

    /** The column called {@code name} (Table I's or opt-in), codecs from {@code codecs}. */
    public static Distortion byName(String name, Codecs codecs) {
        List<Distortion> all = new ArrayList<>(tableI(codecs));
        all.addAll(optIn(codecs));
        return all.stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new LockeyException("unknown distortion '" + name + "'; Table I has "
                        + String.join(", ", names()) + "; opt-in: " + String.join(", ", optInNames())));
    }

    /** A comma-separated list of column names, e.g. {@code orig,mp3_128k}, codecs of the configured backend. */
    public static List<Distortion> parse(String csv) {
        return parse(csv, Codecs.configured());
    }

    /** A comma-separated list of column names, e.g. {@code orig,aac_64k}, codecs from {@code codecs}. */
    public static List<Distortion> parse(String csv, Codecs codecs) {
        List<String> names = List.of(csv.split(",")).stream().map(String::strip).filter(s -> !s.isEmpty())
                .collect(Collectors.toList());
        if (names.isEmpty()) {
            throw new LockeyException("no distortion named in '" + csv + "'");
        }
        return names.stream().map(n -> byName(n, codecs)).toList();
    }
}
