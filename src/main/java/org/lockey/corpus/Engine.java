package org.lockey.corpus;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Where corpus work runs: {@link SerialEngine} in this JVM, one item after another (the commands' default), or the
 * Spark engine ({@code org.lockey.spark.SparkEngine}, built with {@code -Pspark}; {@link Engines#open}) on the
 * embedded {@code local[*]} master or a cluster. Both give the same results for the same job and items.
 */
public interface Engine extends AutoCloseable {
    /** "serial" or "spark (MASTER)". */
    String name();

    /** Items worked on at once (cores). */
    int slots();

    /**
     * The result of every item, in the order of {@code items}. {@code done} hears how many items are finished (from
     * any thread, in increasing counts).
     */
    <W, T extends Serializable, R extends Serializable> List<R> map(CorpusJob<W, T, R> job, List<T> items,
            LongConsumer done);

    /** Where {@code trace --out DIR} keeps its rows with this engine. */
    TraceStore traceStore(Path out);

    @Override
    void close();
}
