package org.lockey.corpus;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;

import org.lockey.LockeyException;

/** The engines by name: {@code serial}, or {@code spark} when this build has the Spark engine. */
public final class Engines {
    /** The Spark engine's class: compiled only by the {@code spark} Maven profile, so looked up by name. */
    public static final String SPARK_CLASS = "org.lockey.spark.SparkEngine";
    /** The master of the embedded Spark (every core of this machine, nothing to install). */
    public static final String LOCAL_MASTER = "local[*]";

    private Engines() {
    }

    /**
     * The engine {@code name} ("serial" or "spark"); for Spark, {@code master} (null: the one spark-submit gives,
     * else {@value #LOCAL_MASTER}) and extra Spark settings {@code conf}.
     *
     * @throws LockeyException an unknown engine, or Spark asked of a build without it
     */
    public static Engine open(String name, String master, Map<String, String> conf) {
        switch (name) {
            case "serial":
                if (master != null) {
                    throw new LockeyException("--master is an option of --engine spark");
                }
                return new SerialEngine();
            case "spark":
                return spark(master, conf);
            default:
                throw new LockeyException("--engine: unknown engine '" + name + "' (serial or spark)");
        }
    }

    /** Whether this build has the Spark engine (the {@code spark} Maven profile and Spark on the class path). */
    public static boolean sparkAvailable() {
        try {
            Class.forName(SPARK_CLASS, false, Engines.class.getClassLoader());
            Class.forName("org.apache.spark.sql.SparkSession", false, Engines.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static Engine spark(String master, Map<String, String> conf) {
        if (!sparkAvailable()) {
            throw new LockeyException("--engine spark: this build has no Spark engine; build it with `mvn -Pspark"
                    + " package` (./lockey does so by itself when --engine spark is given)");
        }
        try {
            return (Engine) Class.forName(SPARK_CLASS).getMethod("open", String.class, Map.class)
                    .invoke(null, master, conf);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("starting Spark", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the Spark engine " + SPARK_CLASS + " cannot be started", e);
        }
    }
}
