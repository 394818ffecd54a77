package org.lockey.cli;

import java.nio.file.Path;
import java.util.Optional;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * One sub-command of {@code ./lockey}. {@link Main} parses the options, answers {@code --help},
 * and turns {@link org.lockey.LockeyException}s into one-line errors with exit code 2.
 */
public interface Command {
    /** Exit code: success. */
    int OK = 0;
    /** Exit code: the command ran and the answer is negative (a golden FAIL, no matching key). */
    int NEGATIVE = 1;
    /** Exit code: bad input or usage. */
    int USAGE = 2;

    /** The words that select the command, e.g. {@code "golden verify"}. */
    String name();

    /** One line for the command tour. */
    String summary();

    /**
     * Earlier spellings of this command, still accepted for a while ({@link Main} notes the new one on stderr), e.g.
     * {@code "finetune"} for {@code "train lockey"}.
     */
    default java.util.List<String> formerNames() {
        return java.util.List.of();
    }

    /** Positional arguments for the usage line, e.g. {@code "FILE|DIR..."} (empty when none). */
    default String arguments() {
        return "";
    }

    /** Longer help printed by {@code --help} after the options (may be empty). */
    default String details() {
        return "";
    }

    /** The options (without {@code -h/--help}, which every command gets). */
    Options options();

    /**
     * The run directory this command writes checkpoints into ({@code --out} of a training command), or
     * empty. {@link Main} holds it for the whole of {@link #run} so that one process at a time writes a
     * run ({@link RunDirectoryLock}); a second one stops with one line naming the holder's pid.
     */
    default Optional<Path> runDirectory(CommandLine cl) {
        return Optional.empty();
    }

    /** Runs the command; returns the exit code. */
    int run(CommandLine cl) throws Exception;
}
