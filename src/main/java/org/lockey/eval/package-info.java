/**
 * Evaluation of LOCKEY's watermark: the distortions of the paper's Table I (LOCKEY, Sec. V-A) in
 * {@link org.lockey.eval.distortion}, and the paper's experiments: {@link org.lockey.eval.Table1},
 * {@link org.lockey.eval.Table2}, the key probe {@link org.lockey.eval.Probe} (Sec. V-C) and the key-size
 * experiment of Fig. 4, {@link org.lockey.eval.KeySize}. See {@code docs/distortions.md} and
 * {@code docs/evaluation.md}.
 */
package org.lockey.eval;
