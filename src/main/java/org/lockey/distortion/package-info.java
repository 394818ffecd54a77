/**
 * The distortions of the LOCKEY paper's Table I (Sec. V-A), one class per column, each seeded and
 * documented with its exact parameters: {@link org.lockey.distortion.BandEq} ({@code eq}),
 * {@link org.lockey.distortion.GaussianNoise} ({@code gaus}),
 * {@link org.lockey.distortion.Mp3} ({@code mp3_64k/128k/256k}),
 * {@link org.lockey.distortion.Ogg} ({@code ogg_64k/128k/256k}),
 * {@link org.lockey.distortion.HalfPrecision} ({@code quant}),
 * {@link org.lockey.distortion.RandomResample} ({@code resamp}),
 * {@link org.lockey.distortion.TimeJitter} ({@code time_jit}) and
 * {@link org.lockey.distortion.Identity} ({@code orig}), and beyond the paper the opt-in codecs
 * {@link org.lockey.distortion.Aac} ({@code aac_64k/128k}) and {@link org.lockey.distortion.Opus}
 * ({@code opus_32k/64k}); {@link org.lockey.distortion.Distortions} lists them in the table's order. The
 * codecs run on engines of a {@link org.lockey.distortion.CodecBackend} ({@link org.lockey.distortion.Codecs}):
 * by default from Maven alone ({@link org.lockey.distortion.Jump3rMp3}, the ffmpeg of
 * {@code org.bytedeco:ffmpeg}), or the system's ffmpeg. The same classes distort the watermarked audio during SilentCipher
 * training ({@link org.lockey.train.WatermarkTrainer}). See {@code docs/distortions.md}.
 */
package org.lockey.distortion;
