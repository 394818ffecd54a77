package org.lockey.model.encodec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import org.lockey.LockeyException;
import org.lockey.io.Json;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * EnCodec for use: audio to codes and codes to audio with a checkpoint's weights (MusicGen's 32 kHz
 * tokenizer by default), on arbitrarily long inputs with bounded memory.
 *
 * <p>Layouts follow audiocraft's {@code CompressionModel}: audio is mono {@code float[]} at
 * {@link CompressionConfig#sampleRate()}, codes are {@code [B][n_q][T_f]} with B = 1 and T_f =
 * ceil(samples / hop); decoding gives T_f * hop samples. Weights are held under the full audiocraft
 * keys ({@code encoder.model.N...}, {@code decoder.model.N...}, {@code quantizer.vq.layers.K...}).
 *
 * <p>Long inputs run in chunks of {@link #chunkFrames()} latent frames (default 250 = 5 s at 50 Hz),
 * with every convolutional part computed overlap-save over a window with enough context on both sides
 * and the LSTM state handed from chunk to chunk ({@code Chunked}); the result equals one pass up to
 * float32 summation order (tested to 1e-5 relative), and memory stays at a few windows of activations
 * whatever the length. Graphs are built on first use for the window lengths needed and kept (a few
 * per stage). An instance is not thread-safe.
 */
public final class Encodec {
    /** File names written by {@link #importCheckpoint}. */
    public static final String WEIGHTS_FILE = "encodec.safetensors";
    /** The config file beside the weights. */
    public static final String CONFIG_FILE = "encodec.json";
    /**
     * Default chunk length in latent frames (1 s at 50 Hz). Every chunk runs in a window of one length, whose native
     * kernels and their scratch buffers grow with it: 250 frames held 1.8 GB for five minutes of encoding, 50 frames
     * 1.1 GB, with the same codes and no measurable change in speed (docs/results.md, issue 22).
     */
    public static final int DEFAULT_CHUNK_FRAMES = 50;

    private final CompressionConfig config;
    private final Map<String, Tensor> weights;
    private final String sourceName;
    private final Codebooks codebooks;
    private final boolean hasEncoder;
    private final int chunkFrames;
    private final GraphCache graphs;

    private Encodec(CompressionConfig config, Map<String, Tensor> weights, String sourceName, int chunkFrames,
            GraphCache graphs) {
        this.config = config;
        this.weights = weights;
        this.sourceName = sourceName;
        this.codebooks = Codebooks.from(weights, "quantizer.", config.rvq(), sourceName);
        this.hasEncoder = weights.keySet().stream().anyMatch(k -> k.startsWith("encoder."));
        this.chunkFrames = chunkFrames;
        this.graphs = graphs;
    }

    /**
     * A model from checkpoint tensors under audiocraft keys. The decoder and quantizer must be
     * complete; the encoder may be absent (then {@link #encode} is unavailable) but, when present,
     * complete. Every missing, unexpected or mis-shaped key is reported at once.
     */
    public static Encodec of(CompressionConfig config, Map<String, Tensor> weights, String sourceName) {
        Map<String, Tensor> w = new TreeMap<>(weights);
        check(config, w, sourceName);
        return new Encodec(config, w, sourceName, DEFAULT_CHUNK_FRAMES, new GraphCache());
    }

    /** Loads a directory written by {@link #importCheckpoint}. */
    public static Encodec load(Path dir) {
        Path cfgPath = dir.resolve(CONFIG_FILE);
        CompressionConfig cfg;
        try {
            cfg = CompressionConfig.fromJson(Json.read(cfgPath));
        } catch (IOException e) {
            throw new LockeyException(cfgPath + ": cannot read EnCodec config (" + e.getMessage() + ")");
        }
        Path wPath = dir.resolve(WEIGHTS_FILE);
        return of(cfg, SafeTensors.read(wPath).tensors(), wPath.toString());
    }

    /**
     * A model with freshly initialised (seeded, upstream-default) weights: for benchmarks and tests.
     *
     * @param withEncoder whether to create the encoder too
     */
    public static Encodec random(CompressionConfig config, long seed, boolean withEncoder) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.fresh(sd, seed);
        buildAll(root, config, withEncoder);
        Map<String, Tensor> w = new TreeMap<>();
        for (String key : root.build().created().keySet()) {
            w.put(key, Tensor.of(key, sd.getVariable(key).getArr()));
        }
        return new Encodec(config, w, "(random, seed " + seed + ")", DEFAULT_CHUNK_FRAMES, new GraphCache());
    }

    /**
     * Imports an EnCodec checkpoint (safetensors) with either audiocraft / facebookresearch-encodec keys
     * ({@code decoder.model.N.conv.conv.weight_g}, {@code quantizer.vq.layers.K._codebook.embed}, ...)
     * or transformers keys ({@code decoder.layers.N.conv.weight_g}, {@code quantizer.layers.K.codebook.embed},
     * also with parametrised weight norm), checks it against {@code config} and writes
     * {@code outDir/encodec.safetensors} (audiocraft keys) and {@code outDir/encodec.json}, each atomically.
     *
     * @return the imported model
     */
    public static Encodec importCheckpoint(CompressionConfig config, Path checkpoint, Path outDir) {
        Map<String, Tensor> raw = SafeTensors.read(checkpoint).tensors();
        Map<String, Tensor> tensors;
        if (HfKeyMap.isHf(raw.keySet())) {
            tensors = HfKeyMap.toAudiocraft(raw, expectedKeys(config, true));
        } else {
            tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : raw.entrySet()) {
                String k = HfKeyMap.normalizeWeightNorm(e.getKey());
                Tensor t = e.getValue();
                if (tensors.put(k, new Tensor(k, t.dtype(), t.shape(), t.data())) != null) {
                    throw new LockeyException(checkpoint + ": two tensors for " + k);
                }
            }
        }
        Encodec model = of(config, tensors, checkpoint.toString());
        model.save(outDir, checkpoint.getFileName().toString());
        return model;
    }

    /**
     * Writes this model as a directory {@link #load} reads: {@code dir/encodec.safetensors} (audiocraft
     * keys, metadata {@code format = lockey-encodec} and {@code source}) and {@code dir/encodec.json},
     * each atomically.
     *
     * @param source where the weights came from (stored as metadata)
     */
    public void save(Path dir, String source) {
        SafeTensors.write(dir.resolve(WEIGHTS_FILE), weights, Map.of("format", "lockey-encodec", "source", source));
        Json.writePrettyWithNewline(dir.resolve(CONFIG_FILE), config.toJson());
    }

    /** Whether the model has an encoder ({@link #encode} works); a decode-only import has none. */
    public boolean hasEncoder() {
        return hasEncoder;
    }

    /** The same model with another chunk length (in latent frames, at least 1). */
    public Encodec withChunkFrames(int frames) {
        if (frames < 1) {
            throw new IllegalArgumentException("chunk of " + frames + " frames");
        }
        return new Encodec(config, weights, sourceName, frames, graphs);
    }

    /** The model config. */
    public CompressionConfig config() {
        return config;
    }

    /** The chunk length in latent frames. */
    public int chunkFrames() {
        return chunkFrames;
    }

    /** The weights under audiocraft keys (read-only). */
    public Map<String, Tensor> weights() {
        return java.util.Collections.unmodifiableMap(weights);
    }

    /** Codes [1][n_q][ceil(N / hop)] for mono audio of N samples. */
    public long[][][] encode(float[] audio) {
        float[][] latent = encodeLatent(audio);
        long[][][] codes = codebooks.encode(new float[][][] {latent}); // [n_q][1][T]
        long[][][] out = new long[1][codes.length][];
        for (int k = 0; k < codes.length; k++) {
            out[0][k] = codes[k][0];
        }
        return out;
    }

    /** The encoder's latent [D][ceil(N / hop)] for mono audio of N samples (before quantization). */
    public float[][] encodeLatent(float[] audio) {
        if (!hasEncoder) {
            throw new LockeyException(sourceName + ": this checkpoint has no encoder");
        }
        if (config.seanet().channels() != 1) {
            throw new LockeyException("encode(float[]) is for mono models; this one has "
                    + config.seanet().channels() + " channels");
        }
        if (audio.length == 0) {
            throw new LockeyException("cannot encode empty audio");
        }
        SeanetStack stack = new SEANetEncoder(config.seanet()).stack();
        Chunked.Source in = new Chunked.ArraySource(new float[][] {audio}, config.seanet().hopLength());
        Chunked.Source out = Chunked.chain("encoder", stack, in, StackGraph.strip(weights, "encoder."), sourceName,
                graphs, chunkFrames);
        return out.read(0, out.samples());
    }

    /** Mono audio of T_f * hop samples for codes [1][k][T_f] (1 <= k <= n_q; fewer codebooks = lower bandwidth, as upstream). */
    public float[] decode(long[][][] codes) {
        return decodeLatent(latentOf(codes));
    }

    /**
     * Decodes codes chunk by chunk, handing each finished piece of audio to {@code sink} in order:
     * memory stays bounded however long the codes are.
     */
    public void decode(long[][][] codes, java.util.function.Consumer<float[]> sink) {
        Chunked.Source out = decoderChain(new Chunked.ArraySource(latentOf(codes), 1));
        long step = (long) chunkFrames * config.seanet().hopLength();
        for (long from = 0; from < out.samples(); from += step) {
            long to = Math.min(out.samples(), from + step);
            sink.accept(out.read(from, to)[0]);
            out.release(to);
        }
    }

    /** Mono audio of T * hop samples for a latent [D][T]. */
    public float[] decodeLatent(float[][] latent) {
        if (latent.length != config.seanet().dimension()) {
            throw new LockeyException("latent has " + latent.length + " channels but the decoder dimension is "
                    + config.seanet().dimension());
        }
        if (latent[0].length == 0) {
            throw new LockeyException("cannot decode zero frames");
        }
        Chunked.Source out = decoderChain(new Chunked.ArraySource(latent, 1));
        return out.read(0, out.samples())[0];
    }

    /**
     * The output of the decoder's first {@code layers} layers ({@code decoder.model.0} to {@code layers - 1}) for a
     * latent {@code [D][T]}: {@code [C][T']}, run in chunks as {@link #decodeLatent} runs (the LSTM's state handed
     * from chunk to chunk), so it equals one pass up to float summation order. A keyed decoder that injects its key
     * after layer {@code layers - 1} continues from here in windows.
     */
    public float[][] decoderPrefix(float[][] latent, int layers) {
        SeanetStack all = new SEANetDecoder(config.seanet()).stack();
        if (layers < 1 || layers > all.layers().size()) {
            throw new IllegalArgumentException("decoder prefix of " + layers + " layers outside 1.." + all.layers().size());
        }
        Chunked.Source out = Chunked.chain("decoder-prefix-" + layers, all.sub(0, layers),
                new Chunked.ArraySource(latent, 1), StackGraph.strip(weights, "decoder."), sourceName, graphs,
                chunkFrames);
        return out.read(0, out.samples());
    }

    private Chunked.Source decoderChain(Chunked.Source latent) {
        if (config.seanet().channels() != 1) {
            throw new LockeyException("decode to float[] is for mono models; this one has "
                    + config.seanet().channels() + " channels");
        }
        SeanetStack stack = new SEANetDecoder(config.seanet()).stack();
        return Chunked.chain("decoder", stack, latent, StackGraph.strip(weights, "decoder."), sourceName, graphs,
                chunkFrames);
    }

    /**
     * The quantised latent [D][T] of codes [1][k][T]: the sum of the codebook rows (RVQ decode), the
     * decoder's input. Codes are checked against the codebooks first.
     */
    public float[][] latentOf(long[][][] codes) {
        if (codes.length != 1) {
            throw new LockeyException("codes have a batch of " + codes.length + "; decode one item [1][n_q][T] at a time");
        }
        long[][][] perCodebook = new long[codes[0].length][1][];
        for (int k = 0; k < codes[0].length; k++) {
            perCodebook[k][0] = codes[0][k];
        }
        codebooks.checkCodes(perCodebook);
        if (perCodebook[0][0].length == 0) {
            throw new LockeyException("cannot decode zero frames");
        }
        return codebooks.decode(perCodebook)[0];
    }

    /**
     * Builds every module of the model under {@code root} ({@code encoder.}, {@code decoder.},
     * {@code quantizer.}) on a short dummy input, so that {@code root.build()} lists (or checks) all keys.
     */
    static void buildAll(Scope root, CompressionConfig config, boolean withEncoder) {
        SameDiff sd = root.sd();
        SeanetConfig s = config.seanet();
        int frames = 2;
        if (withEncoder) {
            SDVariable audio = sd.placeHolder("audio", root.dtype(), 1, s.channels(), (long) frames * s.hopLength());
            new SEANetEncoder(s).build(root.child("encoder"), audio, (long) frames * s.hopLength());
        }
        SDVariable latent = sd.placeHolder("latent", root.dtype(), 1, s.dimension(), frames);
        new SEANetDecoder(s).build(root.child("decoder"), latent, frames);
        new ResidualVectorQuantizer(config.rvq()).codebooks(root.child("quantizer"));
    }

    /** The audiocraft keys of the whole model (with or without the encoder). */
    static java.util.Set<String> expectedKeys(CompressionConfig config, boolean withEncoder) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, Map.of(), "(keys)", DataType.FLOAT, true, 0);
        buildAll(root, config, withEncoder);
        return root.build().created().keySet();
    }

    private static void check(CompressionConfig config, Map<String, Tensor> weights, String sourceName) {
        boolean withEncoder = weights.keySet().stream().anyMatch(k -> k.startsWith("encoder."));
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, weights, sourceName, DataType.FLOAT, true, 0);
        buildAll(root, config, withEncoder);
        // Every key must be accounted for: nothing outside the three modules either.
        root.build().checkLoaded();
    }

    /** Graphs by stage and length; a small LRU so that a few window lengths stay built. */
    static final class GraphCache implements Chunked.Graphs {
        private final Map<String, Object> map = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
                return size() > 8;
            }
        };

        @Override
        @SuppressWarnings("unchecked")
        public <G> G get(String key, Function<String, G> build) {
            Object g = map.get(key);
            if (g == null) {
                g = build.apply(key);
                map.put(key, g);
            }
            return (G) g;
        }
    }
}
