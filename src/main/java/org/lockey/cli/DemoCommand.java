package org.lockey.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.golden.GoldenVerifier;
import org.lockey.golden.GoldenVerifier.Result;
import org.lockey.golden.GoldenVerifier.Status;

/**
 * {@code ./lockey demo}: the main job. Until the end-to-end LOCKEY demo exists, it runs every
 * end-to-end path that is built (the golden verification of each implemented component) and says
 * what is not built yet.
 */
final class DemoCommand implements Command {
    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "run the end-to-end demo on the bundled reference data (writes demo-out/)";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("out").hasArg().argName("DIR")
                        .desc("output directory (default demo-out)").build())
                .addOption(Option.builder().longOpt("golden").hasArg().argName("DIR")
                        .desc("golden directory (default golden)").build());
    }

    @Override
    public int run(CommandLine cl) throws Exception {
        Path golden = Path.of(cl.getOptionValue("golden", "golden"));
        System.out.println("lockey demo: the LOCKEY end-to-end demo (keys, keyed generators, tracing) is not built "
                + "yet; running what exists.");
        System.out.println();
        System.out.println("1. Golden verification of the implemented components against upstream PyTorch outputs ("
                + golden + "):");
        int failed = 0;
        int missing = 0;
        if (Files.isDirectory(golden)) {
            for (Path f : GoldenVerifier.expand(List.of(golden))) {
                Result r = GoldenVerifier.verify(f);
                System.out.println("   " + r.line());
                failed += r.status() == Status.FAIL || r.status() == Status.ERROR ? 1 : 0;
                missing += r.status() == Status.NOT_IMPLEMENTED ? 1 : 0;
            }
        } else {
            System.out.println("   (no golden directory at " + golden + ")");
        }
        System.out.println();
        System.out.println("Not built yet: reference data, shipped models, keyed generators, tracing, Table II.");
        System.out.printf("Summary: %d golden case(s) failed, %d not implemented yet.%n", failed, missing);
        return failed > 0 ? NEGATIVE : OK;
    }
}
