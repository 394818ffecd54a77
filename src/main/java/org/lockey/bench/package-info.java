/**
 * Speed measurements, above the code they time: the side-by-side benchmark against the PyTorch peer
 * ({@link org.lockey.bench.Benchmark} over {@link org.lockey.bench.Cases}, run by {@link org.lockey.bench.Peer};
 * {@link org.lockey.bench.Stats}, {@link org.lockey.bench.Flops}, {@link org.lockey.bench.Profile};
 * {@code docs/benchmarks.md}), and the single-model benches: {@link org.lockey.bench.HifiGanBench}
 * (generator inference, {@code docs/hifigan.md}), {@link org.lockey.bench.EncodecBench} (decoder,
 * {@code docs/encodec.md}), {@link org.lockey.bench.VocoderTrainBench} (one HiFi-GAN training step phase
 * by phase) and {@link org.lockey.bench.WatermarkBench} (one SilentCipher training step).
 */
package org.lockey.bench;
