package org.lockey.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.lockey.audio.MelSpectrogram;
import org.lockey.data.AudioDataset;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.Codebooks;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.RvqConfig;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.model.silentcipher.CarrierDecoder;
import org.lockey.model.silentcipher.CarrierEncoder;
import org.lockey.model.silentcipher.MsgDecoder;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.train.Adam;
import org.lockey.train.CodecDecoderTrainer;
import org.lockey.train.CodecTrainer;
import org.lockey.train.LearnedCodebooks;
import org.lockey.train.VocoderTrainer;
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
 * <li>{@code vocoder_gan_step}: one HiFi-GAN step of {@code ./lockey train vocoder} as the shipped recipe
 *     runs it ({@link #vocoderGanStep}).</li>
 * <li>{@code watermark_train_step}: one SilentCipher step of {@code ./lockey train watermark} as the demo
 *     recipe runs it ({@link #watermarkTrainStep}).</li>
 * <li>{@code codec_train_step}: one step of {@code ./lockey train codec} at the small preset
 *     ({@link #codecTrainStep}).</li>
 * </ul>
 */
final class TrainingCases {
    private TrainingCases() {
    }

    /** {@code --discriminator-channel-divisor} of the shipped vocoder recipe. */
    static final int VOCODER_DISCRIMINATOR_DIVISOR = 8;

    /**
     * The shipped vocoder recipe's config, {@code docs/configs/hifigan_v2.json}: HiFi-GAN V2's generator
     * ({@code upsample_initial_channel} 128) with the demo's training fields (segment 8192, batch 2, AdamW
     * lr 5e-4, betas 0.8/0.99, decay 0.999, seed 1234). Built here rather than read at run time, so that the
     * case does not depend on the working directory; a test pins it to the file.
     */
    static HifiGanConfig vocoderRecipe() {
        HifiGanConfig v2 = HifiGanConfig.v2();
        return new HifiGanConfig(v2.resblock(), v2.upsampleRates(), v2.upsampleKernelSizes(), v2.upsampleInitialChannel(),
                v2.resblockKernelSizes(), v2.resblockDilationSizes(), v2.numMels(), v2.mel(),
                new HifiGanConfig.Training(5e-4, 0.8, 0.99, 0.999, 2, 8192, 1234));
    }

    /**
     * One step of {@link VocoderTrainer} (upstream {@code train.py}'s loop body) at the shipped recipe's size
     * ({@link #vocoderRecipe()}, discriminator widths / 8): y_hat = G(mel); the D step (MPD + MSD on y and
     * y_hat, LSGAN loss, backward, AdamW); the G step with the updated D (adversarial + 2 x feature matching +
     * 45 x mel L1, backward, AdamW). Ours runs the trainer's two graphs as the trainer does (G's forward twice,
     * the mirror refresh, the per-step {@code System.gc()} the trainer needs to keep its native memory
     * bounded); the peer forwards G once, as upstream does, and freezes D during the G step. The batch (crops,
     * input and loss log-mels) is an input, prepared untimed; the learning rate is the first epoch's.
     */
    static BenchCase vocoderGanStep() {
        HifiGanConfig config = vocoderRecipe();
        int batch = config.training().batchSize();
        int segment = config.training().segmentSize();
        int divisor = VOCODER_DISCRIMINATOR_DIVISOR;
        double seconds = (double) segment / config.mel().samplingRate();
        return new BenchCase("vocoder_gan_step", "hifigan.train_step",
                "HiFi-GAN GAN step, V2 generator, D widths / 8, batch 2 x 8192", batch * seconds, () -> {
                    VocoderTrainer.checkTrainable(config);
                    Map<String, Tensor> genWeights = HifiGan.random(config, 11).stateDict();
                    VocoderTrainer.DiscriminatorGraph disc = new VocoderTrainer.DiscriminatorGraph(config, divisor, null,
                            "(bench)", 12);
                    Map<String, Tensor> discWeights = disc.stateDict();
                    VocoderTrainer.GeneratorGraph gen = new VocoderTrainer.GeneratorGraph(config, genWeights, "(bench)", 13,
                            disc);
                    HifiGanConfig.Training t = config.training();
                    Adam adamG = new Adam(Adam.Config.adamW(t.learningRate(), t.adamB1(), t.adamB2()));
                    Adam adamD = new Adam(Adam.Config.adamW(t.learningRate(), t.adamB1(), t.adamB2()));
                    MelSpectrogram inputMel = new MelSpectrogram(config.melConfig());
                    MelSpectrogram lossMel = new MelSpectrogram(config.lossMelConfig());
                    int frames = segment / config.mel().hopSize();
                    int mels = config.numMels();
                    float[] audio = new float[batch * segment];
                    float[] mel = new float[batch * mels * frames];
                    float[] yMel = new float[batch * mels * frames];
                    for (int b = 0; b < batch; b++) {
                        float[] crop = Cases.noise(segment, 0.2, 20 + b);
                        System.arraycopy(crop, 0, audio, b * segment, segment);
                        flatten(inputMel.apply(crop), mel, b * mels * frames);
                        flatten(lossMel.apply(crop), yMel, b * mels * frames);
                    }
                    VocoderTrainer.Batch bt = new VocoderTrainer.Batch(
                            Nd4j.create(audio, new long[] {batch, 1, segment}, DataType.FLOAT),
                            Nd4j.create(mel, new long[] {batch, mels, frames}, DataType.FLOAT),
                            Nd4j.create(yMel, new long[] {batch, mels, frames}, DataType.FLOAT));
                    Map<String, Tensor> weights = new TreeMap<>();
                    genWeights.forEach((k, v) -> weights.put("generator." + k, new Tensor("generator." + k, v.dtype(),
                            v.shape(), v.data())));
                    weights.putAll(discWeights);
                    Map<String, Tensor> inputs = new LinkedHashMap<>();
                    inputs.put("audio", Tensor.ofFloats("audio", audio, batch, 1, segment));
                    inputs.put("mel", Tensor.ofFloats("mel", mel, batch, mels, frames));
                    inputs.put("y_mel", Tensor.ofFloats("y_mel", yMel, batch, mels, frames));
                    ObjectNode cfg = JsonNodeFactory.instance.objectNode();
                    cfg.set("generator", config.toJson());
                    cfg.put("discriminator_channel_divisor", divisor);
                    cfg.put("lr", t.learningRate());
                    cfg.putArray("betas").add(t.adamB1()).add(t.adamB2());
                    cfg.put("weight_decay", Adam.Config.adamW(t.learningRate(), t.adamB1(), t.adamB2()).weightDecay());
                    // G forward + backward (3 G); D step: D on y and y_hat, forward + backward (6 D); G step: D on y,
                    // D on y_hat and its backward to the input (3 D). Mel and losses are a few per cent.
                    double gflop = batch * (3 * Flops.hifiGan(config, frames) + 9 * Flops.hifiGanDiscriminators(divisor,
                            segment)) / 1e9;
                    return new BenchCase.Prepared(cfg, weights, inputs, List.of("loss_disc_all", "loss_gen_all"), gflop,
                            () -> {
                                INDArray yHat = gen.generate(bt.mel());
                                double d = disc.step(bt.audio(), yHat, adamD).get("loss_disc_all");
                                double g = gen.step(bt, adamG, disc).get("loss_gen_all");
                                System.gc();                                       // as the trainer's loop, every step
                                return Map.of("loss_disc_all", scalar("loss_disc_all", d),
                                        "loss_gen_all", scalar("loss_gen_all", g));
                            });
                });
    }

    /** {@code ./lockey train codec}'s defaults: batch 4 crops of 1 s. */
    static final int CODEC_BATCH = 4;
    static final double CODEC_CROP_SECONDS = 1.0;

    /**
     * One step of {@link CodecTrainer} ({@code ./lockey train codec}) at the small preset with the command's
     * defaults (batch 4 crops of 1 s at 32 kHz, Adam lr 1e-3 betas 0.5/0.9, lambda_wav 0.1, lambda_stft 1 over
     * n_fft 2048 ... 128, commitment weight 1): encoder forward, residual vector quantisation of the latent
     * (nearest entry per stage, in double precision), decoder forward with the straight-through estimator,
     * waveform L1 + multi-scale STFT loss + commitment loss, backward, Adam. The codebooks are fixed (seeded
     * random entries of the latent's scale): their EMA update, dead-code replacement and k-means
     * initialisation are host-side bookkeeping after the quantisation, left out on both sides. Ours runs the
     * trainer's two graphs (the encoder forward twice: once for z, once inside its gradient pass); the peer
     * one forward and one backward. The crops are inputs, prepared untimed.
     */
    static BenchCase codecTrainStep() {
        CompressionConfig model = CodecDecoderTrainer.Preset.SMALL.config();
        int rate = model.sampleRate();
        int hop = model.seanet().hopLength();
        int frames = (int) Math.round(CODEC_CROP_SECONDS * rate / hop);
        int length = frames * hop;
        int batch = CODEC_BATCH;
        return new BenchCase("codec_train_step", "encodec.train_step",
                "EnCodec small preset step, 32 kHz, batch 4 x 1 s", batch * (double) length / rate, () -> {
                    CodecTrainer.Config tc = CodecTrainer.Config.defaults(batch, frames, 1000, 1000, 0, 3);
                    List<float[]> clips = List.of(Cases.noise(2 * rate, 0.1, 30), Cases.noise(2 * rate, 0.1, 31));
                    AudioDataset data = AudioDataset.of(Path.of("bench"), rate, clips);
                    CodecTrainer trainer = new CodecTrainer(tc, model, data, data);
                    Map<String, Tensor> start = CodecTrainer.initialWeights(model, 4);
                    trainer.start(start, "(bench)");
                    RvqConfig rvq = model.rvq();
                    float[][][] books = new float[rvq.nQ()][rvq.bins()][rvq.dimension()];
                    float[] flatBooks = new float[rvq.nQ() * rvq.bins() * rvq.dimension()];
                    SplittableRandom r = new SplittableRandom(8);
                    int at = 0;
                    for (int k = 0; k < rvq.nQ(); k++) {
                        for (int j = 0; j < rvq.bins(); j++) {
                            for (int c = 0; c < rvq.dimension(); c++) {
                                books[k][j][c] = (float) (CODEBOOK_STD / (k + 1) * r.nextGaussian());
                                flatBooks[at++] = books[k][j][c];
                            }
                        }
                    }
                    float[] audio = new float[batch * length];
                    for (int b = 0; b < batch; b++) {
                        System.arraycopy(Cases.noise(length, 0.1, 40 + b), 0, audio, b * length, length);
                    }
                    INDArray audioNd = Nd4j.create(audio, new long[] {batch, 1, length}, DataType.FLOAT);
                    Map<String, Tensor> weights = new TreeMap<>(start);
                    Map<String, Tensor> inputs = new LinkedHashMap<>();
                    inputs.put("audio", Tensor.ofFloats("audio", audio, batch, 1, length));
                    inputs.put("codebooks", Tensor.ofFloats("codebooks", flatBooks, rvq.nQ(), rvq.bins(), rvq.dimension()));
                    ObjectNode cfg = JsonNodeFactory.instance.objectNode();
                    cfg.set("seanet", model.seanet().toJson());
                    cfg.put("lr", tc.adam().lr());
                    cfg.putArray("betas").add(tc.adam().beta1()).add(tc.adam().beta2());
                    cfg.put("eps", tc.adam().eps());
                    cfg.put("lambda_wav", tc.lambdaWav());
                    cfg.put("lambda_stft", tc.lambdaStft());
                    tc.stftLoss().nFfts().forEach(cfg.putArray("stft_n_fft")::add);
                    cfg.put("stft_floor", tc.stftLoss().floor());
                    cfg.put("commitment_weight", tc.commitmentWeight());
                    // encoder and decoder, forward + backward (3x the forward); the quantiser's search is small beside
                    double gflop = 3 * batch * (Flops.seanetEncoder(model.seanet(), length)
                            + Flops.seanetDecoder(model.seanet(), frames)) / 1e9;
                    return new BenchCase.Prepared(cfg, weights, inputs, List.of("loss"), gflop, () -> {
                        double loss = trainer.updateOn(audioNd, rows -> fixedRvq(rows, books));
                        System.gc();                                        // as the trainer's loop, every step
                        return Map.of("loss", scalar("loss", loss));
                    });
                });
    }

    /** Standard deviation of the first stage's random codebook entries (stage k: / (k + 1)). */
    static final double CODEBOOK_STD = 0.05;

    /**
     * Residual vector quantisation with fixed codebooks {@code [n_q][bins][D]}: per stage the nearest entry of the
     * residual ({@link Codebooks#nearest}, as encoding and training do), the quantised sum and the commitment
     * targets {@code sum_{j <= k} q_j}; no codebook update.
     */
    static LearnedCodebooks.Step fixedRvq(float[][] rows, float[][][] books) {
        int n = rows.length;
        int d = rows[0].length;
        float[][] residual = new float[n][];
        for (int i = 0; i < n; i++) {
            residual[i] = rows[i].clone();
        }
        float[][] sum = new float[n][d];
        float[][][] cumulative = new float[books.length][][];
        int[][] codes = new int[books.length][];
        for (int k = 0; k < books.length; k++) {
            codes[k] = Codebooks.nearest(residual, books[k]);
            cumulative[k] = new float[n][];
            for (int i = 0; i < n; i++) {
                float[] q = books[k][codes[k][i]];
                for (int c = 0; c < d; c++) {
                    residual[i][c] -= q[c];
                    sum[i][c] += q[c];
                }
                cumulative[k][i] = sum[i].clone();
            }
        }
        return new LearnedCodebooks.Step(sum, cumulative, codes, new int[books.length], new boolean[books.length]);
    }

    private static void flatten(float[][] m, float[] dst, int offset) {
        for (int k = 0; k < m.length; k++) {
            System.arraycopy(m[k], 0, dst, offset + k * m[k].length, m[k].length);
        }
    }

    private static Tensor scalar(String name, double v) {
        return Tensor.ofFloats(name, new float[] {(float) v}, 1);
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
