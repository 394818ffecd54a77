package org.lockey.corpus;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The serial engine: every item in this JVM, in order, with one worker per job (opened on the first batch and kept
 * for the next ones). The reference the Spark engine is compared with.
 */
public final class SerialEngine implements Engine {
    private CorpusJob<?, ?, ?> openJob;
    private Object worker;

    @Override
    public String name() {
        return "serial";
    }

    @Override
    public int slots() {
        return 1;
    }

    @Override
    public <W, T extends Serializable, R extends Serializable> List<R> map(CorpusJob<W, T, R> job, List<T> items,
            LongConsumer done) {
        if (openJob != job) {
            worker = null;
            worker = job.open(job.inputs());
            openJob = job;
        }
        @SuppressWarnings("unchecked")
        W w = (W) worker;
        List<R> out = new ArrayList<>(items.size());
        for (T item : items) {
            out.add(job.apply(w, item));
            done.accept(out.size());
        }
        return out;
    }

    @Override
    public TraceStore traceStore(Path out) {
        return new CsvTraceStore(out);
    }

    @Override
    public void close() {
        worker = null;
        openJob = null;
    }
}
