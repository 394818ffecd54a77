package org.lockey.cli;

import java.nio.file.Path;

import org.lockey.io.ExclusiveLock;

/**
 * {@code java -cp ... org.lockey.cli.HoldRunDirectoryMain RUN}: takes RUN's lock as a training command
 * does ({@link RunDirectoryLock#hold}), prints {@code holding}, and keeps it until killed (at most two
 * minutes, so that a child left behind by a dead test ends by itself). RunDirectoryLockTest's holder.
 */
public final class HoldRunDirectoryMain {
    private HoldRunDirectoryMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        try (ExclusiveLock held = RunDirectoryLock.hold(Path.of(args[0]))) {
            System.out.println("holding");
            System.out.flush();
            Thread.sleep(120_000);
        }
    }
}
