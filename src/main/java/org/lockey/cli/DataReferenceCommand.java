package org.lockey.cli;

import java.nio.file.Path;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.data.ReferenceData;

/** {@code ./lockey data reference}: regenerate the bundled reference data. */
final class DataReferenceCommand implements Command {
    @Override
    public String name() {
        return "data reference";
    }

    @Override
    public String summary() {
        return "regenerate reference-data/ (espeak-ng speech at 22.05 kHz, MIDI music at 32 kHz, splits)";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("out").hasArg().argName("DIR")
                        .desc("output directory (default reference-data)").build())
                .addOption(Option.builder().longOpt("music-clips").hasArg().argName("N")
                        .desc("number of music clips (default 30)").build())
                .addOption(Option.builder().longOpt("music-seconds").hasArg().argName("S")
                        .desc("seconds per music clip (default 8)").build())
                .addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed (default 1)").build());
    }

    @Override
    public int run(CommandLine cl) {
        Path out = Path.of(cl.getOptionValue("out", "reference-data"));
        ReferenceData.Spec spec = new ReferenceData.Spec(out, out.resolve("tools/sentences.txt"),
                Options2.intValue(cl, "music-clips", 30), Options2.doubleValue(cl, "music-seconds", 8),
                Options2.longValue(cl, "seed", 1));
        long t0 = System.nanoTime();
        ReferenceData.generate(spec, line -> System.out.println("  " + line));
        System.out.printf("reference data written to %s in %.1f s%n", out, (System.nanoTime() - t0) / 1e9);
        return OK;
    }
}
