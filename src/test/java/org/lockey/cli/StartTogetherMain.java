package org.lockey.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code java -cp ... org.lockey.cli.StartTogetherMain GO_FILE COMMAND...}: prints {@code ready}, waits
 * until GO_FILE exists, then runs {@code ./lockey COMMAND...} through {@link Main#run} and exits with its
 * code. Processes started with it run their command at the same moment, after the JVM start-up that
 * would otherwise spread them out (KeysCommandsTest's concurrent issues).
 */
public final class StartTogetherMain {
    private StartTogetherMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path go = Path.of(args[0]);
        System.out.println("ready");
        System.out.flush();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Files.exists(go)) {
            if (System.nanoTime() > deadline) {
                System.err.println("no go file after 120 s: " + go);
                System.exit(Main.INTERNAL);
            }
            Thread.sleep(2);
        }
        System.exit(Main.run(Arrays.copyOfRange(args, 1, args.length)));
    }
}
