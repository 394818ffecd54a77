/**
 * HiFi-GAN (Kong, Kim &amp; Bae, NeurIPS 2020), the vocoder LOCKEY keys: the generator as in
 * jik876/hifi-gan {@code models.py} ({@link org.lockey.model.hifigan.Generator},
 * {@link org.lockey.model.hifigan.ResBlock1}, {@link org.lockey.model.hifigan.ResBlock2}), its
 * config ({@link org.lockey.model.hifigan.HifiGanConfig}, upstream {@code config_v*.json}), a
 * vocoder facade with chunked inference and upstream checkpoint import
 * ({@link org.lockey.model.hifigan.HifiGan}), the golden component {@code hifigan.generator} and a
 * benchmark. Paper §2.1 (generator, MRF) and Appendix A (V1-V3). Discriminators and GAN training
 * are not here.
 */
package org.lockey.model.hifigan;
