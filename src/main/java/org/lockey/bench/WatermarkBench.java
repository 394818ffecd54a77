package org.lockey.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.train.WatermarkGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Time of one watermark training step ({@link WatermarkGraph}) without data loading or distortion:
 * pass 1 (the watermarked crops) and pass 2 (loss and gradients) on seeded random inputs of the real
 * shapes, median over the timed steps after one untimed step (which also builds the gradient graph).
 * The Adam update is not included (it is small next to the passes). Run with
 * {@code OMP_WAIT_POLICY=PASSIVE}.
 */
public final class WatermarkBench {
    private WatermarkBench() {
    }

    /**
     * One measurement.
     *
     * @param label   what was timed
     * @param pass1Ms median time of pass 1
     * @param pass2Ms median time of pass 2
     * @param reps    timed steps
     */
    public record Result(String label, double pass1Ms, double pass2Ms, int reps) {
        /** One line for the report. */
        public String line() {
            return String.format(Locale.ROOT, "%s: pass 1 %.0f ms, pass 2 %.0f ms, step %.2f s (median of %d)", label,
                    pass1Ms, pass2Ms, (pass1Ms + pass2Ms) / 1000, reps);
        }
    }

    /** Times {@code reps} steps of batch {@code batch} and crops of {@code length} samples. */
    public static Result run(SilentCipherConfig config, int batch, int length, int reps) {
        WatermarkGraph g = new WatermarkGraph(config, length, 20, 0, null, 1);
        int bins = config.bins();
        int frames = g.frames();
        int dim = config.messageDim();
        SplittableRandom r = new SplittableRandom(1);
        float[] carrier = new float[batch * bins * frames];
        for (int i = 0; i < carrier.length; i++) {
            carrier[i] = (float) Math.abs(0.1 * r.nextGaussian());
        }
        float[] message = new float[batch * dim * frames];
        int[] target = new int[batch * frames];
        for (int i = 0; i < batch; i++) {
            for (int t = 0; t < frames; t++) {
                int c = r.nextInt(dim);
                message[(i * dim + c) * frames + t] = 1;
                target[i * frames + t] = c;
            }
        }
        WatermarkGraph.Inputs in = new WatermarkGraph.Inputs(
                Nd4j.create(carrier, new long[] {batch, 1, bins, frames}, DataType.FLOAT),
                Nd4j.ones(DataType.FLOAT, batch, 1, bins, frames), Nd4j.zeros(DataType.FLOAT, batch, 1, bins, frames),
                Nd4j.create(message, new long[] {batch, 1, dim, frames}, DataType.FLOAT),
                Nd4j.scalar(DataType.FLOAT, Math.pow(10, -config.messageSdr() / 20)),
                Nd4j.createFromArray(target).reshape(batch, frames));
        INDArray residual = Nd4j.zeros(DataType.FLOAT, batch, length);
        double[] t1 = new double[reps];
        double[] t2 = new double[reps];
        for (int i = -1; i < reps; i++) {
            long a = System.nanoTime();
            g.watermarked(in);
            long b = System.nanoTime();
            g.lossAndGradients(in, residual);
            long c = System.nanoTime();
            if (i >= 0) {
                t1[i] = (b - a) / 1e6;
                t2[i] = (c - b) / 1e6;
            }
        }
        Arrays.sort(t1);
        Arrays.sort(t2);
        String label = String.format(Locale.ROOT, "%d Hz, dec_m_0 %d x %d, batch %d x %d samples (%d frames)",
                config.sampleRate(), config.msgDecoderChannels(), config.msgDecoderLayers(), batch, length, frames);
        return new Result(label, t1[reps / 2], t2[reps / 2], reps);
    }
}
