package org.lockey.bench;

import java.util.Arrays;
import java.util.Locale;

import org.lockey.model.hifigan.Generator;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inference speed of the generator with random (PyTorch-default, seeded) weights: wall-clock time of
 * one whole-input {@link HifiGan#vocode(INDArray)} call, batch 1, float32, and the real-time factor
 * (processing time / audio duration; below 1 is faster than real time).
 *
 * <p>Run with {@code OMP_WAIT_POLICY=PASSIVE}: on few cores ND4J's OpenMP threads otherwise spin and
 * roughly double the medians (docs/benchmarks.md).
 */
public final class HifiGanBench {
    private HifiGanBench() {
    }

    /**
     * One measurement.
     *
     * @param name     config label
     * @param frames   mel frames per call
     * @param seconds  audio seconds per call (frames * hop / sampling rate)
     * @param timesMs  wall-clock time of each measured call, sorted
     */
    public record Result(String name, int frames, double seconds, double[] timesMs) {
        /** Median call time in ms. */
        public double medianMs() {
            return quantile(0.5);
        }

        /** Real-time factor of the median: processing time / audio duration. */
        public double rtf() {
            return medianMs() / 1000.0 / seconds;
        }

        /** Linear-interpolated quantile of the call times ({@link Stats#quantile}). */
        public double quantile(double q) {
            return new Stats(timesMs).quantile(q);
        }

        /** One line: median, spread and real-time factor. */
        public String line() {
            return String.format(Locale.ROOT,
                    "%-3s %d frames (%.3f s audio): median %.1f ms, IQR %.1f-%.1f ms, min %.1f, max %.1f (n=%d); RTF %.3f (%.1fx real time)",
                    name, frames, seconds, medianMs(), quantile(0.25), quantile(0.75), timesMs[0],
                    timesMs[timesMs.length - 1], timesMs.length, rtf(), 1 / rtf());
        }
    }

    /**
     * Times {@code reps} calls on {@code seconds} of audio worth of frames after {@code warmup}
     * untimed calls.
     */
    public static Result run(String name, HifiGanConfig config, double seconds, int warmup, int reps) {
        if (reps < 1 || warmup < 0 || !(seconds > 0)) {
            throw new IllegalArgumentException("need reps >= 1, warmup >= 0, seconds > 0");
        }
        HifiGan model = HifiGan.random(config, 0);
        int frames = (int) Math.max(1, Math.round(seconds * config.mel().samplingRate() / config.mel().hopSize()));
        Nd4j.getRandom().setSeed(1);
        INDArray mel = Nd4j.randn(DataType.FLOAT, 1, Generator.CONV_PRE_IN_CHANNELS, frames).muli(2).subi(5);
        for (int i = 0; i < warmup; i++) {
            model.vocode(mel);
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            model.vocode(mel);
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        double audioSeconds = (double) frames * config.samplesPerFrame() / config.mel().samplingRate();
        return new Result(name, frames, audioSeconds, t);
    }

    /** Arguments (all optional): seconds of audio (1), warm-up calls (3), timed calls (10). Runs V1 and V2. */
    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        System.out.printf(Locale.ROOT, "HiFi-GAN generator inference, batch 1, float32, random weights;"
                + " OMP_NUM_THREADS=%s OMP_WAIT_POLICY=%s, %d processors%n", env("OMP_NUM_THREADS"),
                env("OMP_WAIT_POLICY"), Runtime.getRuntime().availableProcessors());
        System.out.println(run("V1", HifiGanConfig.v1(), seconds, warmup, reps).line());
        System.out.println(run("V2", HifiGanConfig.v2(), seconds, warmup, reps).line());
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null ? "(unset)" : v;
    }
}
