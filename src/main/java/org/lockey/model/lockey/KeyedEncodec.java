package org.lockey.model.lockey;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;
import org.lockey.io.Json;
import org.lockey.io.SafeTensors;
import org.lockey.io.StateDict;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.SEANetDecoder;
import org.lockey.model.encodec.SeanetStack;
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
 * A keyed Encodec decoder as a user receives it: the frozen encoder and quantiser of the base codec
 * (so audio can be turned into codes), the fine-tuned decoder with the key added after
 * {@code decoder.model.<layer>}, and the key modules.
 *
 * <p>Directory: {@code model.safetensors} (audiocraft keys {@code encoder.*}, {@code quantizer.*},
 * {@code decoder.*}, plus {@code key_embedding.*}, {@code key_encoder.*}, {@code verifier.*}) and
 * {@code config.json} ({@code {"kind": "lockey-encodec", "codec": {...}, "key": {...},
 * "injection_layer": 1}}); a trained run adds {@code watermark/}.
 *
 * <p>The SEANet graph is built for a static number of latent frames: one graph per length, cached. An input longer
 * than a window runs in bounded memory ({@link #windowed}): the decoder up to the key's injection point in chunks
 * with the LSTM's state handed on, the rest in windows of one length.
 */
public final class KeyedEncodec {
    /** The {@code kind} of a keyed Encodec. */
    public static final String KIND = "lockey-encodec";

    private final CompressionConfig codecConfig;
    private final KeyConfig key;
    private final int layer;
    private final Map<String, Tensor> weights;
    private final Encodec base;
    private final Map<Long, Graph> graphs = new LinkedHashMap<>();

    private final String source;
    /** Whether the decoder's layers take Gaussian noise (§V-C white-box attack). */
    private final boolean layerNoise;

    private record Graph(SameDiff sd, KeyedGenerator.Outputs outputs, KeyedGenerator generator, LayerNoise noise) {
    }

    private KeyedEncodec(CompressionConfig codecConfig, KeyConfig key, int layer, Map<String, Tensor> weights,
            String source, boolean layerNoise) {
        this.codecConfig = codecConfig;
        this.key = key;
        this.layer = layer;
        this.weights = weights;
        this.source = source;
        this.layerNoise = layerNoise;
        this.base = Encodec.of(codecConfig, codecOnly(weights), source);
        graph(1, source).sd();           // builds once so that a checkpoint mismatch is reported at load
    }

    /** The codec's own weights: everything but the key path (embedding, encoder, verifier, payload clock). */
    private static Map<String, Tensor> codecOnly(Map<String, Tensor> weights) {
        Map<String, Tensor> codec = new LinkedHashMap<>();
        weights.forEach((k, t) -> {
            if (KeyedGenerator.isGeneratorLayer(k)) {
                codec.put(k, t);
            }
        });
        return codec;
    }

    /** A keyed model from weights (the full codec keys plus the key modules). */
    public static KeyedEncodec of(CompressionConfig codec, KeyConfig key, int layer, Map<String, Tensor> weights,
            String source) {
        return new KeyedEncodec(codec, key, layer, weights, source, false);
    }

    /**
     * The same model with additive Gaussian noise on the output of every decoder convolution (paper §V-C,
     * the white-box attack; see {@link KeyedHifiGan#withLayerNoise}): each {@code SConv1d} and
     * {@code SConvTranspose1d} of {@code decoder.*} (a transposed conv before its trim), not the LSTM and not
     * the key path. Run it with {@link #generateLatent(float[][], Key, double, long)}.
     */
    public KeyedEncodec withLayerNoise() {
        return new KeyedEncodec(codecConfig, key, layer, weights, source, true);
    }

    /** The keys of the layers {@link #withLayerNoise} perturbs, in graph order (empty for the plain model). */
    public synchronized java.util.List<String> perturbedLayers() {
        Graph g = graph(1, source);
        return g.noise() == null ? java.util.List.of() : g.noise().points().stream().map(LayerNoise.Point::layer).toList();
    }

    /** Loads a model directory; a clear error when it is not a keyed Encodec. */
    public static KeyedEncodec load(Path dir) {
        Path f = dir.resolve(KeyedHifiGan.CONFIG_FILE);
        JsonNode cfg;
        try {
            cfg = Json.read(f);
        } catch (NoSuchFileException e) {
            throw new LockeyException(dir + ": not a model directory (no " + KeyedHifiGan.CONFIG_FILE + ")");
        } catch (IOException e) {
            throw new LockeyException(f + ": cannot read (" + AtomicFiles.reason(e) + ")");
        }
        if (!KIND.equals(cfg.path("kind").asText())) {
            throw new LockeyException(f + ": not a keyed Encodec model (kind is '" + cfg.path("kind").asText() + "')");
        }
        Path w = dir.resolve(KeyedHifiGan.MODEL_FILE);
        return new KeyedEncodec(CompressionConfig.fromJson(cfg.get("codec")), KeyConfig.fromJson(cfg.get("key")),
                cfg.path("injection_layer").asInt(1), StateDict.load(w), w.toString(), false);
    }

    /**
     * Writes a fine-tuned keyed decoder as a complete keyed model: the base codec's frozen encoder and
     * quantiser, then the trained {@code decoder.*} and key-path weights.
     */
    public static void saveTrained(Path dir, Encodec base, KeyConfig key, int layer, Map<String, Tensor> trained,
            Map<String, String> metadata) {
        Map<String, Tensor> all = new LinkedHashMap<>();
        base.weights().forEach((k, t) -> {
            if (!k.startsWith("decoder.")) {
                all.put(k, t);
            }
        });
        all.putAll(trained);
        save(dir, base.config(), key, layer, all, metadata);
    }

    /** Writes the weights and the config into {@code dir}, each atomically. */
    public static void save(Path dir, CompressionConfig codec, KeyConfig key, int layer, Map<String, Tensor> weights,
            Map<String, String> metadata) {
        ObjectNode cfg = Json.object();
        cfg.put("kind", KIND);
        cfg.set("codec", codec.toJson());
        cfg.set("key", key.toJson());
        cfg.put("injection_layer", layer);
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("kind", KIND);
        SafeTensors.write(dir.resolve(KeyedHifiGan.MODEL_FILE), weights, meta);
        Json.writePretty(dir.resolve(KeyedHifiGan.CONFIG_FILE), cfg);
    }

    public CompressionConfig codecConfig() {
        return codecConfig;
    }

    public KeyConfig keyConfig() {
        return key;
    }

    public int sampleRate() {
        return codecConfig.sampleRate();
    }

    /** Codes [1][n_q][T_f] of mono audio, by the frozen encoder and quantiser. */
    public long[][][] encode(float[] audio) {
        return base.encode(audio);
    }

    /** Audio for codes [1][k][T_f] and a key. */
    public synchronized float[] generate(long[][][] codes, Key k) {
        return generateLatent(base.latentOf(codes), k);
    }

    /** Audio for a quantised latent [D][T_f] and a key. */
    public synchronized float[] generateLatent(float[][] latent, Key k) {
        return run(latent, k, 0, 0);
    }

    /** Audio for codes and a key with layer noise N(0, std^2) drawn from {@code seed}; see {@link #withLayerNoise}. */
    public synchronized float[] generate(long[][][] codes, Key k, double std, long seed) {
        return generateLatent(base.latentOf(codes), k, std, seed);
    }

    /**
     * As {@link #generateLatent(float[][], Key)} with i.i.d. N(0, std^2) noise, drawn from {@code seed},
     * added to every decoder layer's output; only for a model made by {@link #withLayerNoise}. std 0 gives
     * exactly the plain model's output.
     */
    public synchronized float[] generateLatent(float[][] latent, Key k, double std, long seed) {
        if (!layerNoise) {
            throw new IllegalStateException("layer noise needs a model made by withLayerNoise()");
        }
        return run(latent, k, std, seed);
    }

    /** The verification head's probability that each key is valid (class 0); the head needs no audio. */
    public synchronized double[] validity(Key[] keys) {
        Graph g = graph(1, "model");
        String logits = g.outputs().verifierLogits().name();
        double[] p = new double[keys.length];
        for (int i = 0; i < keys.length; i++) {
            if (keys[i].bits() != key.keyBits()) {
                throw new LockeyException("a " + keys[i].bits() + "-bit key for a model of " + key.keyBits()
                        + "-bit keys");
            }
            INDArray l = g.sd().output(Map.of("key_bits", Nd4j.createFromArray(new long[][] {keys[i].bitArray()})),
                    logits).get(logits);
            p[i] = 1 / (1 + Math.exp(l.getDouble(0, 1) - l.getDouble(0, 0)));
        }
        return p;
    }

    private float[] run(float[][] latent, Key k, double std, long seed) {
        if (k.bits() != key.keyBits()) {
            throw new LockeyException("a " + k.bits() + "-bit key for a model of " + key.keyBits() + "-bit keys");
        }
        long frames = latent[0].length;
        if (!layerNoise && !key.filteredClock() && !key.spectralClock()
                && frames > CHUNK_FRAMES + 2L * tailMarginFrames()) {
            return windowed(latent, k);
        }
        Graph g = graph(frames, "model");
        INDArray z = Nd4j.create(latent).reshape(1, latent.length, frames).castTo(DataType.FLOAT);
        INDArray bits = Nd4j.createFromArray(new long[][] {k.bitArray()});
        Map<String, INDArray> feed = new java.util.HashMap<>(g.generator().clockFeed(0, frames));
        feed.put("latent", z);
        feed.put("key_bits", bits);
        Map<String, INDArray> noiseFeed = g.noise() == null ? Map.of() : g.noise().feed(g.sd(), feed, std, seed);
        feed.putAll(noiseFeed);
        INDArray y;
        try {
            y = Inference.output(g.sd(), feed, g.outputs().audio().name()).get(g.outputs().audio().name());
        } finally {
            LayerNoise.release(noiseFeed);
        }
        return y.reshape(-1).toFloatVector();
    }

    /**
     * Latent frames per window of a long generation ({@link #windowed}); inputs up to one window and the decoder's
     * margin on both sides run whole.
     */
    static final int CHUNK_FRAMES = Encodec.DEFAULT_CHUNK_FRAMES;

    /** Frames of context the decoder after the injection point needs on each side of a window to be exact. */
    private int tailMarginFrames() {
        SeanetStack stack = new SEANetDecoder(codecConfig.seanet()).stack();
        return stack.sub(layer + 1, stack.layers().size()).marginFrames(1);
    }

    /**
     * A long generation in bounded memory, equal to the whole pass up to float summation order: the decoder up to the
     * injection point (with the LSTM) in chunks by the base codec with its state handed on, then the key term and the
     * rest of the decoder in windows of one length ({@code CHUNK_FRAMES} plus the margin on both sides, moved inside
     * the clip at its ends), each fed the payload clock at its own offset, of which only the middle is kept. Not for
     * the output-side clock forms and not with layer noise (those run whole).
     */
    private float[] windowed(float[][] latent, Key k) {
        int frames = latent[0].length;
        float[][] hidden = base.decoderPrefix(latent, layer + 1);            // [C][T_l]
        int positionsPerFrame = hidden[0].length / frames;
        int hop = codecConfig.seanet().hopLength();
        int margin = tailMarginFrames();
        int window = CHUNK_FRAMES + 2 * margin;
        Graph g = tailGraph(window, hidden.length);
        INDArray bits = Nd4j.createFromArray(new long[][] {k.bitArray()});
        float[] out = new float[frames * hop];
        for (int first = 0; first < frames; first += CHUNK_FRAMES) {
            int last = Math.min(frames, first + CHUNK_FRAMES);               // the frames kept from this window
            int start = Math.max(0, Math.min(first - margin, frames - window));
            float[][] piece = new float[hidden.length][];
            for (int c = 0; c < hidden.length; c++) {
                piece[c] = java.util.Arrays.copyOfRange(hidden[c], start * positionsPerFrame,
                        (start + window) * positionsPerFrame);
            }
            Map<String, INDArray> feed = new java.util.HashMap<>(g.generator().clockFeed((long) start * hop, window));
            feed.put(TAIL_INPUT, Nd4j.create(piece).reshape(1, hidden.length, piece[0].length).castTo(DataType.FLOAT));
            feed.put("key_bits", bits);
            INDArray audio = Inference.output(g.sd(), feed, g.outputs().audio().name()).get(g.outputs().audio().name());
            float[] y = audio.reshape(-1).toFloatVector();
            System.arraycopy(y, (first - start) * hop, out, first * hop, (last - first) * hop);
            // the window's native buffers now, not when the garbage collector gets to them
            audio.close();
            feed.forEach((name, array) -> {
                if (array != bits) {
                    array.close();
                }
            });
        }
        return out;
    }

    /** The placeholder of the tail graph: the activation at the injection point. */
    private static final String TAIL_INPUT = "injected_activation";

    private Graph tailGraph(int window, int channels) {
        long cacheKey = -window;                                             // beside the whole graphs' lengths
        if (!graphs.containsKey(cacheKey) && graphs.size() >= 4) {
            graphs.clear();
        }
        return graphs.computeIfAbsent(cacheKey, t -> {
            SameDiff sd = SameDiff.create();
            Scope root = Scope.root(sd, weights, source, DataType.FLOAT, true, 0);
            KeyedGenerator gen = KeyedGenerator.encodecDecoderTail(codecConfig.seanet(), key, layer, window);
            long positions = gen.positionsPerFrame() * (long) window;
            SDVariable hidden = sd.placeHolder(TAIL_INPUT, DataType.FLOAT, 1, channels, positions);
            SDVariable bits = sd.placeHolder("key_bits", DataType.INT64, 1, key.keyBits());
            KeyedGenerator.Outputs o = gen.build(root, hidden, bits);
            return new Graph(sd, o, gen, null);
        });
    }

    private Graph graph(long frames, String source) {
        if (!graphs.containsKey(frames) && graphs.size() >= 4) {
            graphs.clear();              // keep memory bounded when many lengths are generated
        }
        return graphs.computeIfAbsent(frames, t -> {
            SameDiff sd = SameDiff.create();
            Scope root = Scope.root(sd, weights, source, DataType.FLOAT, true, 0);
            LayerNoise noise = layerNoise ? new LayerNoise(KeyedGenerator::isGeneratorLayer) : null;
            if (noise != null) {
                root.build().tapLayers(noise);
            }
            SDVariable latent = sd.placeHolder("latent", DataType.FLOAT, 1, codecConfig.seanet().dimension(), t);
            SDVariable bits = sd.placeHolder("key_bits", DataType.INT64, 1, key.keyBits());
            KeyedGenerator gen = KeyedGenerator.encodecDecoder(codecConfig.seanet(), key, layer, t);
            KeyedGenerator.Outputs o = gen.build(root, latent, bits);
            root.build().checkLoaded("decoder.", "key_embedding.", "key_encoder.", "verifier.", KeyClock.PREFIX + ".",
                    KeyedGenerator.GATE + ".");
            return new Graph(sd, o, gen, noise);
        });
    }
}
