package org.lockey.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.lockey.io.Tensor;
import org.lockey.model.silentcipher.CarrierDecoder;
import org.lockey.model.silentcipher.CarrierEncoder;
import org.lockey.model.silentcipher.MsgDecoder;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.train.Adam;
import org.lockey.train.WatermarkGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The training-step cases of issue 20, each one step of a shipped training recipe at the recipe's size,
 * with seeded random weights and inputs (data loading and host-side bookkeeping are prepared untimed, the
 * same on both sides; what each case leaves out is said in {@code docs/benchmarks.md}):
 *
 * <ul>
 * <li>{@code watermark_train_step}: one SilentCipher step of {@code ./lockey train watermark} as the demo
 *     recipe runs it ({@link #watermarkTrainStep}).</li>
 * </ul>
 */
final class TrainingCases {
    private TrainingCases() {
    }

    /** The shipped recipe's watermark (demo recipe, 22.05 kHz branch): crops per step. */
    static final int WATERMARK_BATCH = 8;
    /** The shipped recipe's crop length in seconds. */
    static final double WATERMARK_CROP_SECONDS = 0.5;
    /** The shipped recipe's learning rate ({@code --lr 5e-3}) and message SDR ({@code --sdr 10}). */
    static final double WATERMARK_LR = 5e-3;
    static final double WATERMARK_SDR_DB = 10;
    /** {@code train watermark}'s default weight of the message cross-entropy. */
    static final double WATERMARK_MSG_WEIGHT = 20;
    /** Standard deviation of the fixed additive noise that stands for the step's distortion. */
    static final double WATERMARK_NOISE_STD = 1e-3;

    /**
     * One step of {@link org.lockey.train.WatermarkTrainer} on {@link WatermarkGraph} at the recipe's size:
     * 22.05 kHz, carrier width 4, message decoder 16 channels x 3 layers, batch 8 crops of 0.5 s, message SDR
     * 10 dB, Adam lr 5e-3, message weight 20, no carrier term. Timed on our side: pass 1 (the watermarked
     * crops, which the trainer needs to compute a distortion), pass 2 (loss and gradients through the
     * straight-through distortion) and the Adam update; the peer does the same step the way PyTorch does it,
     * one forward (the residual added to the differentiable iSTFT output) and one backward, then
     * {@code torch.optim.Adam}. The distortion is a fixed additive noise (its residual {@code d(y) - y} does
     * not depend on y), drawn once, untimed, the same on both sides; the carrier (STFT magnitude and phase of
     * the crops) and the messages are inputs, prepared untimed as the trainer prepares them on the host. The
     * BatchNorm running-statistics update (host bookkeeping after the step) is left out on both sides.
     */
    static BenchCase watermarkTrainStep() {
        SilentCipherConfig config = SilentCipherConfig.sc22k(16).withMsgDecoder(16, 3).withCarrierWidth(4)
                .withMessageSdr(WATERMARK_SDR_DB);
        int batch = WATERMARK_BATCH;
        int length = (int) Math.round(WATERMARK_CROP_SECONDS * config.sampleRate());
        return new BenchCase("watermark_train_step", "silentcipher.train_step",
                "SilentCipher watermark step, 22.05 kHz, w 4, dec 16x3, batch 8 x 0.5 s", batch * WATERMARK_CROP_SECONDS,
                () -> {
                    WatermarkGraph graph = new WatermarkGraph(config, length, WATERMARK_MSG_WEIGHT, 0, null, 5);
                    int bins = config.bins();
                    int frames = graph.frames();
                    int dim = config.messageDim();
                    SplittableRandom r = new SplittableRandom(6);
                    float[] carrier = new float[batch * bins * frames];
                    float[] cos = new float[carrier.length];
                    float[] sin = new float[carrier.length];
                    for (int i = 0; i < carrier.length; i++) {
                        carrier[i] = (float) Math.abs(0.1 * r.nextGaussian());
                        double phase = 2 * Math.PI * r.nextDouble();
                        cos[i] = (float) Math.cos(phase);
                        sin[i] = (float) Math.sin(phase);
                    }
                    float[] message = new float[batch * dim * frames];
                    long[] target = new long[batch * frames];
                    for (int b = 0; b < batch; b++) {
                        for (int t = 0; t < frames; t++) {
                            int c = r.nextInt(dim);
                            message[(b * dim + c) * frames + t] = 1;
                            target[b * frames + t] = c;
                        }
                    }
                    float[] residual = Cases.noise(batch * length, WATERMARK_NOISE_STD, 7);
                    float scale = (float) Math.pow(10, -config.messageSdr() / 20);
                    INDArray residualNd = Nd4j.create(residual, new long[] {batch, length}, DataType.FLOAT);
                    WatermarkGraph.Inputs in = new WatermarkGraph.Inputs(
                            Nd4j.create(carrier, new long[] {batch, 1, bins, frames}, DataType.FLOAT),
                            Nd4j.create(cos, new long[] {batch, 1, bins, frames}, DataType.FLOAT),
                            Nd4j.create(sin, new long[] {batch, 1, bins, frames}, DataType.FLOAT),
                            Nd4j.create(message, new long[] {batch, 1, dim, frames}, DataType.FLOAT),
                            Nd4j.scalar(DataType.FLOAT, scale),
                            Nd4j.createFromArray(toInts(target)).reshape(batch, frames));
                    Map<String, Tensor> weights = new TreeMap<>();
                    graph.stateDict().keySet().forEach(k -> weights.put(k, Tensor.of(k, graph.sd().getVariable(k).getArr())));
                    Map<String, Tensor> inputs = new LinkedHashMap<>();
                    inputs.put("carrier", Tensor.ofFloats("carrier", carrier, batch, 1, bins, frames));
                    inputs.put("phase_cos", Tensor.ofFloats("phase_cos", cos, batch, 1, bins, frames));
                    inputs.put("phase_sin", Tensor.ofFloats("phase_sin", sin, batch, 1, bins, frames));
                    inputs.put("message", Tensor.ofFloats("message", message, batch, 1, dim, frames));
                    inputs.put("message_scale", Tensor.ofFloats("message_scale", new float[] {scale}, 1));
                    inputs.put("target", Tensor.ofLongs("target", target, batch, frames));
                    inputs.put("residual", Tensor.ofFloats("residual", residual, batch, length));
                    ObjectNode cfg = JsonNodeFactory.instance.objectNode();
                    cfg.set("silentcipher", config.toJson());
                    cfg.put("lr", WATERMARK_LR);
                    cfg.put("msg_weight", WATERMARK_MSG_WEIGHT);
                    cfg.put("magnitude_eps", SilentCipher.MAGNITUDE_EPS);
                    // forward + backward of the 2-D convolutions, about 3x the forward
                    double forward = Flops.conv2dGrid(weights, List.of(CarrierEncoder.PREFIX + ".", CarrierDecoder.PREFIX + "."),
                            bins, frames) + Flops.conv2dGrid(weights, List.of(MsgDecoder.PREFIX + "."),
                                    config.messageBandSize(), frames);
                    double gflop = 3 * batch * forward / 1e9;
                    Adam adam = new Adam(Adam.Config.adam(WATERMARK_LR));
                    return new BenchCase.Prepared(cfg, weights, inputs, List.of("loss"), gflop, () -> {
                        graph.watermarked(in);                                      // pass 1, as the trainer runs it
                        WatermarkGraph.Pass pass = graph.lossAndGradients(in, residualNd);
                        adam.step(graph.parameterArrays(), pass.gradients());
                        return Map.of("loss", Tensor.ofFloats("loss", new float[] {(float) pass.loss()}, 1));
                    });
                });
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }
}
