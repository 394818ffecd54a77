package org.lockey.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Drops the lines SameDiff 1.0.0-M2.1 prints on {@code System.out} while it builds a gradient graph
 * ("Added differentiated op ..."), one per op, which would bury a command's own output. Every other
 * line passes unchanged. Not installed with {@code -v}.
 */
final class SameDiffChatterFilter extends OutputStream {
    private static final byte[] PREFIX = "Added differentiated op ".getBytes(StandardCharsets.UTF_8);
    private final PrintStream target;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(256);

    private SameDiffChatterFilter(PrintStream target) {
        this.target = target;
    }

    /** Installs the filter on System.out. */
    static void install() {
        System.setOut(new PrintStream(new SameDiffChatterFilter(System.out), true, StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void write(int b) {
        line.write(b);
        if (b == '\n') {
            emit();
        }
    }

    @Override
    public synchronized void flush() {
        // A partial line (a progress bar redrawn with \r, a prompt) is passed on when flushed, unless it
        // could still become a filtered line.
        byte[] bytes = line.toByteArray();
        if (bytes.length > 0 && !startsWithPrefix(bytes, Math.min(bytes.length, PREFIX.length))) {
            emit();
        }
        target.flush();
    }

    private void emit() {
        byte[] bytes = line.toByteArray();
        line.reset();
        if (!(bytes.length >= PREFIX.length && startsWithPrefix(bytes, PREFIX.length))) {
            target.write(bytes, 0, bytes.length);
        }
    }

    private static boolean startsWithPrefix(byte[] bytes, int n) {
        for (int i = 0; i < n; i++) {
            if (bytes[i] != PREFIX[i]) {
                return false;
            }
        }
        return true;
    }
}
