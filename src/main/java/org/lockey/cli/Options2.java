package org.lockey.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.lockey.LockeyException;

/** Typed option values with one-line errors naming the option. */
final class Options2 {
    private Options2() {
    }

    /** An optional {@code --name} taking a value named {@code arg} (no value when {@code arg} is null). */
    static Option opt(String name, String arg, String desc) {
        Option.Builder b = Option.builder().longOpt(name).desc(desc);
        return arg == null ? b.build() : b.hasArg().argName(arg).build();
    }

    /** A required {@code --name ARG}. */
    static Option required(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).required().desc(desc).build();
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

    /** The enum constant named by the option in lower case ({@code --pooling flat}), or {@code fallback}. */
    static <E extends Enum<E>> E enumValue(CommandLine cl, String opt, Class<E> type, E fallback) {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            return fallback;
        }
        StringBuilder choices = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            String name = e.name().toLowerCase(java.util.Locale.ROOT);
            if (name.equals(v.strip())) {
                return e;
            }
            choices.append(choices.length() == 0 ? "" : ", ").append(name);
        }
        throw new LockeyException("--" + opt + " must be one of " + choices + ", not '" + v + "'");
    }
}
