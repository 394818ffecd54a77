package org.lockey.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;
import org.lockey.io.ExclusiveLock;

/**
 * One writer per run directory. A training command ({@code train vocoder|watermark|codec-decoder},
 * {@code train lockey}) names its run directory ({@link Command#runDirectory}) and {@link Main} holds
 * that directory's lock, {@code RUN/.lock}, while the command runs. Two processes writing one run
 * would interleave checkpoints, metrics and model files of two different runs (and a {@code --resume}
 * of a run that is still going would fork it), so the second one stops before any work, naming the
 * process that holds the run.
 *
 * <p>The lock is an OS file lock ({@link ExclusiveLock#tryAcquire}): the operating system drops it
 * when the holding process ends, however it ends ({@code kill -9} included), so a killed run can be
 * resumed at once; nothing stale is ever left to delete by hand. The lock file holds the holder's pid
 * and stays in the directory (a shipped model copy leaves it out: {@link DemoRecipe#ship}).
 */
final class RunDirectoryLock {
    /** The lock file inside a run directory. */
    static final String FILE = ".lock";

    private RunDirectoryLock() {
    }

    /**
     * Holds {@code runDir} (created when absent) for the caller until the lock is closed; a one-line
     * {@link LockeyException} naming the directory and the holder's pid when another run has it.
     */
    static ExclusiveLock hold(Path runDir) {
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new LockeyException(runDir + ": cannot create the run directory (" + AtomicFiles.reason(e) + ")", e);
        }
        return ExclusiveLock.tryAcquire(runDir.resolve(FILE)).orElseThrow(holderPid -> inUse(runDir, holderPid));
    }

    private static LockeyException inUse(Path runDir, OptionalLong holderPid) {
        String holder = holderPid.isPresent() ? "pid " + holderPid.getAsLong() : "pid unknown";
        return new LockeyException(runDir + " is in use by another run (" + holder + "); wait for it or use another --out");
    }
}
