/**
 * EnCodec (Défossez et al., "High Fidelity Neural Audio Compression", 2022) as used by MusicGen's
 * 32 kHz tokenizer: the SEANet encoder and decoder ({@link org.lockey.model.encodec.SEANetEncoder},
 * {@link org.lockey.model.encodec.SEANetDecoder}) built from streamable convolutions
 * ({@link org.lockey.model.encodec.SConv1d}, {@link org.lockey.model.encodec.SConvTranspose1d}), residual
 * blocks and an LSTM, and the residual vector quantizer (paper §3.3;
 * {@link org.lockey.model.encodec.ResidualVectorQuantizer}, {@link org.lockey.model.encodec.Codebooks}).
 * In LOCKEY the decoder is the codec branch's generator G. {@link org.lockey.model.encodec.KMeansCodebooks}
 * fits RVQ codebooks to an encoder's latents by greedy residual k-means (upstream's {@code kmeans_init}),
 * which makes a frozen quantiser for a seeded encoder when no checkpoint is at hand.
 *
 * <p>Upstream: facebookresearch/encodec {@code encodec/modules/{seanet,conv,lstm}.py} and
 * {@code encodec/quantization/{vq,core_vq}.py} (the golden reference), audiocraft's identically keyed
 * {@code modules/seanet.py} and {@code quantization/} (MusicGen's checkpoints), and transformers'
 * {@code models/encodec/modeling_encodec.py} (the {@code facebook/encodec_32khz} checkpoint, read via
 * {@link org.lockey.model.encodec.HfKeyMap}). Parameters carry the upstream state-dict keys. The
 * user-facing entry point is {@link org.lockey.model.encodec.Encodec}; {@code docs/encodec.md} maps
 * every class to its upstream counterpart.
 */
package org.lockey.model.encodec;
