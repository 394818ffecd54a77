package org.lockey.nn;

/**
 * Whether a layer has an additive bias (PyTorch's {@code bias=True/False}); with {@link #ON} the
 * layer holds a {@code bias} [out] parameter.
 */
public enum Bias {
    /** The layer adds a learned {@code bias} [out]. */
    ON,
    /** No bias parameter. */
    OFF;

    /** Whether a bias parameter exists. */
    public boolean on() {
        return this == ON;
    }
}
