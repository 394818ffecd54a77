package org.lockey.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.eval.Demo;
import org.lockey.eval.DemoReport;
import org.lockey.golden.GoldenVerifier.Result;
import org.lockey.golden.GoldenVerifier.Status;
import org.lockey.golden.GoldenVerifier;

/**
 * {@code ./lockey demo}: the main job. With the shipped models in {@code reference-data/models/}:
 * keys for three users, generation with valid and invalid keys, tracing, Table II, a report. It
 * first checks the port against the golden files.
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
                .addOption(Option.builder().longOpt("models").hasArg().argName("DIR")
                        .desc("shipped models (default reference-data/models)").build())
                .addOption(Option.builder().longOpt("golden").hasArg().argName("DIR")
                        .desc("golden directory (default golden)").build())
                .addOption(EvalCommands.distortionsOption())
                .addOption(EvalCommands.codecBackendOption())
                .addOption(Option.builder().longOpt("from-scratch")
                        .desc("first rebuild every shipped model with the project's own commands (about 4 hours on"
                                + " 2 cores) into --models (default OUT/models, the shipped ones stay untouched), runs in"
                                + " OUT/runs; a killed rebuild continues where it stopped").build())
                .addOption(Option.builder().longOpt("dry-run")
                        .desc("with --from-scratch: print the recipe's commands and stop").build());
    }

    static List<Demo.Branch> branches(Path models) {
        return List.of(
                new Demo.Branch("hifigan", "HiFi-GAN (speech, 22.05 kHz)", models.resolve("lockey-hifigan"),
                        models.resolve("hifigan"), models.resolve("registry-hifigan.json"), Path.of("reference-data/speech")),
                new Demo.Branch("encodec", "Encodec (music, 32 kHz)", models.resolve("lockey-encodec"),
                        models.resolve("encodec"), models.resolve("registry-encodec.json"), Path.of("reference-data/music")));
    }

    @Override
    public int run(CommandLine cl) throws Exception {
        long t0 = System.nanoTime();
        Path golden = Path.of(cl.getOptionValue("golden", "golden"));
        Path out = Path.of(cl.getOptionValue("out", "demo-out"));
        Path models = Path.of(cl.getOptionValue("models",
                cl.hasOption("from-scratch") ? out.resolve("models").toString() : "reference-data/models"));
        if (cl.hasOption("dry-run") && !cl.hasOption("from-scratch")) {
            throw new LockeyException("--dry-run goes with --from-scratch");
        }
        if (cl.hasOption("from-scratch")) {
            Path runs = out.resolve("runs");
            System.out.println("0. Rebuilding the shipped models (" + DemoRecipe.ALL.size() + " steps) into " + models
                    + ", runs in " + runs + ":");
            if (cl.hasOption("dry-run")) {
                for (DemoRecipe.Step s : DemoRecipe.ALL) {
                    System.out.println("   " + DemoRecipe.commandLine(s, runs.toString(), models.toString()));
                }
                return OK;
            }
            List<Double> times = DemoRecipe.run(DemoRecipe.ALL, runs, models, line -> System.out.println("   " + line));
            System.out.printf(Locale.ROOT, "   models rebuilt in %.1f min%n%n",
                    times.stream().mapToDouble(Double::doubleValue).sum() / 60);
        }
        System.out.println("1. The port against the golden files of the upstream PyTorch code (" + golden + "):");
        int failed = 0;
        int passed = 0;
        if (Files.isDirectory(golden)) {
            for (Path f : GoldenVerifier.expand(List.of(golden))) {
                Result r = GoldenVerifier.verify(f);
                passed += r.status() == Status.PASS ? 1 : 0;
                failed += r.status() == Status.PASS ? 0 : 1;
                if (r.status() != Status.PASS) {
                    System.out.println("   " + r.line());
                }
            }
            System.out.printf("   %d cases pass, %d do not%n", passed, failed);
        } else {
            System.out.println("   (no golden directory at " + golden + ")");
        }
        System.out.println();
        List<Demo.Branch> branches = branches(models);
        List<Demo.Branch> present = branches.stream().filter(Demo.Branch::present).toList();
        if (present.isEmpty()) {
            System.out.println("2. LOCKEY end to end: the shipped models are not in " + models + " yet:");
            for (Demo.Branch b : branches) {
                System.out.println("   " + b.title() + ": needs " + b.base() + ", " + b.model() + ", " + b.registry());
            }
            System.out.println("   Build them with the commands in docs/results.md (train vocoder, train watermark,"
                    + " keys init, finetune).");
            return failed > 0 ? NEGATIVE : OK;
        }
        System.out.println("2. LOCKEY end to end (" + out + "):");
        var distortions = EvalCommands.distortions(cl);
        Map<String, Demo.BranchResult> results = Demo.run(present, out, 2, distortions,
                line -> System.out.println("   " + line));
        System.out.println();
        System.out.println("Summary:");
        for (Map.Entry<String, Demo.BranchResult> e : results.entrySet()) {
            var r = e.getValue();
            System.out.printf(Locale.ROOT, "   %-8s SDR_valid %.2f dB, SDR_invalid %.2f dB, bit accuracy (orig) %.3f, "
                    + "users traced %d/%d%n", e.getKey(), r.table2().sdrValid(), r.table2().sdrInvalid(),
                    r.table2().accuracy().getOrDefault("orig", Double.NaN), r.usersTraced(), Demo.USERS.size());
            System.out.println("            " + Demo.verdict(r.table2(), r.usersTraced(), Demo.USERS.size()));
        }
        System.out.printf(Locale.ROOT, "   report: %s (to listen: %s), figures: %s (%.0f s)%n", out.resolve("report.md"),
                out.resolve(DemoReport.FILE), out.resolve("summary.json"), (System.nanoTime() - t0) / 1e9);
        return failed > 0 ? NEGATIVE : OK;
    }
}
