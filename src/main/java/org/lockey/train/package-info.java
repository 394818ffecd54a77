/**
 * Training: one class per loss term of the paper's Eq. 1-4 ({@link org.lockey.train.WatermarkLoss},
 * {@link org.lockey.train.PerceptualLoss}, {@link org.lockey.train.SpectralLoss}, {@link
 * org.lockey.train.InvalidKeyLoss}, {@link org.lockey.train.VerificationLoss}, the total {@link
 * org.lockey.train.LockeyLoss}), the {@link org.lockey.train.Curriculum} of the invalid-key bound,
 * and the trainers, which all run in the one run loop {@link org.lockey.train.RunLoop} (checkpoints,
 * resume, validation cadence, per-step table, progress line): {@link org.lockey.train.LockeyTrainer}
 * (LOCKEY fine-tuning; one run directory of it: {@link org.lockey.train.FinetuneRun}), {@link
 * org.lockey.train.WatermarkTrainer} (SilentCipher; its graph: {@link org.lockey.train.WatermarkGraph},
 * timed by {@code bench.WatermarkBench}), {@link org.lockey.train.CodecTrainer} (a whole EnCodec),
 * {@link org.lockey.train.CodecDecoderTrainer} (an EnCodec decoder fitted to a frozen encoder's codes
 * with {@link org.lockey.train.MultiScaleStftLoss}) and HiFi-GAN's training (Kong, Kim &amp; Bae 2020,
 * §2.4, Eq. 1-6): {@link org.lockey.train.AdversarialLoss} (LSGAN, Eq. 1), {@link
 * org.lockey.train.MelLoss} (Eq. 2), {@link org.lockey.train.FeatureMatchingLoss} (Eq. 3), and the
 * trainer {@link org.lockey.train.VocoderTrainer} (Eq. 5-6, upstream {@code train.py}; its step timed
 * by {@code bench.VocoderTrainBench}); all with {@link org.lockey.train.Adam} and {@link
 * org.lockey.train.Checkpoint}.
 */
package org.lockey.train;
