/**
 * Evaluation of LOCKEY's watermark, built on the distortions of the paper's Table I (LOCKEY, Sec. V-A)
 * in {@link org.lockey.distortion} ({@code docs/distortions.md}) and the metrics in
 * {@link org.lockey.metric}. The experiments of §V: Table I
 * ({@link org.lockey.eval.Table1}), Table II ({@link org.lockey.eval.Table2}), the key probe and the
 * white-box attack of §V-C ({@link org.lockey.eval.Probe}, {@link org.lockey.eval.Attack}), the demo and its page
 * ({@link org.lockey.eval.Demo}, {@link org.lockey.eval.DemoReport}) and the key-size
 * experiment of Fig. 4 ({@link org.lockey.eval.KeySize}); see
 * {@code docs/evaluation.md}. The detection threshold of the watermark (issue 18): false and true positives
 * measured by {@link org.lockey.eval.DetectionEval}, swept and chosen by {@link org.lockey.eval.DetectionCalibration},
 * reported by {@link org.lockey.eval.DetectionReport} ({@code docs/silentcipher.md}, "Detection threshold").
 */
package org.lockey.eval;
