package org.lockey.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;

import org.bytedeco.javacpp.Pointer;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.train.Adam;
import org.lockey.train.VocoderTrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Time of one HiFi-GAN training step of {@link VocoderTrainer}, split into its phases, on random
 * audio and mels (the data pipeline is not timed): G's forward for y_hat, the D step (refresh of the
 * effective weights, forward and backward of MPD + MSD, chain rule, AdamW), the refresh of the
 * generator graph's discriminator mirror, and the G step (forward and backward of G, the mirror and
 * the losses, AdamW), plus the per-step garbage collection. Medians over the timed steps.
 *
 * <pre>
 *   java -cp target/classes:$(cat target/classpath.txt) org.lockey.bench.VocoderTrainBench \
 *       CONFIG.json SEGMENT BATCH DIVISOR WARMUP STEPS
 * </pre>
 * Run with {@code OMP_WAIT_POLICY=PASSIVE} (docs/benchmarks.md).
 */
public final class VocoderTrainBench {
    private VocoderTrainBench() {
    }

    public static void main(String[] args) {
        if (args.length != 6) {
            System.err.println("usage: VocoderTrainBench CONFIG.json SEGMENT BATCH DIVISOR WARMUP STEPS");
            System.exit(2);
        }
        HifiGanConfig base = HifiGanConfig.load(Path.of(args[0]));
        int segment = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        int divisor = Integer.parseInt(args[3]);
        int warmup = Integer.parseInt(args[4]);
        int steps = Integer.parseInt(args[5]);
        HifiGanConfig.Training t = base.training();
        HifiGanConfig c = new HifiGanConfig(base.resblock(), base.upsampleRates(), base.upsampleKernelSizes(),
                base.upsampleInitialChannel(), base.resblockKernelSizes(), base.resblockDilationSizes(), base.numMels(),
                base.mel(), new HifiGanConfig.Training(t.learningRate(), t.adamB1(), t.adamB2(), t.lrDecay(), batch, segment,
                        t.seed()));
        VocoderTrainer.checkTrainable(c);
        long b0 = System.nanoTime();
        VocoderTrainer.DiscriminatorGraph disc = new VocoderTrainer.DiscriminatorGraph(c, divisor, null, "(bench)", 1);
        VocoderTrainer.GeneratorGraph gen = new VocoderTrainer.GeneratorGraph(c, null, "(bench)", 1, disc);
        double build = (System.nanoTime() - b0) / 1e9;
        Adam adamG = new Adam(Adam.Config.adamW(t.learningRate(), t.adamB1(), t.adamB2()));
        Adam adamD = new Adam(Adam.Config.adamW(t.learningRate(), t.adamB1(), t.adamB2()));
        int frames = segment / c.mel().hopSize();
        VocoderTrainer.Batch b = new VocoderTrainer.Batch(
                Nd4j.rand(DataType.FLOAT, batch, 1, segment).subi(0.5).muli(0.5),
                Nd4j.rand(DataType.FLOAT, batch, c.numMels(), frames).muli(6).subi(8),
                Nd4j.rand(DataType.FLOAT, batch, c.numMels(), frames).muli(6).subi(8));
        String[] names = {"G forward", "D step", "mirror refresh", "G step", "gc", "total"};
        double[][] times = new double[names.length][steps];
        Function<String, INDArray> state = k -> disc.sd.getVariable(k).getArr();
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            INDArray yHat = gen.generate(b.mel());
            long t1 = System.nanoTime();
            disc.step(b.audio(), yHat, adamD);
            long t2 = System.nanoTime();
            gen.mirror.forEach(w -> w.refresh(state, true));
            long t3 = System.nanoTime();
            // The G step refreshes the mirror itself; the extra refresh above only times that part and is
            // left out of the total.
            gen.step(b, adamG, disc);
            long t4 = System.nanoTime();
            System.gc();
            long t5 = System.nanoTime();
            if (i >= warmup) {
                long[] ts = {t0, t1, t2, t3, t4, t5};
                for (int p = 0; p < 5; p++) {
                    times[p][i - warmup] = (ts[p + 1] - ts[p]) / 1e9;
                }
                times[5][i - warmup] = (t5 - t0 - (t3 - t2)) / 1e9;
            }
        }
        System.out.printf(Locale.ROOT, "%s: upsample_initial_channel %d, segment %d, batch %d, discriminator divisor %d;"
                + " graphs built in %.1f s; RSS %.1f GB; OMP_WAIT_POLICY=%s, %d processors%n", args[0],
                c.upsampleInitialChannel(), segment, batch, divisor, build, Pointer.physicalBytes() / 1e9,
                System.getenv("OMP_WAIT_POLICY"), Runtime.getRuntime().availableProcessors());
        for (int p = 0; p < names.length; p++) {
            double[] s = times[p].clone();
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "  %-15s median %7.2f s  (min %.2f, max %.2f, n=%d)%n", names[p],
                    s[s.length / 2], s[0], s[s.length - 1], s.length);
        }
    }
}
