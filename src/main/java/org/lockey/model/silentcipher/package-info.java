/**
 * SilentCipher, the audio watermark LOCKEY uses as its message encoder E_m and decoder D_m (Singh,
 * Takahashi, Liao, Mitsufuji, "SilentCipher: Deep Audio Watermarking", Interspeech 2024; upstream
 * {@code sony/silentcipher}, commit c11afe0).
 *
 * <p>{@link org.lockey.model.silentcipher.SilentCipherConfig} maps the released hparams;
 * {@link org.lockey.model.silentcipher.CarrierEncoder} ({@code enc_c}),
 * {@link org.lockey.model.silentcipher.CarrierDecoder} ({@code dec_c}) and
 * {@link org.lockey.model.silentcipher.MsgDecoder} ({@code dec_m_0}) are the three networks under
 * their checkpoint names; {@link org.lockey.model.silentcipher.SilentCipher} runs the embedding and
 * decoding of upstream {@code server.py}; {@link org.lockey.model.silentcipher.PayloadCodec} is the
 * payload <-> per-frame class format; {@link org.lockey.model.silentcipher.WatermarkDetector} is the detection
 * rule {@code watermark detect} and {@code trace} apply. See {@code docs/silentcipher.md}.
 */
package org.lockey.model.silentcipher;
