/**
 * Evaluation metrics: {@link org.lockey.eval.metric.BitAccuracy} of a decoded watermark and
 * {@link org.lockey.eval.metric.Sdr} (signal-to-distortion ratio) of a watermarked signal (LOCKEY
 * Sec. V-A, Tables I-II).
 */
package org.lockey.eval.metric;
