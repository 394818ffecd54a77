package org.lockey;

/**
 * A failure the user can act on: bad input, a malformed file, a mismatched checkpoint.
 *
 * <p>The message is one line that names the file (or option) and the problem; the command line
 * prints it without a stack trace and exits non-zero. Programming errors stay ordinary unchecked
 * exceptions.
 */
public class LockeyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LockeyException(String message) {
        super(message);
    }

    public LockeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
