/**
 * The distortions of the LOCKEY paper's Table I (Sec. V-A), one class per column, each seeded and
 * documented with its exact parameters: {@link org.lockey.eval.distortion.BandEq} ({@code eq}),
 * {@link org.lockey.eval.distortion.GaussianNoise} ({@code gaus}),
 * {@link org.lockey.eval.distortion.Mp3} ({@code mp3_64k/128k/256k}),
 * {@link org.lockey.eval.distortion.Ogg} ({@code ogg_64k/128k/256k}),
 * {@link org.lockey.eval.distortion.HalfPrecision} ({@code quant}),
 * {@link org.lockey.eval.distortion.RandomResample} ({@code resamp}),
 * {@link org.lockey.eval.distortion.TimeJitter} ({@code time_jit}) and
 * {@link org.lockey.eval.distortion.Identity} ({@code orig}); {@link org.lockey.eval.distortion.Distortions}
 * lists them in the table's order. The same classes distort the watermarked audio during SilentCipher
 * training ({@link org.lockey.train.WatermarkTrainer}). See {@code docs/distortions.md}.
 */
package org.lockey.eval.distortion;
