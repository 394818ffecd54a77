package org.lockey.model.lockey;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;
import org.lockey.io.Json;
import org.lockey.io.SafeTensors;
import org.lockey.io.StateDict;
import org.lockey.io.Tensor;
import org.lockey.model.hifigan.Generator;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.nn.Inference;
import org.lockey.nn.LayerNoise;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A keyed HiFi-GAN as a user receives it: the fine-tuned generator and the key modules in one
 * model directory, and an inference graph that turns a mel and a key into audio.
 *
 * <p>Directory: {@code model.safetensors} (the upstream generator keys plus {@code key_embedding.*},
 * {@code key_encoder.*}, {@code verifier.*}) and {@code config.json}
 * ({@code {"kind": "lockey-hifigan", "generator": {...upstream config...}, "key": {...},
 * "injection_stage": 0}}); a trained run also holds the watermark decoder it was trained with in
 * {@code watermark/}, for tracing.
 */
public final class KeyedHifiGan {
    /** Weights file. */
    public static final String MODEL_FILE = "model.safetensors";
    /** Config file. */
    public static final String CONFIG_FILE = "config.json";
    /** The {@code kind} written into the config. */
    public static final String KIND = "lockey-hifigan";
    /** Where a trained model keeps its watermark decoder. */
    public static final String WATERMARK_DIR = "watermark";

    private final HifiGanConfig generator;
    private final KeyConfig key;
    private final int injectionStage;
    private final SameDiff sd;
    private final KeyedGenerator keyed;
    private final KeyedGenerator.Outputs outputs;
    private final Map<String, long[]> shapes;
    private final Map<String, Tensor> weights;
    private final String source;
    /** The noise on the generator's layers (§V-C white-box attack), or null for the plain model. */
    private final LayerNoise noise;

    private KeyedHifiGan(HifiGanConfig generator, KeyConfig key, int injectionStage, Map<String, Tensor> weights,
            String source, boolean layerNoise) {
        this.generator = generator;
        this.key = key;
        this.injectionStage = injectionStage;
        this.weights = weights;
        this.source = source;
        this.sd = SameDiff.create();
        Scope root = Scope.root(sd, weights, source, DataType.FLOAT, true, 0);
        this.noise = layerNoise ? new LayerNoise(KeyedGenerator::isGeneratorLayer) : null;
        if (noise != null) {
            root.build().tapLayers(noise);
        }
        SDVariable mel = sd.placeHolder("mel", DataType.FLOAT, -1, generator.numMels(), -1);
        SDVariable bits = sd.placeHolder("key_bits", DataType.INT64, -1, key.keyBits());
        this.keyed = KeyedGenerator.hifiGan(generator, key, injectionStage);
        this.outputs = keyed.build(root, mel, bits);
        root.build().checkLoaded();
        this.shapes = root.build().created();
    }

    /** A keyed model from weights (all keys required). */
    public static KeyedHifiGan of(HifiGanConfig generator, KeyConfig key, int injectionStage, Map<String, Tensor> weights,
            String source) {
        return new KeyedHifiGan(generator, key, injectionStage, weights, source, false);
    }

    /**
     * The same model with additive Gaussian noise on the output of every generator layer (paper §V-C,
     * the white-box attack): each Conv1d and ConvTranspose1d of the HiFi-GAN generator ({@code conv_pre},
     * {@code ups.i}, every {@code resblocks.j.convs*.m}, {@code conv_post}), not the key path. Run it with
     * {@link #generate(INDArray, Key[], long, double, long)} or {@link #generateChunked(float[][], Key, int, double, long)}.
     */
    public KeyedHifiGan withLayerNoise() {
        return new KeyedHifiGan(generator, key, injectionStage, weights, source, true);
    }

    /** The keys of the layers {@link #withLayerNoise} perturbs, in graph order (empty for the plain model). */
    public java.util.List<String> perturbedLayers() {
        return noise == null ? java.util.List.of() : noise.points().stream().map(LayerNoise.Point::layer).toList();
    }

    /** Loads a model directory; a clear error when it is not a keyed HiFi-GAN. */
    public static KeyedHifiGan load(Path dir) {
        JsonNode cfg = readConfig(dir);
        HifiGanConfig gen = HifiGanConfig.fromJson(cfg.get("generator"), dir.resolve(CONFIG_FILE) + " (generator)");
        KeyConfig key = KeyConfig.fromJson(cfg.get("key"));
        int stage = cfg.path("injection_stage").asInt(0);
        Path weights = dir.resolve(MODEL_FILE);
        return new KeyedHifiGan(gen, key, stage, StateDict.load(weights), weights.toString(), false);
    }

    /** The config of a model directory, checked to be a keyed HiFi-GAN. */
    public static JsonNode readConfig(Path dir) {
        Path f = dir.resolve(CONFIG_FILE);
        JsonNode cfg;
        try {
            cfg = Json.read(f);
        } catch (NoSuchFileException e) {
            throw new LockeyException(dir + ": not a model directory (no " + CONFIG_FILE + ")");
        } catch (IOException e) {
            throw new LockeyException(f + ": cannot read (" + AtomicFiles.reason(e) + ")");
        }
        if (cfg == null || !KIND.equals(cfg.path("kind").asText())) {
            throw new LockeyException(f + ": not a keyed HiFi-GAN model (kind is '" + (cfg == null ? "" :
                    cfg.path("kind").asText()) + "', expected '" + KIND + "')");
        }
        if (!cfg.has("generator") || !cfg.has("key")) {
            throw new LockeyException(f + ": keyed model config lacks 'generator' or 'key'");
        }
        return cfg;
    }

    /** Writes {@code weights} and the config into {@code dir}, each atomically. */
    public static void save(Path dir, HifiGanConfig generator, KeyConfig key, int injectionStage,
            Map<String, Tensor> weights, Map<String, String> metadata) {
        ObjectNode cfg = Json.object();
        cfg.put("kind", KIND);
        cfg.set("generator", generator.toJson());
        cfg.set("key", key.toJson());
        cfg.put("injection_stage", injectionStage);
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("kind", KIND);
        SafeTensors.write(dir.resolve(MODEL_FILE), weights, meta);
        Json.writePretty(dir.resolve(CONFIG_FILE), cfg);
    }

    public HifiGanConfig generatorConfig() {
        return generator;
    }

    public KeyConfig keyConfig() {
        return key;
    }

    public int injectionStage() {
        return injectionStage;
    }

    /** Parameter keys and shapes. */
    public Map<String, long[]> shapes() {
        return shapes;
    }

    /**
     * Generates audio for a mel {@code [B, 80, T]} and one key per example.
     *
     * @return audio {@code [B, 1, T * hop]}
     */
    public synchronized INDArray generate(INDArray mel, Key[] keys) {
        return run(mel, keys, 0, 0, 0).get(outputs.audio().name());
    }

    /**
     * As {@link #generate(INDArray, Key[])} for a mel whose first frame is frame {@code startFrame} of
     * the clip (matters only for the payload clock, {@link KeyClock}).
     */
    public synchronized INDArray generate(INDArray mel, Key[] keys, long startFrame) {
        return run(mel, keys, startFrame, 0, 0).get(outputs.audio().name());
    }

    /**
     * As {@link #generate(INDArray, Key[], long)} with i.i.d. N(0, std^2) noise, drawn from {@code seed},
     * added to every generator layer's output; only for a model made by {@link #withLayerNoise}. std 0
     * gives exactly the plain model's output.
     */
    public synchronized INDArray generate(INDArray mel, Key[] keys, long startFrame, double std, long seed) {
        requireNoise();
        return run(mel, keys, startFrame, std, seed).get(outputs.audio().name());
    }

    /** The verification head's probability that each key is valid (class 0), {@code [B]}. */
    public synchronized double[] validity(Key[] keys) {
        INDArray bits = bits(keys);
        INDArray logits = Inference.output(sd, Map.of("key_bits", bits), outputs.verifierLogits().name())
                .get(outputs.verifierLogits().name());
        double[] p = new double[keys.length];
        for (int b = 0; b < keys.length; b++) {
            double l0 = logits.getDouble(b, 0);
            double l1 = logits.getDouble(b, 1);
            p[b] = 1 / (1 + Math.exp(l1 - l0));
        }
        return p;
    }

    private void requireNoise() {
        if (noise == null) {
            throw new IllegalStateException("layer noise needs a model made by withLayerNoise()");
        }
    }

    private Map<String, INDArray> run(INDArray mel, Key[] keys, long startFrame, double std, long seed) {
        if (mel.size(0) != keys.length) {
            throw new IllegalArgumentException(mel.size(0) + " mels but " + keys.length + " keys");
        }
        Map<String, INDArray> feed = new java.util.HashMap<>(
                keyed.clockFeed(startFrame * generator.samplesPerFrame(), mel.size(2)));
        feed.put("mel", mel.castTo(DataType.FLOAT));
        feed.put("key_bits", bits(keys));
        if (noise == null) {
            return Inference.output(sd, feed, outputs.audio().name());
        }
        Map<String, INDArray> z = noise.feed(sd, feed, std, seed);
        feed.putAll(z);
        try {
            return Inference.output(sd, feed, outputs.audio().name());
        } finally {
            LayerNoise.release(z);
        }
    }

    private INDArray bits(Key[] keys) {
        long[][] b = new long[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            if (keys[i].bits() != key.keyBits()) {
                throw new LockeyException("a " + keys[i].bits() + "-bit key for a model of " + key.keyBits()
                        + "-bit keys");
            }
            b[i] = keys[i].bitArray();
        }
        return Nd4j.createFromArray(b);
    }

    /**
     * Generates a long mel in chunks with the generator's receptive field as context on each side
     * in windows of one length (as {@code HifiGan#vocodeChunked}), so memory stays bounded: {@code [80][T]} -> samples.
     */
    public float[] generateChunked(float[][] mel, Key k, int chunkFrames) {
        return collected(mel, (progress, sink) -> chunked(mel, k, chunkFrames, 0, 0, progress, sink));
    }

    /** Told after each window of a chunked generation: windows done, windows in all. */
    @FunctionalInterface
    public interface ChunkProgress {
        void windowsDone(int done, int total);
    }

    private static final ChunkProgress NO_PROGRESS = (done, total) -> { };

    /** Receives the samples of a chunked generation in order, window by window: {@code samples[from, to)}. */
    @FunctionalInterface
    public interface SampleSink {
        void accept(float[] samples, int from, int to);
    }

    /**
     * As {@link #generateChunked(float[][], Key, int)}, handing each window's kept samples to {@code sink} in order
     * instead of returning them (an hour of output is never held whole) and telling {@code progress} after every
     * window; {@code mel[0].length * samplesPerFrame} samples in all.
     */
    public void generateChunked(float[][] mel, Key k, int chunkFrames, ChunkProgress progress, SampleSink sink) {
        chunked(mel, k, chunkFrames, 0, 0, progress, sink);
    }

    /** Output samples per mel frame (the product of the upsampling rates). */
    public int samplesPerFrame() {
        return generator.samplesPerFrame();
    }

    /**
     * As {@link #generateChunked(float[][], Key, int)} with layer noise (see
     * {@link #generate(INDArray, Key[], long, double, long)}); chunk i draws its noise from a seed derived
     * from {@code seed} and i, so every chunk's noise is fresh and the whole is reproducible.
     */
    public float[] generateChunked(float[][] mel, Key k, int chunkFrames, double std, long seed) {
        requireNoise();
        return collected(mel, (progress, sink) -> chunked(mel, k, chunkFrames, std, seed, progress, sink));
    }

    /** A chunked generation's samples gathered into one array. */
    private float[] collected(float[][] mel, java.util.function.BiConsumer<ChunkProgress, SampleSink> generation) {
        float[] out = new float[mel[0].length * generator.samplesPerFrame()];
        int[] at = {0};
        generation.accept(NO_PROGRESS, (samples, from, to) -> {
            System.arraycopy(samples, from, out, at[0], to - from);
            at[0] += to - from;
        });
        return out;
    }

    private void chunked(float[][] mel, Key k, int chunkFrames, double std, long seed, ChunkProgress progress,
            SampleSink sink) {
        SplittableRandom chunkSeeds = new SplittableRandom(seed);
        int frames = mel[0].length;
        int hop = generator.samplesPerFrame();
        int context = new Generator(generator).receptiveField().max();
        // windows of one length (HifiGan#windows), so that the native kernels built for it are reused
        List<HifiGan.Window> windows = frames < chunkFrames + 2L * context
                ? List.of(new HifiGan.Window(0, frames, 0, frames))
                : HifiGan.windows(frames, chunkFrames, context);
        int done = 0;
        for (HifiGan.Window w : windows) {
            int from = (int) w.start();
            int to = (int) w.end();
            INDArray chunk = Nd4j.create(DataType.FLOAT, 1, mel.length, to - from);
            for (int m = 0; m < mel.length; m++) {
                for (int t = from; t < to; t++) {
                    chunk.putScalar(new long[] {0, m, t - from}, mel[m][t]);
                }
            }
            INDArray y;
            synchronized (this) {
                y = run(chunk, new Key[] {k}, from, std, chunkSeeds.nextLong()).get(outputs.audio().name());
            }
            float[] ys = y.reshape(-1).toFloatVector();
            int keepFrom = (int) (w.keepFrom() - from) * hop;
            sink.accept(ys, keepFrom, keepFrom + (int) (w.keepTo() - w.keepFrom()) * hop);
            progress.windowsDone(++done, windows.size());
        }
    }
}
