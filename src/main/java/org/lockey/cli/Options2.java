package org.lockey.cli;

import org.apache.commons.cli.CommandLine;
import org.lockey.LockeyException;

/** Typed option values with one-line errors naming the option. */
final class Options2 {
    private Options2() {
    }

    static int intValue(CommandLine cl, String opt, int fallback) {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new LockeyException("--" + opt + ": '" + v + "' is not a whole number");
        }
    }

    static long longValue(CommandLine cl, String opt, long fallback) {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new LockeyException("--" + opt + ": '" + v + "' is not a whole number");
        }
    }

    static double doubleValue(CommandLine cl, String opt, double fallback) {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new LockeyException("--" + opt + ": '" + v + "' is not a number");
        }
    }
}
