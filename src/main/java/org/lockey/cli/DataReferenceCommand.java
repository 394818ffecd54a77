package org.lockey.cli;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.data.MusicGenerator;
import org.lockey.data.ReferenceData;
import org.lockey.data.ReferenceData.Part;

/** {@code ./lockey data reference}: regenerate the bundled reference data. */
final class DataReferenceCommand implements Command {
    @Override
    public String name() {
        return "data reference";
    }

    @Override
    public String summary() {
        return "regenerate reference-data/ (espeak-ng speech, multi-voice speech, MIDI music at 32 kHz, splits)";
    }

    @Override
    public String details() {
        return """
                Parts (directories of reference-data/), all by default:
                  speech      40 espeak-ng clips at 22,050 Hz (tools/sentences.txt)
                  music       30 MIDI clips at 32 kHz, JDK default sound bank (not reproducible across machines)
                  voices      multi-voice corpus at 22,050 Hz: espeak-ng and festival voices
                              (tools/sentences-voices.txt; voices/index.tsv names each file's voice)
                  music-sf2   the compositions of music/ rendered with one SoundFont (--soundfont)
                --only regenerates the named parts and replaces only their lines of splits.tsv and MANIFEST.tsv.
                Needs (Debian packages): espeak-ng (speech, voices); festival, festvox-kallpc16k, festvox-kdlpc16k,
                festvox-us-slt-hts (voices); timgm6mb-soundfont (music-sf2). Missing ones stop the command
                before anything is written. Example: ./lockey data reference --only voices""";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("out").hasArg().argName("DIR")
                        .desc("output directory (default reference-data); sentences are read from DIR/tools").build())
                .addOption(Option.builder().longOpt("only").hasArg().argName("PARTS")
                        .desc("regenerate only these parts, comma-separated: speech, music, voices, music-sf2 "
                                + "(default: all)").build())
                .addOption(Option.builder().longOpt("music-clips").hasArg().argName("N")
                        .desc("number of music clips of music/ and music-sf2/ (default 30)").build())
                .addOption(Option.builder().longOpt("music-seconds").hasArg().argName("S")
                        .desc("seconds per music clip (default 8)").build())
                .addOption(Option.builder().longOpt("soundfont").hasArg().argName("FILE")
                        .desc("sound bank of music-sf2/ (default " + MusicGenerator.DEFAULT_SOUNDFONT + ", Debian "
                                + "package " + MusicGenerator.SOUNDFONT_PACKAGE + ")").build())
                .addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed (default 1)").build());
    }

    @Override
    public int run(CommandLine cl) {
        Path out = Path.of(cl.getOptionValue("out", "reference-data"));
        Set<Part> parts = EnumSet.allOf(Part.class);
        if (cl.hasOption("only")) {
            parts = EnumSet.noneOf(Part.class);
            for (String p : cl.getOptionValue("only").split(",")) {
                if (!p.isBlank()) {
                    parts.add(Part.of(p));
                }
            }
            if (parts.isEmpty()) {
                throw new LockeyException("--only: name at least one part (speech, music, voices, music-sf2)");
            }
        }
        ReferenceData.Spec spec = new ReferenceData.Spec(out, out.resolve("tools"), parts,
                Options2.intValue(cl, "music-clips", 30), Options2.doubleValue(cl, "music-seconds", 8),
                Path.of(cl.getOptionValue("soundfont", MusicGenerator.DEFAULT_SOUNDFONT.toString())),
                Options2.longValue(cl, "seed", 1));
        long t0 = System.nanoTime();
        ReferenceData.generate(spec, line -> System.out.println("  " + line));
        System.out.printf("reference data written to %s in %.1f s%n", out, (System.nanoTime() - t0) / 1e9);
        return OK;
    }
}
