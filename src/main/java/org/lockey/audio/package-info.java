/**
 * Audio signal processing on plain Java arrays (double precision inside, JTransforms FFTs, no
 * SameDiff graph): the reference front-end every graph version in {@code org.lockey.nn} is tested
 * against, and the pre-/post-processing that runs outside the graphs.
 *
 * <ul>
 *   <li>{@link org.lockey.audio.Wav}, {@link org.lockey.audio.Audio}: WAV files in and out.</li>
 *   <li>{@link org.lockey.audio.Stft}: {@code torch.stft} / {@code torch.istft}.</li>
 *   <li>{@link org.lockey.audio.MelFilterbank}: {@code librosa.filters.mel} (Slaney scale and
 *       area normalisation).</li>
 *   <li>{@link org.lockey.audio.MelSpectrogram}: HiFi-GAN's {@code meldataset.mel_spectrogram}, the
 *       log-mel front-end of the vocoder branch (LOCKEY paper §IV-A uses the same parameters).</li>
 *   <li>{@link org.lockey.audio.Resampler}: band-limited sample-rate conversion between the rates of
 *       the models (16, 22.05, 32, 44.1, 48 kHz).</li>
 * </ul>
 *
 * <p>See {@code docs/audio.md} for the upstream function each class equals and the golden case that
 * proves it.
 */
package org.lockey.audio;
