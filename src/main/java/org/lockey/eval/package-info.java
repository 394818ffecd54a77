/**
 * Evaluation of LOCKEY's watermark: the distortions of the paper's Table I (LOCKEY, Sec. V-A) in
 * {@link org.lockey.eval.distortion}. See {@code docs/distortions.md}.
 */
package org.lockey.eval;
