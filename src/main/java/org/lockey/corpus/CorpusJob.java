package org.lockey.corpus;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Map;

/**
 * Work over a corpus as an {@link Engine} runs it: the files every worker needs (models, the key registry), a worker
 * built from them once per core, and one unit of work per item (a clip to trace, a clip x key pair to evaluate).
 *
 * <p>A job is a small serialisable description: it names its inputs by path on the machine that starts the run and
 * holds no model and no key. The serial engine opens one worker on the inputs where they are; the Spark engine reads
 * them once on the driver, ships them to each executor once (a broadcast) and opens one worker per core there on
 * its local copy. {@link #apply} must be a function of the worker's inputs and the item only, so that every engine
 * gives the same result for the same item.
 *
 * @param <W> the worker: the models of one core, with what it caches between items
 * @param <T> an item of work
 * @param <R> its result
 */
public interface CorpusJob<W, T extends Serializable, R extends Serializable> extends Serializable {
    /** The files and directories every worker reads, by name (a directory is shipped whole). */
    Map<String, Path> inputs();

    /** A worker on one core, from the inputs as they are on this machine (the names of {@link #inputs}). */
    W open(Map<String, Path> local);

    /** The result of one item. */
    R apply(W worker, T item);

    /** What the job does, for progress lines and the Spark UI: never a key, a key file's content or a user. */
    String label();
}
