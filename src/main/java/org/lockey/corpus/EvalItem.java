package org.lockey.corpus;

import java.io.Serializable;

/**
 * A clip x key pair of {@code eval table2} or {@code eval probe}: the unit of work of their corpus jobs.
 *
 * @param clip the clip's index in the split
 * @param key  the key's index in the run's keys (never the key: the workers derive the keys from the registry)
 * @param file the clip's file
 */
public record EvalItem(int clip, int key, String file) implements Serializable {
    private static final long serialVersionUID = 1L;
}
