package org.lockey.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;

/**
 * Decode speed of a full-size EnCodec decoder with random weights: codes -> audio for a clip of
 * {@code frames} latent frames (500 = 10 s at 32 kHz), once in one pass and once in the default
 * chunks. Reports the median wall time per second of audio after a warm-up call (which also builds
 * the graphs; its time is reported separately).
 *
 * <p>Run with {@code OMP_WAIT_POLICY=PASSIVE} (it halves medians on a 2-core machine), e.g.
 * {@code ./lockey bench encodec} or {@code OMP_WAIT_POLICY=PASSIVE java -cp ... org.lockey.bench.EncodecBench 500 3}.
 */
public final class EncodecBench {

    /**
     * The measured figures.
     *
     * @param frames            latent frames decoded per call
     * @param audioSeconds      seconds of audio per call
     * @param chunkFrames       chunk length of the chunked run
     * @param firstCallMs       the one-pass warm-up call, graph building included
     * @param wholeMedianMs     median one-pass call
     * @param chunkedFirstMs    the chunked warm-up call, graph building included
     * @param chunkedMedianMs   median chunked call
     */
    public record Result(int frames, double audioSeconds, int chunkFrames, double firstCallMs, double wholeMedianMs,
            double chunkedFirstMs, double chunkedMedianMs) {

        /** Milliseconds of one-pass decoding per second of audio. */
        public double wholeMsPerAudioSecond() {
            return wholeMedianMs / audioSeconds;
        }

        /** Milliseconds of chunked decoding per second of audio. */
        public double chunkedMsPerAudioSecond() {
            return chunkedMedianMs / audioSeconds;
        }

        @Override
        public String toString() {
            return String.format("EnCodec decoder (%d frames = %.1f s audio): one pass first %.0f ms, median %.0f ms"
                    + " (%.0f ms per audio second, real-time factor %.2f); chunks of %d frames first %.0f ms, median"
                    + " %.0f ms (%.0f ms per audio second)", frames, audioSeconds, firstCallMs, wholeMedianMs,
                    wholeMsPerAudioSecond(), wholeMsPerAudioSecond() / 1000, chunkFrames, chunkedFirstMs,
                    chunkedMedianMs, chunkedMsPerAudioSecond());
        }
    }

    private EncodecBench() {
    }

    /** Decodes random codes of {@code frames} frames {@code repeats} times per mode with a random model. */
    public static Result run(CompressionConfig config, int frames, int repeats, long seed) {
        Encodec model = Encodec.random(config, seed, false);
        SplittableRandom r = new SplittableRandom(seed);
        long[][][] codes = new long[1][config.rvq().nQ()][frames];
        for (long[] row : codes[0]) {
            for (int f = 0; f < frames; f++) {
                row[f] = r.nextInt(config.rvq().bins());
            }
        }
        double seconds = (double) frames * config.seanet().hopLength() / config.sampleRate();
        Encodec whole = model.withChunkFrames(frames);
        double first = time(() -> whole.decode(codes));
        double wholeMedian = median(whole, codes, repeats);
        Encodec chunked = model.withChunkFrames(Encodec.DEFAULT_CHUNK_FRAMES);
        double chunkedFirst = time(() -> chunked.decode(codes));
        double chunkedMedian = median(chunked, codes, repeats);
        return new Result(frames, seconds, Encodec.DEFAULT_CHUNK_FRAMES, first, wholeMedian, chunkedFirst,
                chunkedMedian);
    }

    private static double median(Encodec m, long[][][] codes, int repeats) {
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            t[i] = time(() -> m.decode(codes));
        }
        Arrays.sort(t);
        return t[repeats / 2];
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Prints {@link #run} for the MusicGen 32 kHz decoder, 500 frames (10 s), 3 repeats. */
    public static void main(String[] args) {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        System.out.println(run(CompressionConfig.musicgen32k(), frames, repeats, 1));
    }
}
