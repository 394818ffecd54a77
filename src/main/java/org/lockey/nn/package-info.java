/**
 * Shared SameDiff building blocks, one class per PyTorch module they reproduce (Conv1d,
 * ConvTranspose1d, weight norm, ...), and {@link org.lockey.nn.Scope}, which names every graph
 * variable by its upstream {@code state_dict} key so upstream checkpoints load unchanged. Each block
 * is tested against a definition written independently in its test (or a plain-array reference in
 * {@code org.lockey.audio}), with gradients checked against central finite differences in double
 * precision.
 *
 * <ul>
 *   <li>{@link org.lockey.nn.StftGraph}: {@code torch.stft} / {@code torch.istft} as conv1d / deconv2d
 *       with fixed bases (SilentCipher's STFT front-end, the log-magnitude loss).</li>
 *   <li>{@link org.lockey.nn.MelGraph}: HiFi-GAN's {@code meldataset.mel_spectrogram} (the mel
 *       reconstruction loss, HiFi-GAN paper Eq. 3; LOCKEY paper §IV-A uses the same front-end).</li>
 *   <li>{@link org.lockey.nn.Conv2d}, {@link org.lockey.nn.BatchNorm2d} (batch or running statistics) and
 *       {@link org.lockey.nn.GatedConv2d} (SilentCipher's {@code Layer}); {@link org.lockey.nn.Reduce}
 *       (means accumulated in double, as PyTorch's CPU kernels).</li>
 *   <li>{@link org.lockey.nn.NormedWeight}, {@link org.lockey.nn.SpectralNorm} and
 *       {@link org.lockey.nn.WeightNorm#effective}: weight and spectral normalisation computed outside
 *       the graph, with their chain rules (HiFi-GAN's discriminators); {@link
 *       org.lockey.nn.Functional#groupedConv1d} ({@code groups > 1}, which SameDiff's conv1d lacks)
 *       and {@link org.lockey.nn.Functional#avgPool1d}.</li>
 * </ul>
 */
package org.lockey.nn;
