package org.lockey.distortion;

import org.lockey.LockeyException;

/**
 * A distortion that needs something this machine lacks (ffmpeg, or one of its encoders). The
 * message names what is missing and how to get it; callers that can go on without the distortion
 * (training, evaluation tables) catch this type and print a notice instead.
 */
public final class DistortionUnavailableException extends LockeyException {
    private static final long serialVersionUID = 1L;

    public DistortionUnavailableException(String message) {
        super(message);
    }
}
