/**
 * The Spark engine (issue 24): {@link org.lockey.spark.SparkEngine} runs the {@code org.lockey.corpus} jobs
 * ({@code trace --out}, {@code eval table2|probe}) on Apache Spark, the embedded {@code local[*]} master by default
 * or a cluster. Compiled only by the {@code spark} Maven profile; {@code corpus.Engines} finds it by name, so
 * nothing below or beside it depends on Spark. {@code docs/spark.md}.
 */
package org.lockey.spark;
