package org.lockey.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lockey.corpus.TraceRow;
import org.lockey.corpus.TraceStore;

/**
 * The Spark engine's store: {@code DIR/results.parquet}, one Parquet file appended per batch (a Spark write commits
 * whole or not at all, so a killed run loses at most its last batch). Columns as {@link TraceRow#COLUMNS}; {@code
 * user} is null when no user is named, {@code confidence} NaN on an error row.
 */
final class ParquetTraceStore implements TraceStore {
    /** The Parquet dataset's directory under the output. */
    static final String PARQUET = "results.parquet";

    static final StructType SCHEMA = new StructType()
            .add("clip", DataTypes.StringType, false)
            .add("verdict", DataTypes.StringType, false)
            .add("user", DataTypes.StringType, true)
            .add("hamming", DataTypes.IntegerType, false)
            .add("confidence", DataTypes.DoubleType, false)
            .add("decoder", DataTypes.StringType, false)
            .add("note", DataTypes.StringType, false);

    private final SparkSession spark;
    private final Path dir;

    ParquetTraceStore(SparkSession spark, Path out) {
        this.spark = spark;
        this.dir = out.resolve(PARQUET);
    }

    private boolean exists() {
        return Files.isDirectory(dir);
    }

    @Override
    public Set<String> done() {
        if (!exists()) {
            return Set.of();
        }
        return Set.copyOf(spark.read().parquet(dir.toString()).select("clip").as(Encoders.STRING()).collectAsList());
    }

    @Override
    public void append(List<TraceRow> rows) {
        List<Row> out = new ArrayList<>(rows.size());
        for (TraceRow r : rows) {
            out.add(RowFactory.create(r.clip(), r.verdict(), r.user().isEmpty() ? null : r.user(), r.hamming(),
                    r.confidence(), r.decoder(), r.note()));
        }
        spark.sparkContext().setJobDescription("lockey trace: " + rows.size() + " rows to Parquet");
        try {
            spark.createDataFrame(out, SCHEMA).coalesce(1).write().mode(SaveMode.Append).parquet(dir.toString());
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
    }

    @Override
    public List<TraceRow> all() {
        if (!exists()) {
            return List.of();
        }
        Dataset<Row> df = spark.read().parquet(dir.toString());
        TreeMap<String, TraceRow> rows = new TreeMap<>();
        for (Row r : df.collectAsList()) {
            String user = r.getString(r.fieldIndex("user"));
            TraceRow t = new TraceRow(r.getString(r.fieldIndex("clip")), r.getString(r.fieldIndex("verdict")),
                    user == null ? "" : user, r.getInt(r.fieldIndex("hamming")),
                    r.getDouble(r.fieldIndex("confidence")), r.getString(r.fieldIndex("decoder")),
                    r.getString(r.fieldIndex("note")));
            rows.putIfAbsent(t.clip(), t);
        }
        return new ArrayList<>(rows.values());
    }

    @Override
    public String describe() {
        return dir.toString();
    }
}
