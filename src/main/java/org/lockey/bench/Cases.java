package org.lockey.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.lockey.LockeyException;
import org.lockey.audio.MelConfig;
import org.lockey.audio.MelSpectrogram;
import org.lockey.data.AudioDataset;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.CarrierDecoder;
import org.lockey.model.silentcipher.CarrierEncoder;
import org.lockey.model.silentcipher.MsgDecoder;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.train.Curriculum;
import org.lockey.train.HifiGanBranch;
import org.lockey.train.LockeyLoss;
import org.lockey.train.LockeyTrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The benchmark cases of issue 8, each with random (seeded) weights of the stated size: the numbers
 * measure speed, not quality, and both sides run the same weights and inputs.
 *
 * <ul>
 * <li>{@code mel_frontend}: HiFi-GAN's log-mel of 10 s of 22.05 kHz audio.</li>
 * <li>{@code hifigan_v1_infer}, {@code hifigan_v2_infer}: the generator on 86 mel frames (1 s of audio),
 *     batch 1, weight norm folded once.</li>
 * <li>{@code lockey_train_step}: one LOCKEY fine-tuning step of the keyed V2 generator (batch 2 crops of 86
 *     frames = 1 s, key dim 16, hidden 64, no payload clock): student forward with weight norm in the
 *     graph, the frozen message decoder (16 channels x 3 layers, the shipped model's size) on every
 *     example, Eq. 4, backward and Adam. The batch (teacher output, watermarked) is prepared untimed.</li>
 * <li>{@code silentcipher_embed_22k}, {@code silentcipher_detect_22k}: the 22.05 kHz SilentCipher at
 *     upstream size (carrier width 32, message decoder 128 channels x 3 layers) on 10 s of audio.</li>
 * <li>{@code encodec32k_decode}: the MusicGen 32 kHz SEANet decoder on 500 latent frames (10 s).</li>
 * <li>{@code vocoder_gan_step}, {@code watermark_train_step}, {@code codec_train_step}: one step of the shipped
 *     training recipes ({@link TrainingCases}).</li>
 * </ul>
 */
public final class Cases {
    /** Mel frames of one second of 22.05 kHz audio (hop 256), as in the notes' measurements. */
    public static final int FRAMES_1S = 86;

    private Cases() {
    }

    /** Every case, in table order. */
    public static List<BenchCase> all() {
        return List.of(melFrontend(), hifiGan("hifigan_v1_infer", "V1", HifiGanConfig.v1()),
                hifiGan("hifigan_v2_infer", "V2", HifiGanConfig.v2()), lockeyTrainStep(), silentCipherEmbed(),
                silentCipherDetect(), encodecDecode(), TrainingCases.vocoderGanStep(),
                TrainingCases.watermarkTrainStep(), TrainingCases.codecTrainStep());
    }

    /** The cases named in {@code names} (comma-separated in the CLI), in table order. */
    public static List<BenchCase> select(List<String> names) {
        List<BenchCase> all = all();
        List<String> known = all.stream().map(BenchCase::name).toList();
        for (String n : names) {
            if (!known.contains(n)) {
                throw new LockeyException("no benchmark case '" + n + "'; cases: " + String.join(", ", known));
            }
        }
        return all.stream().filter(c -> names.contains(c.name())).toList();
    }

    static BenchCase melFrontend() {
        MelConfig mc = MelConfig.hifiGan();
        double seconds = 10;
        return new BenchCase("mel_frontend", "hifigan.mel", "HiFi-GAN log-mel, 10 s at 22.05 kHz", seconds, () -> {
            float[] audio = noise((int) (seconds * mc.samplingRate()), 0.1, 1);
            MelSpectrogram front = new MelSpectrogram(mc);
            ObjectNode cfg = JsonNodeFactory.instance.objectNode();
            cfg.put("sampling_rate", mc.samplingRate()).put("n_fft", mc.nFft()).put("num_mels", mc.numMels())
                    .put("hop_size", mc.hopSize()).put("win_size", mc.winSize()).put("fmin", mc.fmin())
                    .put("fmax", mc.fmax()).put("center", mc.center());
            return new BenchCase.Prepared(cfg, Map.of(), Map.of("audio", Tensor.ofFloats("audio", audio, 1, audio.length)),
                    List.of("mel"), 0, () -> {
                        float[][] m = front.apply(audio);
                        return Map.of("mel", Tensor.of("mel", Nd4j.createFromArray(m).reshape(1, m.length, m[0].length)));
                    });
        });
    }

    static BenchCase hifiGan(String name, String label, HifiGanConfig config) {
        double seconds = (double) FRAMES_1S * config.samplesPerFrame() / config.mel().samplingRate();
        return new BenchCase(name, "hifigan.generator", "HiFi-GAN " + label + " inference, 86 frames (1 s)", seconds, () -> {
            HifiGan model = HifiGan.random(config, 0);
            Nd4j.getRandom().setSeed(1);
            INDArray mel = Nd4j.randn(DataType.FLOAT, 1, config.numMels(), FRAMES_1S).muli(2).subi(5);
            return new BenchCase.Prepared(config.toJson(), model.stateDict(), Map.of("mel", Tensor.of("mel", mel)),
                    List.of("audio"), Flops.hifiGan(config, FRAMES_1S) / 1e9,
                    () -> Map.of("audio", Tensor.of("audio", model.vocode(mel))));
        });
    }

    static BenchCase lockeyTrainStep() {
        HifiGanConfig config = HifiGanConfig.v2();
        int batch = 2;
        double seconds = (double) FRAMES_1S * config.samplesPerFrame() / config.mel().samplingRate();
        return new BenchCase("lockey_train_step", "lockey.train_step",
                "LOCKEY fine-tuning step, keyed V2, batch 2 x 1 s", seconds * batch, () -> {
                    int rate = config.mel().samplingRate();
                    List<float[]> clips = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        clips.add(noise(2 * rate, 0.1, 10 + i));
                    }
                    AudioDataset data = AudioDataset.of(Path.of("bench"), rate, clips);
                    SilentCipher wm = SilentCipher.initialised(
                            SilentCipherConfig.sc22k(16).withMsgDecoder(16, 3).withCarrierWidth(4), 3);
                    KeyRegistry registry = KeyRegistry.create("bench", 16, 16, 4);
                    LockeyLoss.Lambdas lambdas = LockeyLoss.Lambdas.ones();
                    double lr = 1e-4;
                    LockeyTrainer.Config tc = new LockeyTrainer.Config(new LockeyTrainer.Run(batch, 1000, 1000, 0, 5, lr),
                            Curriculum.paper(), lambdas, wm.config().messageSdr(),
                            new LockeyTrainer.KeyPath(16, 64, LockeyTrainer.PayloadClock.OFF, 0),
                            new LockeyTrainer.ValidationSet(1, 1), LockeyTrainer.Design.PAPER);
                    LockeyTrainer trainer = new LockeyTrainer(tc, new HifiGanBranch(HifiGan.random(config, 0), FRAMES_1S, 0),
                            wm, registry, data, data);
                    trainer.start();
                    LockeyTrainer.Batch bt = mixedBatch(trainer);
                    Map<String, Tensor> weights = new TreeMap<>(trainer.weights());
                    wm.weights().forEach((k, v) -> {
                        if (k.startsWith(MsgDecoder.PREFIX + ".")) {
                            weights.put(k, v);
                        }
                    });
                    long[] valid = new long[batch];
                    for (int i = 0; i < batch; i++) {
                        valid[i] = bt.valid()[i] ? 1 : 0;
                    }
                    Map<String, Tensor> inputs = new LinkedHashMap<>();
                    inputs.put("mel", Tensor.of("mel", bt.input()));
                    inputs.put("key_bits", Tensor.of("key_bits", Key.bitMatrix(bt.keys())));
                    inputs.put("teacher", Tensor.of("teacher", bt.teacher()));
                    inputs.put("symbols", Tensor.of("symbols", bt.symbols()));
                    inputs.put("valid", Tensor.ofLongs("valid", valid, batch));
                    inputs.put("tau", Tensor.ofFloats("tau", new float[] {(float) Curriculum.paper().tau(0)}, 1));
                    ObjectNode cfg = JsonNodeFactory.instance.objectNode();
                    cfg.set("generator", config.toJson());
                    cfg.set("key", trainer.keyConfig().toJson());
                    cfg.set("silentcipher", wm.config().toJson());
                    cfg.putArray("lambdas").add(lambdas.wm()).add(lambdas.p()).add(lambdas.s()).add(lambdas.v());
                    cfg.put("lr", lr);
                    cfg.put("magnitude_eps", SilentCipher.MAGNITUDE_EPS);
                    // Forward + backward of the generator is about 3x its forward; D_m is small beside it.
                    double gflop = 3 * batch * Flops.hifiGan(config, FRAMES_1S) / 1e9;
                    return new BenchCase.Prepared(cfg, weights, inputs, List.of("total"), gflop, () -> {
                        double loss = trainer.trainStep(bt).get("loss");
                        return Map.of("total", Tensor.ofFloats("total", new float[] {(float) loss}, 1));
                    });
                });
    }

    /** The first batch (from step 0 on) holding both a valid and an invalid key, so that every loss term runs. */
    private static LockeyTrainer.Batch mixedBatch(LockeyTrainer trainer) {
        for (long s = 0; s < 1000; s++) {
            LockeyTrainer.Batch bt = trainer.batch(s);
            boolean anyValid = false;
            boolean anyInvalid = false;
            for (boolean v : bt.valid()) {
                anyValid |= v;
                anyInvalid |= !v;
            }
            if (anyValid && anyInvalid) {
                return bt;
            }
        }
        throw new IllegalStateException("no mixed batch in 1000 steps");
    }

    /** The upstream-size 22.05 kHz SilentCipher (carrier width 32, message decoder 128 x 3), seeded. */
    private static SilentCipher upstreamSize22k() {
        return SilentCipher.initialised(SilentCipherConfig.sc22k(16).withMsgDecoder(128, 3), 7);
    }

    static BenchCase silentCipherEmbed() {
        double seconds = 10;
        return new BenchCase("silentcipher_embed_22k", "silentcipher.embed",
                "SilentCipher embed, 22.05 kHz, 10 s", seconds, () -> {
                    SilentCipher sc = upstreamSize22k();
                    SilentCipherConfig c = sc.config();
                    float[] audio = noise((int) (seconds * c.sampleRate()), 0.1, 2);
                    int[] symbols = new int[c.messageLen() - 1];
                    SplittableRandom r = new SplittableRandom(3);
                    long[] sym = new long[symbols.length];
                    for (int i = 0; i < symbols.length; i++) {
                        symbols[i] = r.nextInt(c.messageDim() - 1);
                        sym[i] = symbols[i];
                    }
                    Map<String, Tensor> inputs = new LinkedHashMap<>();
                    inputs.put("audio", Tensor.ofFloats("audio", audio, 1, audio.length));
                    inputs.put("message_symbols", Tensor.ofLongs("message_symbols", sym, sym.length));
                    long frames = c.frames(audio.length);
                    double gflop = Flops.conv2dGrid(sc.weights(), List.of(CarrierEncoder.PREFIX + ".",
                            CarrierDecoder.PREFIX + "."), c.bins(), frames) / 1e9;
                    return new BenchCase.Prepared(c.toJson(), sc.weights(), inputs, List.of("audio_watermarked"), gflop,
                            () -> {
                                float[] y = sc.embed(audio, symbols).watermarked();
                                return Map.of("audio_watermarked", Tensor.ofFloats("audio_watermarked", y, 1, y.length));
                            });
                });
    }

    static BenchCase silentCipherDetect() {
        double seconds = 10;
        return new BenchCase("silentcipher_detect_22k", "silentcipher.decode",
                "SilentCipher detect (decoder), 22.05 kHz, 10 s", seconds, () -> {
                    SilentCipher sc = upstreamSize22k();
                    SilentCipherConfig c = sc.config();
                    float[] audio = noise((int) (seconds * c.sampleRate()), 0.1, 4);
                    long frames = c.frames(audio.length);
                    double gflop = Flops.conv2dGrid(sc.weights(), List.of(MsgDecoder.PREFIX + "."), c.messageBandSize(),
                            frames) / 1e9;
                    return new BenchCase.Prepared(c.toJson(), sc.weights(),
                            Map.of("audio_watermarked", Tensor.ofFloats("audio_watermarked", audio, 1, audio.length)),
                            List.of("decoder_out"), gflop,
                            () -> Map.of("decoder_out", Tensor.of("decoder_out", sc.decode(audio).logits())));
                });
    }

    static BenchCase encodecDecode() {
        CompressionConfig config = CompressionConfig.musicgen32k();
        int frames = 500;
        double seconds = (double) frames * config.seanet().hopLength() / config.sampleRate();
        return new BenchCase("encodec32k_decode", "encodec.seanet_decoder",
                "Encodec 32 kHz SEANet decoder (MusicGen size), 500 frames (10 s)", seconds, () -> {
                    Encodec model = Encodec.random(config, 0, false).withChunkFrames(frames);
                    Nd4j.getRandom().setSeed(2);
                    INDArray latentNd = Nd4j.randn(DataType.FLOAT, 1, config.seanet().dimension(), frames);
                    float[][] latent = latentNd.reshape(config.seanet().dimension(), frames).toFloatMatrix();
                    Map<String, Tensor> weights = new TreeMap<>();
                    model.weights().forEach((k, v) -> {
                        if (k.startsWith("decoder.")) {
                            String key = k.substring("decoder.".length());
                            weights.put(key, new Tensor(key, v.dtype(), v.shape(), v.data()));
                        }
                    });
                    return new BenchCase.Prepared(config.seanet().toJson(), weights,
                            Map.of("latent", Tensor.of("latent", latentNd)), List.of("audio"),
                            Flops.seanetDecoder(config.seanet(), frames) / 1e9, () -> {
                                float[] y = model.decodeLatent(latent);
                                return Map.of("audio", Tensor.ofFloats("audio", y, 1, 1, y.length));
                            });
                });
    }

    /** Seeded Gaussian noise of standard deviation {@code std}. */
    static float[] noise(int n, double std, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = 1 - r.nextDouble();
            double u2 = r.nextDouble();
            x[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return x;
    }
}
