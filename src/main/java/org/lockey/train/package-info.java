/**
 * Training: one class per loss term of the paper's Eq. 1-4 ({@link org.lockey.train.WatermarkLoss},
 * {@link org.lockey.train.PerceptualLoss}, {@link org.lockey.train.SpectralLoss}, {@link
 * org.lockey.train.InvalidKeyLoss}, {@link org.lockey.train.VerificationLoss}, the total {@link
 * org.lockey.train.LockeyLoss}), the {@link org.lockey.train.Curriculum} of the invalid-key bound,
 * and the training loops: {@link org.lockey.train.LockeyTrainer} (LOCKEY fine-tuning), {@link
 * org.lockey.train.WatermarkTrainer} (SilentCipher; its graph: {@link org.lockey.train.WatermarkGraph},
 * timing: {@link org.lockey.train.WatermarkBench}) and {@link org.lockey.train.CodecDecoderTrainer} (an
 * EnCodec decoder fitted to a frozen encoder's codes with {@link org.lockey.train.MultiScaleStftLoss}),
 * with {@link org.lockey.train.Adam} and {@link org.lockey.train.Checkpoint}.
 */
package org.lockey.train;
