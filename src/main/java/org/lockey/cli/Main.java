package org.lockey.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.lockey.LockeyException;
import org.lockey.io.ExclusiveLock;
import org.lockey.nn.Inference;

/**
 * Entry point of {@code ./lockey}: {@code lockey [-v] COMMAND [options] [args]}.
 *
 * <p>Exit codes: 0 success, 1 a negative answer (a golden case failed, no issued key matches),
 * 2 bad input or usage (one line on stderr, no stack trace), 3 an internal error (stack trace
 * with {@code -v}).
 */
public final class Main {
    /** Exit code of an internal error. */
    public static final int INTERNAL = 3;
    private static final java.util.concurrent.atomic.AtomicBoolean FILTER_INSTALLED =
            new java.util.concurrent.atomic.AtomicBoolean();

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (used by tests without exiting). */
    public static int run(String[] argv) {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        boolean verbose = args.remove("-v") | args.remove("--verbose");
        configureLogging(verbose);
        Inference.uncachedSessions();      // bounded memory for every command (nn.Inference says why)
        if (!verbose && !FILTER_INSTALLED.getAndSet(true)) {
            SameDiffChatterFilter.install();
        }
        if (args.isEmpty() || args.get(0).equals("-h") || args.get(0).equals("--help") || args.get(0).equals("help")) {
            printTour();
            return args.isEmpty() ? Command.USAGE : Command.OK;
        }
        if (args.get(0).equals("--version")) {
            System.out.println("lockey-jvm " + version());
            return Command.OK;
        }
        Commands.Match match = Commands.match(args);
        if (match == null) {
            List<Command> group = Commands.group(args.get(0));
            if (!group.isEmpty()) {
                System.err.println("lockey " + args.get(0) + ": choose a sub-command:");
                for (Command c : group) {
                    System.err.printf("  lockey %-22s %s%n", c.name(), c.summary());
                }
            } else {
                System.err.println("lockey: unknown command '" + args.get(0) + "' (see ./lockey --help)");
            }
            return Command.USAGE;
        }
        Command cmd = match.command();
        List<String> rest = match.rest();
        String typed = match.typed();                  // errors name the command as the user typed it
        if (match.byFormerName()) {
            System.err.println("note: '" + match.typed() + "' is now '" + cmd.name() + "'; the old name still works"
                    + " for a while");
        }
        Options options = cmd.options();
        if (rest.contains("-h") || rest.contains("--help")) {
            printHelp(cmd, options);
            return Command.OK;
        }
        try {
            CommandLine cl = new DefaultParser().parse(options, rest.toArray(new String[0]));
            return runAsOnlyWriter(cmd, cl);
        } catch (ParseException e) {
            System.err.println("lockey " + typed + ": " + e.getMessage() + " (see ./lockey " + cmd.name()
                    + " --help)");
            return Command.USAGE;
        } catch (LockeyException e) {
            System.err.println("lockey " + typed + ": " + e.getMessage());
            if (verbose) {
                e.printStackTrace();
            }
            return Command.USAGE;
        } catch (OutOfMemoryError e) {
            System.err.println("lockey " + typed + ": out of memory (raise LOCKEY_JAVA_OPTS=-Xmx..., or use "
                    + "smaller chunks)");
            return INTERNAL;
        } catch (Exception e) {
            System.err.println("lockey " + typed + ": internal error: " + e
                    + (verbose ? "" : " (run with -v for the stack trace)"));
            if (verbose) {
                e.printStackTrace();
            }
            return INTERNAL;
        }
    }

    /**
     * Runs {@code cmd}, holding its run directory, if it writes one, from before its first step until it
     * returns (a process that ends releases it in any case): a second process on the same run stops here.
     */
    private static int runAsOnlyWriter(Command cmd, CommandLine cl) throws Exception {
        Optional<Path> runDir = cmd.runDirectory(cl);
        if (runDir.isEmpty()) {
            return cmd.run(cl);
        }
        try (ExclusiveLock writer = RunDirectoryLock.hold(runDir.get())) {
            return cmd.run(cl);
        }
    }

    /** Quiet (warnings only) by default; info with -v. Must run before the first logger is made. */
    private static void configureLogging(boolean verbose) {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.org.nd4j.imports", "error");
        setIfAbsent("org.slf4j.simpleLogger.log.org.nd4j.autodiff.functions", "error");
        if (!verbose) {
            // the Spark engine's notes on this machine (loopback host name, no native Hadoop): nothing to act on
            setIfAbsent("org.slf4j.simpleLogger.log.org.apache.spark.util.Utils", "error");
            setIfAbsent("org.slf4j.simpleLogger.log.org.apache.hadoop.util.NativeCodeLoader", "error");
        }
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static void printTour() {
        System.out.println("lockey-jvm " + version() + ": key-based model authentication and deepfake tracking "
                + "(LOCKEY) on the JVM");
        System.out.println();
        System.out.println("usage: ./lockey [-v] COMMAND [options] [args]     (./lockey COMMAND --help for details)");
        System.out.println();
        for (Commands.Section section : Commands.sections()) {
            System.out.println(section.title() + ":");
            for (Command c : section.commands()) {
                System.out.printf("  %-24s %s%n", c.name(), c.summary());
            }
            System.out.println();
        }
        System.out.println("  -v, --verbose            log more (ND4J info, stack traces of errors)");
    }

    static void printHelp(Command cmd, Options options) {
        HelpFormatter f = new HelpFormatter();
        f.setWidth(100);
        Options withHelp = new Options();
        options.getOptions().forEach(withHelp::addOption);
        withHelp.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        PrintWriter pw = new PrintWriter(System.out, true);
        String usage = "./lockey " + cmd.name() + " [options]" + (cmd.arguments().isEmpty() ? "" : " " + cmd.arguments());
        f.printHelp(pw, 100, usage, cmd.summary(), withHelp, 2, 2, cmd.details(), false);
        pw.flush();
    }
}
