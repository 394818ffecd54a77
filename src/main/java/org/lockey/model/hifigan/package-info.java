/**
 * HiFi-GAN (Kong, Kim &amp; Bae, NeurIPS 2020), the vocoder LOCKEY keys: the generator as in
 * jik876/hifi-gan {@code models.py} ({@link org.lockey.model.hifigan.Generator},
 * {@link org.lockey.model.hifigan.ResBlock1}, {@link org.lockey.model.hifigan.ResBlock2}), its
 * config ({@link org.lockey.model.hifigan.HifiGanConfig}, upstream {@code config_v*.json}), a
 * vocoder facade with chunked inference and upstream checkpoint import
 * ({@link org.lockey.model.hifigan.HifiGan}); its golden component {@code hifigan.generator} is in
 * {@code org.lockey.golden}, its benchmark in {@code org.lockey.bench}. Paper §2.1 (generator, MRF) and Appendix A (V1-V3). The discriminators of §2.2-2.3:
 * {@link org.lockey.model.hifigan.MultiPeriodDiscriminator} ({@link org.lockey.model.hifigan.DiscriminatorP})
 * and {@link org.lockey.model.hifigan.MultiScaleDiscriminator} ({@link org.lockey.model.hifigan.DiscriminatorS}),
 * under upstream's {@code mpd.*} / {@code msd.*} keys; the training loop and the losses of §2.4 are in
 * {@code org.lockey.train} ({@link org.lockey.train.VocoderTrainer}).
 */
package org.lockey.model.hifigan;
