/**
 * lockey-jvm: a pure-JVM reference implementation of LOCKEY (Singh, Takahashi, Liao, Mitsufuji,
 * "LOCKEY: A Novel Approach to Model Authentication and Deepfake Tracking").
 *
 * <p>Packages: {@code io} (safetensors, WAV, checkpoints), {@code audio} (plain-array signal
 * processing), {@code nn} (shared SameDiff blocks), {@code model.*} (HiFi-GAN, Encodec, SilentCipher,
 * the LOCKEY key modules), {@code golden} (the golden-vector verifier), {@code cli}.
 */
package org.lockey;
