/**
 * Evaluation metrics, below the training code that validates with them and the evaluation that
 * reports them: {@link org.lockey.metric.BitAccuracy} of a decoded watermark,
 * {@link org.lockey.metric.Sdr} (signal-to-distortion ratio) of a watermarked signal (LOCKEY
 * Sec. V-A, Tables I-II), {@link org.lockey.metric.OutputLevel}, the objective stand-ins for the listening test of Table III
 * ({@link org.lockey.metric.Stoi}, {@link org.lockey.metric.MelDistance}), and
 * {@link org.lockey.metric.WatermarkEval} (bit accuracy per distortion and detection over a set of
 * clips: training's validation and {@code ./lockey eval watermark}).
 */
package org.lockey.metric;
