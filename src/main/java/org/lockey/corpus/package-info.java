/**
 * Work over a corpus on an engine (issue 24): {@code trace --out} (one {@link org.lockey.corpus.TraceRow} per clip,
 * resumable), {@code eval table2} and {@code eval probe} with clip x key pairs as the unit of work. A
 * {@link org.lockey.corpus.CorpusJob} names its inputs (models, the registry), opens a worker per core and computes
 * one item; an {@link org.lockey.corpus.Engine} runs it: {@link org.lockey.corpus.SerialEngine} here, or the Spark
 * engine ({@code org.lockey.spark}, built with {@code -Pspark}), found by name ({@link org.lockey.corpus.Engines}).
 * Both give the same results for the same items. {@code docs/spark.md}.
 */
package org.lockey.corpus;
