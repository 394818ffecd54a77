package org.lockey.eval.distortion;

import java.util.List;
import java.util.stream.Collectors;

import org.lockey.LockeyException;

/**
 * The registry of Table I's columns (LOCKEY Sec. V-A), in the table's order: {@code eq, gaus,
 * mp3_64k, mp3_128k, mp3_256k, ogg_64k, ogg_128k, ogg_256k, quant, resamp, time_jit, orig}.
 */
public final class Distortions {
    private Distortions() {
    }

    /** Table I's columns in order, the codecs with this machine's ffmpeg. */
    public static List<Distortion> tableI() {
        return tableI(Ffmpeg.system());
    }

    /** Table I's columns in order, the codecs with the given ffmpeg. */
    public static List<Distortion> tableI(Ffmpeg ffmpeg) {
        return List.of(BandEq.tableI(), GaussianNoise.tableI(), new Mp3(ffmpeg, 64), new Mp3(ffmpeg, 128),
                new Mp3(ffmpeg, 256), new Ogg(ffmpeg, 64), new Ogg(ffmpeg, 128), new Ogg(ffmpeg, 256),
                new HalfPrecision(), new RandomResample(), new TimeJitter(), new Identity());
    }

    /** The column names in order. */
    public static List<String> names() {
        return tableI().stream().map(Distortion::name).toList();
    }

    /** The column called {@code name}. */
    public static Distortion byName(String name) {
        return tableI().stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new LockeyException("unknown distortion '" + name + "'; Table I has "
                        + String.join(", ", names())));
    }

    /** A comma-separated list of column names, e.g. {@code orig,mp3_128k}. */
    public static List<Distortion> parse(String csv) {
        List<String> names = List.of(csv.split(",")).stream().map(String::strip).filter(s -> !s.isEmpty())
                .collect(Collectors.toList());
        if (names.isEmpty()) {
            throw new LockeyException("no distortion named in '" + csv + "'");
        }
        return names.stream().map(Distortions::byName).toList();
    }
}
