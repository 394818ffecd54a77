/**
 * Training: one class per loss term of the paper's Eq. 1-4 ({@link org.lockey.train.WatermarkLoss},
 * {@link org.lockey.train.PerceptualLoss}, {@link org.lockey.train.SpectralLoss}, {@link
 * org.lockey.train.InvalidKeyLoss}, {@link org.lockey.train.VerificationLoss}, the total {@link
 * org.lockey.train.LockeyLoss}), the {@link org.lockey.train.Curriculum} of the invalid-key bound,
 * and the training loops: {@link org.lockey.train.LockeyTrainer} (LOCKEY fine-tuning) and
 * {@link org.lockey.train.CodecDecoderTrainer} (an EnCodec decoder fitted to a frozen encoder's codes
 * with {@link org.lockey.train.MultiScaleStftLoss}).
 */
package org.lockey.train;
