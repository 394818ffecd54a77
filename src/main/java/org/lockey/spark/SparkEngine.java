package org.lockey.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongConsumer;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.lockey.corpus.CorpusJob;
import org.lockey.corpus.Engine;
import org.lockey.corpus.Engines;
import org.lockey.corpus.TraceStore;

/**
 * The Spark engine: a job's items as an RDD, cut into tasks of a few items each, every task run by a worker of its
 * executor.
 *
 * <ul>
 * <li>Models and the key registry go to each executor once: the job's inputs are read on the driver and broadcast
 * (one broadcast per job and run, reused by every batch), written once per executor JVM ({@link Shipment}).
 * <li>Each executor keeps one worker (model instance) per core: a pool per job, from which a task takes a worker
 * and to which it gives it back; no more than the executor's concurrent tasks are ever open. Native memory stays
 * bounded by JavaCPP's limits ({@code -Dorg.bytedeco.javacpp.maxbytes}, set for the executors when not given).
 * <li>Results come back in item order, so the caller combines them exactly as the serial engine's.
 * <li>Job descriptions (the Spark UI's labels) are the job's {@link CorpusJob#label} and counts; nothing of the
 * registry is ever in a label, a log line or an accumulator.
 * </ul>
 */
public final class SparkEngine implements Engine {
    /** Items per task at most (a task is the unit Spark schedules and retries). */
    static final int MAX_ITEMS_PER_TASK = 16;
    /** Tasks per core at least, when there are enough items (so that cores finish together). */
    static final int TASKS_PER_CORE = 4;

    /** Workers of this JVM by shipment id: the executor side. */
    private static final Map<String, ConcurrentLinkedQueue<Object>> POOLS = new ConcurrentHashMap<>();

    private final SparkSession spark;
    private final JavaSparkContext jsc;
    private final String master;
    private final Map<CorpusJob<?, ?, ?>, Broadcast<Shipment>> shipped = new IdentityHashMap<>();

    private SparkEngine(SparkSession spark, String master) {
        this.spark = spark;
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.master = master;
    }

    /**
     * A Spark session on {@code master} (null: the one spark-submit gives, else {@value Engines#LOCAL_MASTER}) with
     * the settings {@code conf}. Called by {@link Engines#open} by name.
     */
    public static SparkEngine open(String master, Map<String, String> conf) {
        SparkConf c = new SparkConf();                 // spark.* system properties: what spark-submit passes
        String m = master != null ? master : c.get("spark.master", Engines.LOCAL_MASTER);
        c.setMaster(m);
        c.setIfMissing("spark.app.name", "lockey");
        // our own progress line, not Spark's stage bars on the same stderr
        c.setIfMissing("spark.ui.showConsoleProgress", "false");
        if (m.startsWith("local")) {
            c.setIfMissing("spark.ui.enabled", "false");      // one machine: no web server unless asked for
        }
        // executors of a cluster: bounded native memory and OpenMP's passive wait, as ./lockey sets for itself
        c.setIfMissing("spark.executor.extraJavaOptions",
                "-Dorg.bytedeco.javacpp.maxbytes=4g -Dorg.bytedeco.javacpp.maxphysicalbytes=8g");
        c.setIfMissing("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
        conf.forEach(c::set);
        SparkSession s = SparkSession.builder().config(c).getOrCreate();
        return new SparkEngine(s, m);
    }

    /** The session (for the Parquet store and tests). */
    SparkSession session() {
        return spark;
    }

    @Override
    public String name() {
        return "spark (" + master + ")";
    }

    @Override
    public int slots() {
        return jsc.defaultParallelism();
    }

    @Override
    public <W, T extends Serializable, R extends Serializable> List<R> map(CorpusJob<W, T, R> job, List<T> items,
            LongConsumer done) {
        if (items.isEmpty()) {
            return List.of();
        }
        Broadcast<Shipment> shipment = shipped.computeIfAbsent(job, j -> jsc.broadcast(Shipment.of(j.inputs())));
        List<Indexed<T>> indexed = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            indexed.add(new Indexed<>(i, items.get(i)));
        }
        int perTask = Math.max(1, Math.min(MAX_ITEMS_PER_TASK,
                (items.size() + TASKS_PER_CORE * slots() - 1) / (TASKS_PER_CORE * slots())));
        int tasks = (items.size() + perTask - 1) / perTask;
        LongAccumulator finished = jsc.sc().longAccumulator("items done");
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                done.accept(finished.value());
            }
        };
        jsc.sc().addSparkListener(listener);
        jsc.setJobDescription(job.label() + ": " + items.size() + " items in " + tasks + " tasks");
        try {
            List<Indexed<R>> out = jsc.parallelize(indexed, tasks)
                    .mapPartitions(new RunTask<>(job, shipment, finished)).collect();
            List<R> ordered = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                ordered.add(null);
            }
            out.forEach(r -> ordered.set(r.index(), r.value()));
            return ordered;
        } finally {
            jsc.sc().removeSparkListener(listener);
            jsc.setJobDescription(null);
        }
    }

    @Override
    public TraceStore traceStore(Path out) {
        return new ParquetTraceStore(spark, out);
    }

    @Override
    public void close() {
        for (Broadcast<Shipment> b : shipped.values()) {
            POOLS.remove(b.value().id());           // the local master's workers live in this JVM
            b.destroy();
        }
        shipped.clear();
        spark.stop();
    }

    /** An item with its place in the batch. */
    record Indexed<T>(int index, T value) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** One task: a worker from this executor's pool, every item of the partition, the worker back to the pool. */
    static final class RunTask<W, T extends Serializable, R extends Serializable>
            implements FlatMapFunction<Iterator<Indexed<T>>, Indexed<R>> {
        private static final long serialVersionUID = 1L;
        private final CorpusJob<W, T, R> job;
        private final Broadcast<Shipment> shipment;
        private final LongAccumulator finished;

        RunTask(CorpusJob<W, T, R> job, Broadcast<Shipment> shipment, LongAccumulator finished) {
            this.job = job;
            this.shipment = shipment;
            this.finished = finished;
        }

        @Override
        public Iterator<Indexed<R>> call(Iterator<Indexed<T>> items) {
            Shipment s = shipment.value();
            ConcurrentLinkedQueue<Object> pool = POOLS.computeIfAbsent(s.id(), k -> new ConcurrentLinkedQueue<>());
            Object pooled = pool.poll();
            @SuppressWarnings("unchecked")
            W worker = pooled != null ? (W) pooled : job.open(s.local());
            try {
                List<Indexed<R>> out = new ArrayList<>();
                while (items.hasNext()) {
                    Indexed<T> item = items.next();
                    out.add(new Indexed<>(item.index(), job.apply(worker, item.value())));
                    finished.add(1);
                }
                return out.iterator();
            } finally {
                pool.offer(worker);
            }
        }
    }
}
