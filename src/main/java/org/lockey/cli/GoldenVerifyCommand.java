package org.lockey.cli;

import java.nio.file.Path;
import java.util.List;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.golden.Comparison;
import org.lockey.golden.GoldenVerifier;
import org.lockey.golden.GoldenVerifier.Result;
import org.lockey.golden.GoldenVerifier.Status;

/** {@code ./lockey golden verify FILE|DIR...}: grade golden cases against the port. */
final class GoldenVerifyCommand implements Command {
    @Override
    public String name() {
        return "golden verify";
    }

    @Override
    public String summary() {
        return "check the port against golden files produced by upstream PyTorch code";
    }

    @Override
    public String arguments() {
        return "FILE.io.safetensors|DIR...";
    }

    @Override
    public String details() {
        return "\nEach io file names its component, config, inputs, outputs and weights file in its metadata. "
                + "Every output must satisfy max|port - ref| <= tolerance * max(1, max|ref|). One line per case; "
                + "exit 0 only when every case passes.";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("details").desc("print every output tensor's error").build())
                .addOption(Option.builder().longOpt("allow-missing")
                        .desc("exit 0 when every implemented component passes (unimplemented ones are listed)")
                        .build());
    }

    @Override
    public int run(CommandLine cl) {
        List<String> args = cl.getArgList();
        if (args.isEmpty()) {
            throw new LockeyException("give golden io files or directories (e.g. golden/)");
        }
        List<Path> files = GoldenVerifier.expand(args.stream().map(Path::of).toList());
        if (files.isEmpty()) {
            throw new LockeyException(args + ": no *.io.safetensors files found");
        }
        int pass = 0;
        int fail = 0;
        int missing = 0;
        for (Path f : files) {
            Result r = GoldenVerifier.verify(f);
            System.out.println(r.line());
            if (cl.hasOption("details")) {
                for (Comparison c : r.comparisons()) {
                    System.out.printf("    %-24s max-abs %.3e  rmse %.3e  bound %.3e  %s%s%n", c.tensor(), c.maxError(),
                            c.rmse(), c.bound(), c.passed() ? "ok" : "FAIL", c.note().isEmpty() ? "" : " " + c.note());
                }
            }
            if (r.status() == Status.PASS) {
                pass++;
            } else if (r.status() == Status.NOT_IMPLEMENTED) {
                missing++;
            } else {
                fail++;
            }
        }
        System.out.printf("%d passed, %d failed, %d not implemented%n", pass, fail, missing);
        if (fail > 0) {
            return NEGATIVE;
        }
        return missing > 0 && !cl.hasOption("allow-missing") ? NEGATIVE : OK;
    }
}
