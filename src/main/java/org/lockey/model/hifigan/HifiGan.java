package org.lockey.model.hifigan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;
import java.util.Map;
import java.util.TreeMap;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.nn.Inference;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A ready-to-use HiFi-GAN vocoder: a {@link Generator} with its weights and the inference graph,
 * built once. Mel spectrograms (upstream's log-mel, {@code [num_mels][T]}) become audio of
 * {@code T * prod(upsample_rates)} samples in (-1, 1).
 *
 * <p>Long inputs are vocoded in chunks of {@link #DEFAULT_CHUNK_FRAMES} frames, each with
 * {@link #contextFrames()} frames of context on both sides whose samples are cut afterwards, so
 * memory stays bounded and the result equals whole-input vocoding up to float rounding: the context
 * is the generator's exact receptive field ({@link Generator#receptiveField()}), so every kept
 * sample sees the same inputs as in the whole pass, and the zero padding at the chunk edges never
 * reaches it.
 *
 * <p>On disk a model is a directory with {@value #MODEL_FILE} (the upstream generator
 * {@code state_dict} keys, float32) and {@value #CONFIG_FILE} (upstream-named config, see
 * {@link HifiGanConfig#toJson()}). {@link #importUpstream} makes one from an upstream checkpoint.
 *
 * <p>Thread-safe: graph executions are serialised.
 */
public final class HifiGan {
    /** The weights file of a model directory. */
    public static final String MODEL_FILE = "model.safetensors";
    /** The config file of a model directory. */
    public static final String CONFIG_FILE = "config.json";
    /**
     * Frames per chunk in {@link #vocode(float[][])} and the keyed generator's chunked generation (0.74 s of
     * 22.05 kHz audio). Smaller chunks cost more context overhead but keep the activations and the native
     * kernels' scratch buffers in the processor's caches: generating one minute with the demo keyed model took
     * 30.6 s at 855 MB resident with 64-frame chunks, against 48.1 s at 1.74 GB with 256 (37.4 s / 790 MB at 48,
     * 44.4 s / 1.17 GB at 128; the same samples every time), docs/results.md, "Long clips".
     */
    public static final int DEFAULT_CHUNK_FRAMES = 64;

    private static final String MEL = "mel";

    private final HifiGanConfig config;
    private final Generator generator;
    private final SameDiff sd;
    private final String audioName;
    private final int context;
    private final List<String> keys;

    private HifiGan(HifiGanConfig config, Map<String, Tensor> weights, String source, long seed) {
        this.config = config;
        this.generator = new Generator(config);
        this.sd = SameDiff.create();
        // frozen: the weights are graph constants, inference needs no gradient state.
        Scope root = Scope.root(sd, weights, source, DataType.FLOAT, true, seed);
        SDVariable mel = sd.placeHolder(MEL, DataType.FLOAT, -1, Generator.CONV_PRE_IN_CHANNELS, -1);
        SDVariable audio = generator.build(root, mel);
        root.build().checkLoaded();
        this.keys = List.copyOf(root.build().created().keySet());
        this.audioName = audio.name();
        this.context = generator.receptiveField().max();
    }

    /** A vocoder with the given weights (upstream keys); a mismatch lists every bad key. */
    public static HifiGan fromWeights(HifiGanConfig config, Map<String, Tensor> weights, String source) {
        return new HifiGan(config, weights, source, 0);
    }

    /** A vocoder with PyTorch-default random weights (seeded), for tests and benchmarks. */
    public static HifiGan random(HifiGanConfig config, long seed) {
        return new HifiGan(config, null, "(random)", seed);
    }

    /** Loads a model directory ({@value #MODEL_FILE} + {@value #CONFIG_FILE}). */
    public static HifiGan load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new LockeyException(dir + ": not a model directory");
        }
        HifiGanConfig config = HifiGanConfig.load(dir.resolve(CONFIG_FILE));
        Path model = dir.resolve(MODEL_FILE);
        return fromWeights(config, SafeTensors.read(model).tensors(), model.toString());
    }

    /** The hyper-parameters. */
    public HifiGanConfig config() {
        return config;
    }

    /** The generator module. */
    public Generator generator() {
        return generator;
    }

    /** Context frames used on each side of a chunk: the generator's receptive field. */
    public int contextFrames() {
        return context;
    }

    /**
     * Vocodes a batch in one graph run: mel {@code [B, 80, T]} -> audio {@code [B, 1, T * H]},
     * H = prod(upsample_rates).
     */
    public synchronized INDArray vocode(INDArray mel) {
        long[] s = mel.shape();
        if (s.length != 3 || s[1] != Generator.CONV_PRE_IN_CHANNELS || s[0] < 1 || s[2] < 1) {
            throw new LockeyException("mel must be [B, " + Generator.CONV_PRE_IN_CHANNELS + ", T], got "
                    + java.util.Arrays.toString(s));
        }
        INDArray in = mel.dataType() == DataType.FLOAT ? mel : mel.castTo(DataType.FLOAT);
        return Inference.output(sd, Map.of(MEL, in), audioName).get(audioName);
    }

    /** Vocodes one mel {@code [80][T]} in chunks of {@link #DEFAULT_CHUNK_FRAMES} with full context. */
    public float[] vocode(float[][] mel) {
        return vocodeChunked(mel, DEFAULT_CHUNK_FRAMES, context);
    }

    /** Vocodes a batch of mels {@code [B][80][T]} (equal T), chunked like {@link #vocode(float[][])}. */
    public float[][] vocode(float[][][] mels) {
        INDArray audio = vocodeChunked(toArray(mels), DEFAULT_CHUNK_FRAMES, context);   // [B, 1, T*H]
        float[][] out = new float[mels.length][];
        for (int b = 0; b < mels.length; b++) {
            out[b] = audio.get(NDArrayIndex.point(b), NDArrayIndex.point(0), NDArrayIndex.all()).dup().toFloatVector();
        }
        return out;
    }

    /** {@link #vocodeChunked(INDArray, int, int)} for one mel {@code [80][T]}. */
    public float[] vocodeChunked(float[][] mel, int chunkFrames, int contextFrames) {
        return vocodeChunked(toArray(new float[][][] {mel}), chunkFrames, contextFrames).reshape(-1).toFloatVector();
    }

    /**
     * {@link #vocodeChunked(float[][], int, int)} handing each window's kept samples to {@code sink} in order instead
     * of returning them, so that a long output is never held whole ({@code T * samplesPerFrame} samples in all; the
     * same windows, so the same samples).
     */
    public void vocodeChunked(float[][] mel, int chunkFrames, int contextFrames, Consumer<float[]> sink) {
        if (chunkFrames < 1 || contextFrames < 0) {
            throw new IllegalArgumentException("chunk " + chunkFrames + " frames, context " + contextFrames);
        }
        int t = mel[0].length;
        if (t <= chunkFrames || t < chunkFrames + 2L * contextFrames) {
            sink.accept(vocode(toArray(new float[][][] {mel})).reshape(-1).toFloatVector());
            return;
        }
        long h = config.samplesPerFrame();
        for (Window w : windows(t, chunkFrames, contextFrames)) {
            float[][] part = new float[mel.length][];
            for (int m = 0; m < mel.length; m++) {
                part[m] = java.util.Arrays.copyOfRange(mel[m], (int) w.start(), (int) w.end());
            }
            INDArray input = toArray(new float[][][] {part});
            INDArray audio = vocode(input);                                                 // [1, 1, (end-start)*H]
            float[] y = audio.reshape(-1).toFloatVector();
            sink.accept(java.util.Arrays.copyOfRange(y, (int) ((w.keepFrom() - w.start()) * h),
                    (int) ((w.keepTo() - w.start()) * h)));
            input.close();
            audio.close();
        }
    }

    /**
     * Vocodes {@code [B, 80, T]} chunk by chunk: the frames {@code [s, s + chunkFrames)} of each chunk are run in a
     * window of {@code chunkFrames + 2 contextFrames} frames that gives them at least {@code contextFrames} frames of
     * context on each side, or reaches the end of the input ({@link #windows}), and only their samples are kept.
     * Every window has that one length (inputs shorter than it are run whole), so a graph run sees one input shape
     * whatever the input's length: the native convolution library builds its kernels for that shape once and reuses
     * them, instead of building and caching a new set for every length (which held about 1 GB of resident memory per
     * new length, docs/results.md "Memory"). Exact (up to float rounding) when {@code contextFrames >= contextFrames()}.
     */
    public INDArray vocodeChunked(INDArray mel, int chunkFrames, int contextFrames) {
        if (chunkFrames < 1 || contextFrames < 0) {
            throw new IllegalArgumentException("chunk " + chunkFrames + " frames, context " + contextFrames);
        }
        long t = mel.size(2);
        if (t <= chunkFrames || t < chunkFrames + 2L * contextFrames) {
            return vocode(mel);
        }
        long h = config.samplesPerFrame();
        List<INDArray> pieces = new ArrayList<>();
        for (Window w : windows(t, chunkFrames, contextFrames)) {
            INDArray part = mel.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(w.start(), w.end())).dup();
            INDArray audio = vocode(part);                                                  // [B, 1, (end-start)*H]
            pieces.add(audio.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(
                    (w.keepFrom() - w.start()) * h, (w.keepTo() - w.start()) * h)).dup());     // [B, 1, kept*H]
        }
        return Nd4j.concat(2, pieces.toArray(INDArray[]::new));
    }

    /** One graph run of {@link #vocodeChunked}: input frames {@code [start, end)}, of which {@code [keepFrom, keepTo)} are kept. */
    public record Window(long start, long end, long keepFrom, long keepTo) {
    }

    /**
     * The windows of {@link #vocodeChunked} for {@code t >= chunk + 2 context} frames: the kept ranges are {@code [s,
     * min(t, s + chunk))} for {@code s = 0, chunk, 2 chunk, ...}, and each window is {@code chunk + 2 context} frames
     * long, starting at {@code s - context} moved into {@code [0, t - chunk - 2 context]}. A window moved right at
     * the start of the input gives its kept frames more right context; one moved left at the end gives more left
     * context and reaches the last frame, where the whole input ends too.
     */
    public static List<Window> windows(long t, int chunk, int context) {
        long length = chunk + 2L * context;
        if (t < length) {
            throw new IllegalArgumentException(t + " frames: shorter than one window of " + length);
        }
        List<Window> out = new ArrayList<>();
        for (long s = 0; s < t; s += chunk) {
            long start = Math.min(Math.max(0, s - context), t - length);
            out.add(new Window(start, start + length, s, Math.min(t, s + chunk)));
        }
        return out;
    }

    /** The weights by upstream key, float32, in the graph's current state. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new TreeMap<>();
        for (String key : keys) {
            out.put(key, Tensor.of(key, sd.getVariable(key).getArr()));
        }
        return out;
    }

    /** Writes {@value #MODEL_FILE} and {@value #CONFIG_FILE} into {@code dir}, each atomically. */
    public void save(Path dir) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "lockey.hifigan.generator");
        meta.put("config", config.toJson().toString());
        SafeTensors.write(dir.resolve(MODEL_FILE), stateDict(), meta);
        AtomicFiles.writeString(dir.resolve(CONFIG_FILE), config.toJsonString());
    }

    /**
     * Converts an upstream generator checkpoint to a model directory: reads the upstream
     * {@code config.json} and the {@code generator} state dict saved as safetensors, strips a
     * {@code generator.} or {@code module.} prefix shared by every key, renames PyTorch 2's
     * parametrised weight norm ({@code parametrizations.weight.original0/1}) to
     * {@code weight_g/weight_v}, checks every key and shape against the config (all mismatches in one
     * message), and writes {@code outDir} in this project's format.
     *
     * @return the imported vocoder
     */
    public static HifiGan importUpstream(Path configJson, Path generatorSafetensors, Path outDir) {
        HifiGanConfig config = HifiGanConfig.load(configJson);
        Map<String, Tensor> weights = upstreamStateDict(SafeTensors.read(generatorSafetensors).tensors());
        HifiGan model = fromWeights(config, weights, generatorSafetensors.toString());
        model.save(outDir);
        return model;
    }

    /** Upstream key spellings to ours: shared prefixes stripped, parametrised weight norm renamed. */
    static Map<String, Tensor> upstreamStateDict(Map<String, Tensor> raw) {
        Map<String, Tensor> m = new LinkedHashMap<>(raw);
        boolean stripped = true;
        while (stripped && !m.isEmpty()) {
            stripped = false;
            for (String prefix : List.of("generator.", "module.")) {
                if (m.keySet().stream().allMatch(k -> k.startsWith(prefix))) {
                    Map<String, Tensor> next = new LinkedHashMap<>();
                    m.forEach((k, v) -> next.put(k.substring(prefix.length()), v));
                    m = next;
                    stripped = true;
                }
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            String key = k.replace(".parametrizations.weight.original0", ".weight_g")
                    .replace(".parametrizations.weight.original1", ".weight_v");
            out.put(key, key.equals(v.name()) ? v : new Tensor(key, v.dtype(), v.shape(), v.data()));
        });
        return out;
    }

    private static INDArray toArray(float[][][] mels) {
        if (mels.length == 0) {
            throw new LockeyException("no mel spectrogram given");
        }
        int c = mels[0].length;
        int t = c == 0 ? 0 : mels[0][0].length;
        float[] flat = new float[mels.length * c * t];
        int i = 0;
        for (float[][] mel : mels) {
            if (mel.length != c) {
                throw new LockeyException("mel spectrograms of a batch must have equal shape");
            }
            for (float[] row : mel) {
                if (row.length != t) {
                    throw new LockeyException("mel spectrograms of a batch must have equal shape");
                }
                System.arraycopy(row, 0, flat, i, t);
                i += t;
            }
        }
        if (c != Generator.CONV_PRE_IN_CHANNELS || t == 0) {
            throw new LockeyException("mel must be [" + Generator.CONV_PRE_IN_CHANNELS + "][T] with T >= 1, got ["
                    + c + "][" + t + "]");
        }
        return Nd4j.createFromArray(flat).reshape(mels.length, c, t);
    }
}
