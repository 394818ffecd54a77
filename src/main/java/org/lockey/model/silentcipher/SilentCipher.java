package org.lockey.model.silentcipher;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.lockey.LockeyException;
import org.lockey.audio.Spectrum;
import org.lockey.audio.Stft;
import org.lockey.audio.StftConfig;
import org.lockey.io.Tensor;
import org.lockey.nn.BatchNorm2d;
import org.lockey.nn.Inference;
import org.lockey.nn.Reduce;
import org.lockey.nn.Scope;
import org.lockey.nn.StftGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.PadMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SilentCipher: embeds a message into audio and decodes it back (Singh et al., "SilentCipher: Deep
 * Audio Watermarking", Interspeech 2024; upstream {@code sony/silentcipher src/silentcipher/server.py
 * Model.encode_wav / decode_wav}, networks in {@code model.py}, STFT in {@code stft.py}).
 *
 * <p>Embedding ({@link #embed}), for audio y of L samples at the model rate:
 * <ol>
 * <li>power normalisation {@code y_n = y sqrt(E_ref / mean(y^2))}, {@link #AVERAGE_ENERGY_VCTK};
 * silent input (power 0) is returned unchanged;</li>
 * <li>zero-pad right by {@code N_FFT - L mod N_FFT}, STFT (periodic Hann N_FFT, hop HOP_LENGTH,
 * centred, reflect) -> carrier C = |X| [1, 1, F, T] and phase (kept out of the graph: no gradient);</li>
 * <li>message one-hot M [1, 1, message_dim, T] tiled along time ({@link PayloadCodec});</li>
 * <li>Me = enc_c.transformMessage(M); H = cat(E(C), C x 32, Me x 32);</li>
 * <li>h = dec_c(H, sdr) ({@link CarrierDecoder}: the SDR-controlled watermark shape, paper Eq. 2-3);</li>
 * <li>W = h sqrt(mean_{F,T} C^2) (utterance-level; per frame with frame_level_normalization);</li>
 * <li>C' = ReLU(C - W) (paper Eq. 1 with W <= 0 written as C + W);</li>
 * <li>iSTFT of C' e^{i phase}, drop the padding, undo the power normalisation.</li>
 * </ol>
 * Decoding ({@link #decode}): power normalisation and STFT as above, then dec_m_0 -> logits
 * [1, 1, message_dim, T] and the per-frame argmax, decoded with the period rule of {@link PayloadCodec}.
 *
 * <p>The networks run as one SameDiff graph in float32 (placeholders {@code carrier}
 * [-1, 1, F, -1], {@code message} [-1, 1, message_dim, -1], {@code message_scale} = 10^(-sdr/20),
 * {@code magnitude} [-1, 1, F, -1]); the STFT runs in double precision outside it
 * ({@link Stft}). Training graphs build the same networks with {@link #buildEmbed} and
 * {@link #buildDecoder} on their own scope (e.g. on an STFT magnitude computed in the graph).
 *
 * <p>BatchNorm defaults to batch statistics, as upstream inference runs (it never calls
 * {@code .eval()}); running statistics are an option.
 *
 * <p>A model holds either all three networks or only the embedding side ({@link Networks}): weights
 * without any {@code dec_m_0.*} key (a release distributed as {@code enc_c.ckpt} + {@code dec_c.ckpt},
 * which is all {@code encode_wav} runs) load as {@link Networks#EMBEDDING_ONLY}, embed exactly as the full
 * model does, and refuse every decoding method with one line naming the weights and the missing decoder.
 */
public final class SilentCipher {
    /** Upstream's reference power {@code average_energy_VCTK}: every input is scaled to it. */
    public static final double AVERAGE_ENERGY_VCTK = 0.002837200844477648;
    /** The default {@code eps} of {@link #buildDecoderOnAudio}: a zero bin's magnitude becomes 1e-6. */
    public static final double MAGNITUDE_EPS = 1e-12;
    /** Checkpoint prefixes of the three networks (the upstream files enc_c.ckpt, dec_c.ckpt, dec_m_0.ckpt). */
    public static final String[] PREFIXES = {CarrierEncoder.PREFIX + ".", CarrierDecoder.PREFIX + ".",
        MsgDecoder.PREFIX + "."};

    private static final String CARRIER = "carrier";
    private static final String MESSAGE = "message";
    private static final String MESSAGE_SCALE = "message_scale";
    private static final String MAGNITUDE = "magnitude";

    /**
     * Which of SilentCipher's networks a model holds. Embedding ({@code encode_wav}) runs only
     * {@code enc_c} and {@code dec_c}; decoding ({@code decode_wav}) runs only {@code dec_m_0}.
     */
    public enum Networks {
        /** {@code enc_c} and {@code dec_c}: embeds, cannot decode. */
        EMBEDDING_ONLY,
        /** {@code enc_c}, {@code dec_c} and {@code dec_m_0}: embeds and decodes. */
        EMBEDDING_AND_MESSAGE_DECODER;

        /**
         * The networks a checkpoint holds: the message decoder is there when any key starts with
         * {@code dec_m_0.} (a partial one is then reported key by key when the model loads).
         */
        public static Networks in(Map<String, Tensor> weights) {
            return weights.keySet().stream().anyMatch(k -> k.startsWith(PREFIXES[2])) ? EMBEDDING_AND_MESSAGE_DECODER
                    : EMBEDDING_ONLY;
        }

        /** The checkpoint prefixes of these networks. */
        String[] prefixes() {
            return this == EMBEDDING_ONLY ? new String[] {PREFIXES[0], PREFIXES[1]} : PREFIXES.clone();
        }
    }

    private final SilentCipherConfig config;
    private final BatchNorm2d.Mode bnMode;
    private final DataType dtype;
    private final Networks networks;
    private final String source;
    private final Stft stft;
    private final SameDiff sd;
    private final EmbedGraph embedGraph;
    /** dec_m_0's logits on the {@code magnitude} placeholder; empty for {@link Networks#EMBEDDING_ONLY}. */
    private final Optional<SDVariable> logits;
    private final Map<String, long[]> stateDict;
    /** Inference graphs built in this process (each holds a copy of the weights as constants). */
    private static final AtomicLong GRAPHS_BUILT = new AtomicLong();

    private SilentCipher(SilentCipherConfig config, BatchNorm2d.Mode bnMode, DataType dtype, Networks networks,
            Map<String, Tensor> weights, String source, long seed) {
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("SilentCipher runs in FLOAT or DOUBLE, not " + dtype);
        }
        this.config = config;
        this.bnMode = bnMode;
        this.dtype = dtype;
        this.networks = networks;
        this.source = source;
        this.stft = new Stft(StftConfig.of(config.nFft(), config.hopLength()));
        this.sd = SameDiff.create();
        GRAPHS_BUILT.incrementAndGet();
        // Frozen: inference holds the weights as constants; training graphs build their own scope.
        Scope root = Scope.root(sd, weights, source, dtype, true, seed);
        int bins = config.bins();
        SDVariable carrier = sd.placeHolder(CARRIER, dtype, -1, 1, bins, -1);
        SDVariable message = sd.placeHolder(MESSAGE, dtype, -1, 1, config.messageDim(), -1);
        SDVariable scale = sd.placeHolder(MESSAGE_SCALE, dtype);
        this.embedGraph = buildEmbed(root, carrier, message, scale);
        if (networks == Networks.EMBEDDING_AND_MESSAGE_DECODER) {
            SDVariable magnitude = sd.placeHolder(MAGNITUDE, dtype, -1, 1, bins, -1);
            this.logits = Optional.of(buildDecoder(root, magnitude));
        } else {
            this.logits = Optional.empty();
        }
        root.build().checkLoaded(networks.prefixes());
        this.stateDict = root.build().created();
    }

    /**
     * A model with checkpoint weights (upstream keys without {@code module.}, see
     * {@link #mergeUpstream}) and upstream's BatchNorm mode (batch statistics). The networks are
     * those the weights hold ({@link Networks#in}): without any {@code dec_m_0.*} key the model embeds
     * only.
     *
     * @param source the weights' file (or another description) that errors name
     * @throws LockeyException listing every missing, unexpected and mis-shaped key
     */
    public static SilentCipher load(SilentCipherConfig config, Map<String, Tensor> weights, String source) {
        return load(config, weights, source, BatchNorm2d.Mode.BATCH_STATISTICS, DataType.FLOAT);
    }

    /**
     * As {@link #load(SilentCipherConfig, Map, String)} with a chosen BatchNorm mode and float type of
     * the networks (FLOAT as upstream, or DOUBLE).
     */
    public static SilentCipher load(SilentCipherConfig config, Map<String, Tensor> weights, String source,
            BatchNorm2d.Mode bnMode, DataType dtype) {
        return new SilentCipher(config, bnMode, dtype, Networks.in(weights), weights, source, 0);
    }

    /**
     * A model with PyTorch-default initialised weights drawn from {@code seed} (tests, shapes). To
     * train, build the networks on a trainable scope with {@link #buildEmbed} / {@link #buildDecoder}.
     */
    public static SilentCipher initialised(SilentCipherConfig config, long seed) {
        return new SilentCipher(config, BatchNorm2d.Mode.BATCH_STATISTICS, DataType.FLOAT,
                Networks.EMBEDDING_AND_MESSAGE_DECODER, null, "(initialised)", seed);
    }

    /**
     * One weight map from upstream's three state dicts ({@code enc_c.ckpt}, {@code dec_c.ckpt},
     * {@code dec_m_0.ckpt}): the DataParallel prefix {@code module.} is removed (upstream
     * {@code convert_dataparallel_to_normal}) and each key is put under its network's prefix.
     */
    public static Map<String, Tensor> mergeUpstream(Map<String, Tensor> encC, Map<String, Tensor> decC,
            Map<String, Tensor> decM0) {
        Map<String, Tensor> out = mergeUpstream(encC, decC);
        put(out, PREFIXES[2], decM0);
        return out;
    }

    /**
     * The weight map of the embedding side only ({@code enc_c.ckpt}, {@code dec_c.ckpt}): loads as
     * {@link Networks#EMBEDDING_ONLY}.
     */
    public static Map<String, Tensor> mergeUpstream(Map<String, Tensor> encC, Map<String, Tensor> decC) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        put(out, PREFIXES[0], encC);
        put(out, PREFIXES[1], decC);
        return out;
    }

    /** Puts each tensor under its network's key, renamed too (a safetensors file names tensors by {@link Tensor#name}). */
    private static void put(Map<String, Tensor> out, String prefix, Map<String, Tensor> in) {
        in.forEach((k, v) -> {
            String key = prefix + (k.startsWith("module.") ? k.substring("module.".length()) : k);
            out.put(key, new Tensor(key, v.dtype(), v.shape(), v.data()));
        });
    }

    /** The configuration. */
    public SilentCipherConfig config() {
        return config;
    }

    /**
     * How many SilentCipher inference graphs this process has built: evaluation loops build one per run and
     * reuse it ({@code Table1Test}), not one per clip or decoding.
     */
    public static long graphsBuilt() {
        return GRAPHS_BUILT.get();
    }

    /**
     * Bytes of released intermediate arrays the calling thread's session of this model's graph keeps for reuse:
     * 0, since every run goes through {@link Inference#output}.
     */
    long cachedBytes() {
        return Inference.cachedBytes(sd);
    }

    /** Whether the calling thread's session of this model's graph would keep released arrays. */
    boolean cachesArrays() {
        return Inference.caches(sd);
    }

    /** The networks this model holds. */
    public Networks networks() {
        return networks;
    }

    /**
     * Throws unless this model holds the message decoder.
     *
     * @param operation what needs it, for the message ("decode", "detect", ...)
     * @throws LockeyException one line naming the weights and the missing {@code dec_m_0}
     */
    public void requireMessageDecoder(String operation) {
        if (networks != Networks.EMBEDDING_AND_MESSAGE_DECODER) {
            throw missingMessageDecoder(source, operation);
        }
    }

    /** The one-line error of an operation that needs the message decoder on weights without one. */
    static LockeyException missingMessageDecoder(String source, String operation) {
        return new LockeyException(source + ": no message decoder (no " + MsgDecoder.PREFIX + ".* weights, upstream "
                + MsgDecoder.PREFIX + ".ckpt); these weights can embed but not " + operation);
    }

    /**
     * Every parameter and buffer of the networks this model holds by upstream key (without {@code module.}), with
     * its shape, in creation order: the key set of a compatible checkpoint.
     */
    public Map<String, long[]> stateDictShapes() {
        return stateDict;
    }

    /** The weights by upstream key (without {@code module.}), as a checkpoint stores them. */
    public Map<String, Tensor> weights() {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        for (String key : stateDict.keySet()) {
            out.put(key, Tensor.of(key, sd.getVariable(key).getArr()));
        }
        return out;
    }

    /** The BatchNorm mode of the networks. */
    public BatchNorm2d.Mode bnMode() {
        return bnMode;
    }

    /** The graph outputs of the embedding networks. */
    public record EmbedGraph(SDVariable msgEnc, SDVariable decCOut, SDVariable carrierReconst) {
    }

    /**
     * Builds steps 4-7 of the embedding on {@code root} (keys {@code enc_c.*}, {@code dec_c.*}):
     * carrier [B, 1, F, T], one-hot message [B, 1, message_dim, T] and the scalar
     * {@code 10^(-sdr/20)} -> Me, h and C'.
     */
    public EmbedGraph buildEmbed(Scope root, SDVariable carrier, SDVariable message, SDVariable messageScale) {
        CarrierEncoder enc = new CarrierEncoder(config, bnMode);
        Scope encScope = root.child(CarrierEncoder.PREFIX);
        SDVariable encoded = enc.encode(encScope, carrier); // [B, w, F, T], upstream w = 32
        SDVariable me = enc.transformMessage(encScope, message); // [B, 1, F, T]
        Scope decScope = root.child(CarrierDecoder.PREFIX);
        SDVariable merged = CarrierDecoder.merge(decScope, encoded, carrier, me, config.carrierWidth()); // [B, 3w, F, T]
        SDVariable h = new CarrierDecoder(config, bnMode).decode(decScope, merged, messageScale); // [B, 1, F, T]
        SameDiff g = root.sd();
        SDVariable w = h; // the watermark magnitude W, [B, 1, F, T]
        if (config.frameLevelNormalization()) {
            w = h.mul(g.math().sqrt(Reduce.meanSquare(carrier, true, 2))); // per-frame RMS [B, 1, 1, T]
        } else if (config.utteranceLevelNormalization()) {
            w = h.mul(g.math().sqrt(Reduce.meanSquare(carrier, true, 2, 3))); // RMS [B, 1, 1, 1]
        }
        SDVariable reconst;
        if (config.ensureNegativeMessage()) {
            reconst = g.nn().relu(carrier.sub(w), 0); // ReLU(C - W)
        } else if (config.ensureConstrainedMessage()) {
            SDVariable clipped = g.math().min(g.math().max(w, carrier.neg()), carrier); // W in [-C, C]
            reconst = carrier.add(clipped);
        } else {
            reconst = g.math().abs(carrier.add(w));
        }
        return new EmbedGraph(me, h, reconst);
    }

    /**
     * Builds dec_m_0 on {@code root}: magnitude [B, 1, F, T] -> logits [B, 1, message_dim, T].
     *
     * @throws LockeyException for an {@link Networks#EMBEDDING_ONLY} model
     */
    public SDVariable buildDecoder(Scope root, SDVariable magnitude) {
        requireMessageDecoder("build the message decoder");
        return new MsgDecoder(config, bnMode).decode(root.child(MsgDecoder.PREFIX), magnitude);
    }

    /**
     * dec_m_0 on audio inside the graph, so that a loss on the logits differentiates back to the
     * waveform (LOCKEY's watermark loss CE(D_m(G(x, k)), k)): per example, the power normalisation
     * of the embedding's step 1 (its gain is part of the graph), the right zero padding of step 2,
     * the STFT as {@link StftGraph} (periodic Hann N_FFT, hop, centred, reflect), the magnitude
     * {@code sqrt(re^2 + im^2 + eps)}, then {@link #buildDecoder}.
     *
     * @param root   the model's root scope
     * @param audio  {@code [B, length]} at the model rate
     * @param length the number of samples (static)
     * @param eps    added under the magnitude's square root so its gradient stays finite at a zero bin
     *               (upstream adds nothing in the forward; {@link #MAGNITUDE_EPS} changes a
     *               magnitude by at most 1e-6)
     * @return logits {@code [B, 1, message_dim, T]}, T = {@code config.frames(length)}
     */
    public SDVariable buildDecoderOnAudio(Scope root, SDVariable audio, int length, double eps) {
        SameDiff g = root.sd();
        SDVariable power = Reduce.meanSquare(audio, true, 1); // [B, 1]
        SDVariable normalized = audio.mul(g.math().sqrt(power.rdiv(AVERAGE_ENERGY_VCTK))); // [B, L]
        int pad = config.rightPadding(length);
        SDVariable padSpec = g.constant(root.uniqueName("silentcipher_pad"),
                Nd4j.createFromArray(new int[][] {{0, 0}, {0, pad}}));
        SDVariable padded = g.nn().pad(normalized, padSpec, PadMode.CONSTANT, 0.0); // [B, L + pad]
        StftGraph stftGraph = new StftGraph(StftConfig.of(config.nFft(), config.hopLength()));
        String prefix = root.uniqueName("silentcipher_stft");
        StftGraph.Spec spec = stftGraph.stft(g, prefix, padded, config.paddedLength(length)); // [B, F, T]
        SDVariable magnitude = stftGraph.magnitude(g, prefix, spec, eps); // [B, F, T]
        return buildDecoder(root, g.expandDims(magnitude, 1)); // [B, 1, message_dim, T]
    }

    /**
     * The intermediate tensors of one embedding, named and shaped as upstream's (golden README
     * {@code silentcipher.embed}).
     *
     * @param audioNormalized [1, L] the power-normalised input
     * @param carrier         [1, 1, F, T] STFT magnitude C
     * @param messageOnehot   [1, 1, message_dim, T] M
     * @param msgEnc          [1, 1, F, T] Me
     * @param decCOut         [1, 1, F, T] h, dec_c's output
     * @param carrierReconst  [1, 1, F, T] C'
     */
    public record Steps(INDArray audioNormalized, INDArray carrier, INDArray messageOnehot, INDArray msgEnc,
            INDArray decCOut, INDArray carrierReconst) {
    }

    /**
     * The result of an embedding.
     *
     * @param watermarked the watermarked audio, as long as the input
     * @param steps       the intermediates; empty when the input was silent (returned unchanged)
     */
    public record Embedding(float[] watermarked, Optional<Steps> steps) {
        public Embedding {
            watermarked = watermarked.clone();
        }

        @Override
        public float[] watermarked() {
            return watermarked.clone();
        }
    }

    /** {@link #embed(float[], int[], double)} at the config's message_sdr. */
    public Embedding embed(float[] audio, int[] symbols) {
        return embed(audio, symbols, config.messageSdr());
    }

    /**
     * Embeds a payload at {@code sdrDb}; the model's message format must be {@link PayloadCodec}'s
     * for this payload length (message_dim 5, message_len = ceil(bits/2) + 1).
     *
     * @throws LockeyException when the payload does not fit the model
     */
    public Embedding embed(float[] audio, boolean[] payload, double sdrDb) {
        PayloadCodec codec = codecFor(payload.length);
        return embed(audio, codec.symbols(payload), sdrDb);
    }

    /** The codec of {@code payloadBits}-bit payloads, if this model's message format can carry them. */
    public PayloadCodec codecFor(int payloadBits) {
        PayloadCodec codec = new PayloadCodec(payloadBits);
        if (config.messageDim() != PayloadCodec.MESSAGE_DIM || config.messageLen() != codec.period()) {
            throw new LockeyException("a " + payloadBits + "-bit payload needs message_dim " + PayloadCodec.MESSAGE_DIM
                    + " and message_len " + codec.period() + "; this model has message_dim " + config.messageDim()
                    + " and message_len " + config.messageLen());
        }
        return codec;
    }

    /**
     * Embeds upstream message symbols (message_len - 1 values in 0..message_dim-2; class = symbol + 1,
     * then the end token) at {@code sdrDb} dB.
     *
     * @param audio   mono samples at the model rate (resample first)
     * @param symbols the message symbols
     * @param sdrDb   the SDR alpha of the spectral change
     */
    public Embedding embed(float[] audio, int[] symbols, double sdrDb) {
        if (symbols.length != config.messageLen() - 1) {
            throw new LockeyException(symbols.length + " message symbols; message_len " + config.messageLen()
                    + " needs " + (config.messageLen() - 1));
        }
        int[] period = PayloadCodec.classesOfSymbols(symbols, config.messageDim());
        if (!Double.isFinite(sdrDb)) {
            throw new LockeyException("message SDR " + sdrDb + " dB is not finite");
        }
        int length = audio.length;
        double power = meanSquare(audio);
        if (power == 0) {
            // Upstream skips silent input (its power normalisation would divide by zero).
            return new Embedding(audio, Optional.empty());
        }
        double gain = Math.sqrt(AVERAGE_ENERGY_VCTK / power);
        double[] normalized = new double[length];
        for (int i = 0; i < length; i++) {
            normalized[i] = audio[i] * gain;
        }
        Spectrum spectrum = stft.forward(padRight(normalized));
        int bins = config.bins();
        int frames = spectrum.frames();
        double[][] mag = spectrum.magnitude(0);
        INDArray carrier = carrierOf(mag, bins, frames);
        float[][] onehot = PayloadCodec.oneHot(PayloadCodec.tile(period, frames, 0), config.messageDim());
        INDArray message = Nd4j.createFromArray(onehot).reshape(1, 1, config.messageDim(), frames).castTo(dtype);
        Map<String, INDArray> out;
        synchronized (sd) {
            out = Inference.output(sd, Map.of(CARRIER, carrier, MESSAGE, message, MESSAGE_SCALE,
                    Nd4j.scalar(dtype, Math.pow(10, -sdrDb / 20))),
                    embedGraph.msgEnc().name(), embedGraph.decCOut().name(), embedGraph.carrierReconst().name());
        }
        INDArray reconst = out.get(embedGraph.carrierReconst().name());
        double[][] reconstD = reconst.reshape(bins, frames).toDoubleMatrix();
        // The original phase, as cos/sin = X/|X| (an exactly-zero bin has phase 0, as atan2(0, 0)).
        double[][] re = new double[bins][frames];
        double[][] im = new double[bins][frames];
        for (int f = 0; f < bins; f++) {
            for (int t = 0; t < frames; t++) {
                double m = mag[f][t];
                double c = m > 0 ? spectrum.re()[f][t] / m : 1;
                double s = m > 0 ? spectrum.im()[f][t] / m : 0;
                double r = reconstD[f][t];
                re[f][t] = r * c;
                im[f][t] = r * s;
            }
        }
        double[] y = stft.inverse(new Spectrum(re, im));
        float[] watermarked = new float[length];
        double inverseGain = Math.sqrt(power / AVERAGE_ENERGY_VCTK);
        for (int i = 0; i < length; i++) {
            watermarked[i] = (float) (y[i] * inverseGain);
        }
        INDArray normalizedNd = Nd4j.createFromArray(normalized).castTo(DataType.FLOAT).reshape(1, length);
        Steps steps = new Steps(normalizedNd, carrier, message, out.get(embedGraph.msgEnc().name()),
                out.get(embedGraph.decCOut().name()), reconst);
        return new Embedding(watermarked, Optional.of(steps));
    }

    /**
     * The decoder's view of some audio.
     *
     * @param carrier      [1, 1, F, T] STFT magnitude of the power-normalised audio
     * @param logits       [1, 1, message_dim, T] dec_m_0's output
     * @param frameClasses argmax class per frame (the lowest class on an exact tie)
     * @param message      the period rule applied with message_len (symbols = class - 1)
     */
    public record Decoding(INDArray carrier, INDArray logits, int[] frameClasses, PayloadCodec.Decoded message) {
        public Decoding {
            frameClasses = frameClasses.clone();
        }

        @Override
        public int[] frameClasses() {
            return frameClasses.clone();
        }
    }

    /**
     * Decodes the watermark of {@code audio} (upstream {@code decode_wav} without phase-shift search).
     *
     * @throws LockeyException for silent input, and for an {@link Networks#EMBEDDING_ONLY} model
     */
    public Decoding decode(float[] audio) {
        return decode(audio, 0, audio.length, meanSquare(audio));
    }

    /**
     * Decodes samples {@code [from, to)} of {@code audio} as a clip of their own, except that the level is
     * normalised by {@code power} (the mean square of the whole clip they come from, for a long clip read in
     * segments) instead of their own: {@code decode(audio)} is {@code decode(audio, 0, audio.length,
     * mean(audio^2))}.
     *
     * @throws LockeyException for a power of 0 (silence), and for an {@link Networks#EMBEDDING_ONLY} model
     */
    public Decoding decode(float[] audio, int from, int to, double power) {
        requireMessageDecoder("decode");
        SDVariable decoderOut = logits.orElseThrow();
        if (power == 0) {
            throw new LockeyException("silent audio (power 0) carries no watermark");
        }
        double gain = Math.sqrt(AVERAGE_ENERGY_VCTK / power);
        double[] normalized = new double[to - from];
        for (int i = 0; i < normalized.length; i++) {
            normalized[i] = audio[from + i] * gain;
        }
        double[][] mag = stft.forward(padRight(normalized)).magnitude(0);
        int bins = config.bins();
        int frames = mag[0].length;
        INDArray carrier = carrierOf(mag, bins, frames);
        INDArray out;
        synchronized (sd) {
            out = Inference.output(sd, Map.of(MAGNITUDE, carrier), decoderOut.name()).get(decoderOut.name());
        }
        int dim = config.messageDim();
        double[][] scores = out.reshape(dim, frames).toDoubleMatrix();
        int[] classes = new int[frames];
        for (int t = 0; t < frames; t++) {
            int best = 0;
            for (int c = 1; c < dim; c++) {
                if (scores[c][t] > scores[best][t]) {
                    best = c;
                }
            }
            classes[t] = best;
        }
        PayloadCodec.Decoded message = frames < config.messageLen()
                ? new PayloadCodec.Decoded(false, new int[0], new boolean[0], 0, 0,
                        frames + " frames are fewer than one message period of " + config.messageLen())
                : PayloadCodec.decodePeriodic(classes, config.messageLen());
        return new Decoding(carrier, out, classes, message);
    }

    /**
     * The first {@code bins} rows of a magnitude [F][T] as a [1, 1, bins, T] array of the model's type,
     * filled in one bulk copy (not element by element: ~220,000 host calls for 10 s at 22.05 kHz).
     */
    private INDArray carrierOf(double[][] mag, int bins, int frames) {
        double[] flat = new double[bins * frames];
        for (int f = 0; f < bins; f++) {
            System.arraycopy(mag[f], 0, flat, f * frames, frames);
        }
        return Nd4j.createFromArray(flat).reshape(1, 1, bins, frames).castTo(dtype);
    }

    /** Decodes a payload of {@code payloadBits} bits (the model must carry that format). */
    public PayloadCodec.Decoded decodePayload(float[] audio, int payloadBits) {
        return codecFor(payloadBits).decode(decode(audio).frameClasses());
    }

    private double[] padRight(double[] y) {
        double[] padded = new double[config.paddedLength(y.length)];
        System.arraycopy(y, 0, padded, 0, y.length);
        return padded;
    }

    /** mean(y^2), accumulated in double. */
    public static double meanSquare(float[] y) {
        if (y.length == 0) {
            throw new LockeyException("empty audio");
        }
        double s = 0;
        for (float v : y) {
            s += (double) v * v;
        }
        return s / y.length;
    }
}
