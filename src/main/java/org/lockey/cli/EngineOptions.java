package org.lockey.cli;

import static org.lockey.cli.Options2.opt;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.corpus.Engine;
import org.lockey.corpus.Engines;

/**
 * The engine options that {@code trace --out}, {@code eval table2} and {@code eval probe} share: {@code --engine
 * serial|spark}, {@code --master URL}, {@code --conf KEY=VALUE} (repeatable).
 */
final class EngineOptions {
    private EngineOptions() {
    }

    /** Adds the three options to {@code o}. */
    static Options add(Options o) {
        return o.addOption(opt("engine", "serial|spark", "where the work runs (default serial; spark: Apache Spark,"
                        + " docs/spark.md)"))
                .addOption(opt("master", "URL", "Spark master: local[*] (default), local[N], spark://HOST:PORT, yarn"))
                .addOption(Option.builder().longOpt("conf").hasArgs().argName("KEY=VALUE")
                        .desc("a Spark setting (repeatable), e.g. spark.ui.enabled=true").build());
    }

    /** The engine the command line asks for (serial by default). */
    static Engine open(CommandLine cl) {
        String name = cl.getOptionValue("engine", "serial");
        if (!name.equals("spark") && cl.hasOption("conf")) {
            throw new LockeyException("--conf is an option of --engine spark");
        }
        return Engines.open(name, cl.getOptionValue("master"), conf(cl));
    }

    /** {@code --conf KEY=VALUE} settings, in order. */
    static Map<String, String> conf(CommandLine cl) {
        Map<String, String> out = new LinkedHashMap<>();
        String[] values = cl.getOptionValues("conf");
        if (values != null) {
            for (String v : values) {
                int eq = v.indexOf('=');
                if (eq <= 0) {
                    throw new LockeyException("--conf " + v + ": expected KEY=VALUE");
                }
                out.put(v.substring(0, eq).strip(), v.substring(eq + 1).strip());
            }
        }
        return out;
    }
}
