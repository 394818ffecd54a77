/**
 * The distortions of the LOCKEY paper's Table I (Sec. V-A), one class per column, each seeded and
 * documented with its exact parameters: {@link org.lockey.eval.distortion.BandEq} ({@code eq}),
 * {@link org.lockey.eval.distortion.GaussianNoise} ({@code gaus}),
 * {@link org.lockey.eval.distortion.Mp3} ({@code mp3_64k/128k/256k}),
 * {@link org.lockey.eval.distortion.Ogg} ({@code ogg_64k/128k/256k}),
 * {@link org.lockey.eval.distortion.HalfPrecision} ({@code quant}),
 * {@link org.lockey.eval.distortion.RandomResample} ({@code resamp}),
 * {@link org.lockey.eval.distortion.TimeJitter} ({@code time_jit}) and
 * {@link org.lockey.eval.distortion.Identity} ({@code orig}), and beyond the paper the opt-in codecs
 * {@link org.lockey.eval.distortion.Aac} ({@code aac_64k/128k}) and {@link org.lockey.eval.distortion.Opus}
 * ({@code opus_32k/64k}); {@link org.lockey.eval.distortion.Distortions} lists them in the table's order. The
 * codecs run on engines of a {@link org.lockey.eval.distortion.CodecBackend} ({@link org.lockey.eval.distortion.Codecs}):
 * by default from Maven alone ({@link org.lockey.eval.distortion.Jump3rMp3}, the ffmpeg of
 * {@code org.bytedeco:ffmpeg}), or the system's ffmpeg. The same classes distort the watermarked audio during SilentCipher
 * training ({@link org.lockey.train.WatermarkTrainer}). See {@code docs/distortions.md}.
 */
package org.lockey.eval.distortion;
