package org.lockey.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lockey.audio.StftConfig;
import org.lockey.io.Tensor;
import org.lockey.model.silentcipher.MsgDecoder;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.nn.BatchNorm2d;
import org.lockey.nn.Reduce;
import org.lockey.nn.Scope;
import org.lockey.nn.StftGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The SameDiff graph of one SilentCipher training step (paper Sec. 3, Fig. 1; the recipe of
 * {@code docs/silentcipher.md}) for crops of a fixed length L, any batch size B:
 * <pre>
 *   carrier C [B,1,F,T], message M [B,1,5,T], scale 10^(-sdr/20)
 *     -> enc_c, dec_c, W, C' = ReLU(C - W)              SilentCipher#buildEmbed      [B,1,F,T]
 *     -> C' cos(phase), C' sin(phase) -> iSTFT          StftGraph#istft              y [B,L]
 *     -> y + residual                                   straight-through distortion  [B,L]
 *     -> power normalisation, STFT magnitude, dec_m_0   SilentCipher#buildDecoderOnAudio
 *                                                       logits [B,1,5,T]
 *   loss = msgWeight * mean_B mean_T CE(logits, target)  (+ carrierWeight * mean (C' - C)^2)
 * </pre>
 * The phase (cos and sin of the carrier's STFT, placeholders) gets no gradient, as upstream.
 *
 * <p><b>Straight-through distortion.</b> A distortion d that is not a graph op (a codec run by
 * ffmpeg, EQ, jitter, noise) enters as {@code y + residual} with the placeholder
 * {@code residual = d(y) - y} computed outside the graph from this step's forward value of y
 * ({@link #watermarked}). The forward value is exactly d(y); the gradient reaching y is the gradient
 * at d(y), unchanged (identity Jacobian), the "pseudo-differentiable" layer of the SilentCipher
 * paper (Sec. 3.3). For additive noise it is the exact gradient.
 *
 * <p>Parameters are trainable variables under the upstream keys; the BatchNorm running statistics
 * are constants this graph never reads (batch-statistics mode); the trainer keeps them
 * ({@link #batchStatistics}).
 */
public final class WatermarkGraph {
    static final String CARRIER = "carrier";
    static final String COS = "phase_cos";
    static final String SIN = "phase_sin";
    static final String MESSAGE = "message";
    static final String MESSAGE_SCALE = "message_scale";
    static final String RESIDUAL = "residual";
    static final String TARGET = "target";
    static final String WATERMARKED = "watermarked";
    static final String LOSS = "loss";
    static final String CE = "message_ce";

    private final SilentCipherConfig config;
    private final int length;
    private final int frames;
    private final SameDiff sd;
    private final SDVariable logits;
    private final List<String> parameters;
    private final Map<String, long[]> stateDict;
    private final List<String> bnPrefixes;

    /**
     * @param config        the model (BatchNorm in batch-statistics mode while training)
     * @param length        crop length L in samples
     * @param msgWeight     weight of the message cross-entropy (upstream hparams lambda_msg_loss 20)
     * @param carrierWeight weight of the carrier MSE (0 leaves the term out of the graph)
     * @param weights       initial weights by key, or null for a seeded PyTorch-default initialisation
     * @param seed          the initialiser's seed
     */
    public WatermarkGraph(SilentCipherConfig config, int length, double msgWeight, double carrierWeight,
            Map<String, Tensor> weights, long seed) {
        this.config = config;
        this.length = length;
        this.frames = config.frames(length);
        this.sd = SameDiff.create();
        Scope root = weights == null ? Scope.fresh(sd, seed) : Scope.loaded(sd, weights, "checkpoint");
        int bins = config.bins();
        DataType f = DataType.FLOAT;
        SDVariable carrier = sd.placeHolder(CARRIER, f, -1, 1, bins, frames);
        SDVariable cos = sd.placeHolder(COS, f, -1, 1, bins, frames);
        SDVariable sin = sd.placeHolder(SIN, f, -1, 1, bins, frames);
        SDVariable message = sd.placeHolder(MESSAGE, f, -1, 1, config.messageDim(), frames);
        SDVariable scale = sd.placeHolder(MESSAGE_SCALE, f);
        SDVariable residual = sd.placeHolder(RESIDUAL, f, -1, length);
        SDVariable target = sd.placeHolder(TARGET, DataType.INT32, -1, frames);

        // SilentCipher#buildEmbed only reads the config and the BatchNorm mode of the instance.
        SilentCipher model = SilentCipher.initialised(config, seed);
        SDVariable reconst = model.buildEmbed(root, carrier, message, scale).carrierReconst(); // [B, 1, F, T]
        SDVariable re = sd.squeeze(reconst.mul(cos), 1); // [B, F, T]
        SDVariable im = sd.squeeze(reconst.mul(sin), 1); // [B, F, T]
        StftGraph stft = new StftGraph(StftConfig.of(config.nFft(), config.hopLength()));
        // iSTFT to the crop length: upstream's right padding is dropped the same way (first L samples).
        SDVariable y = sd.identity(WATERMARKED, stft.istft(sd, "wm", re, im, frames, length)); // [B, L]
        SDVariable distorted = straightThrough(y, residual); // forward d(y), gradient identity
        this.logits = model.buildDecoderOnAudio(root, distorted, length, SilentCipher.MAGNITUDE_EPS); // [B, 1, 5, T]
        SDVariable perExample = WatermarkLoss.perExample(sd, sd.squeeze(logits, 1), target, config.messageDim()); // [B]
        SDVariable ce = sd.identity(CE, perExample.mean());
        SDVariable loss = ce.mul(msgWeight);
        if (carrierWeight != 0) {
            loss = loss.add(Reduce.meanSquare(reconst.sub(carrier), false, 0, 1, 2, 3).mul(carrierWeight));
        }
        sd.identity(LOSS, loss);
        root.build().checkLoaded(SilentCipher.PREFIXES);
        this.stateDict = root.build().created();
        List<String> params = new ArrayList<>();
        List<String> bns = new ArrayList<>();
        for (String key : stateDict.keySet()) {
            if (sd.getVariable(key).getVariableType() == VariableType.VARIABLE) {
                params.add(key);
            }
            if (key.endsWith(".running_mean")) {
                bns.add(key.substring(0, key.length() - ".running_mean".length()));
            }
        }
        this.parameters = Collections.unmodifiableList(params);
        this.bnPrefixes = Collections.unmodifiableList(bns);
    }

    /**
     * The straight-through distortion {@code y + stopgrad(d(y) - y)}: {@code residual} holds
     * {@code d(y) - y} computed outside the graph from y's forward value, so the sum's value is d(y)
     * and the gradient reaching y is the gradient at d(y). The residual must be a placeholder or
     * constant (SameDiff's gradients for a placeholder feeding several ops are wrong in M2.1, but
     * none is asked for here).
     */
    public static SDVariable straightThrough(SDVariable y, SDVariable residual) {
        return y.add(residual);
    }

    /** The crop length L. */
    public int length() {
        return length;
    }

    /** STFT frames T of a crop. */
    public int frames() {
        return frames;
    }

    /** The graph. */
    public SameDiff sd() {
        return sd;
    }

    /** Keys of the trainable parameters, in creation order. */
    public List<String> parameters() {
        return parameters;
    }

    /** Every key of the state dict (parameters and BatchNorm buffers) with its shape. */
    public Map<String, long[]> stateDict() {
        return stateDict;
    }

    /** The scope prefixes of every BatchNorm, e.g. {@code dec_m_0.main.1.bn}. */
    public List<String> bnPrefixes() {
        return bnPrefixes;
    }

    /** The logits' graph name ([B, 1, 5, T]). */
    public String logitsName() {
        return logits.name();
    }

    /**
     * Elements per channel that a BatchNorm's batch statistics average over: B x F x T in
     * {@code enc_c} and {@code dec_c} (all F bins), B x band x T in {@code dec_m_0} (which slices
     * the band first). Used for the unbiased variance of the running-statistics update.
     */
    public long statisticCount(String bnPrefix, int batch) {
        int height = bnPrefix.startsWith(MsgDecoder.PREFIX + ".") ? config.messageBandSize() : config.bins();
        return (long) batch * height * frames;
    }

    /** The placeholders of a step (everything but the residual) as float32 / int32 arrays. */
    public record Inputs(INDArray carrier, INDArray cos, INDArray sin, INDArray message, INDArray scale,
            INDArray target) {
        Map<String, INDArray> with(INDArray residual) {
            Map<String, INDArray> m = new LinkedHashMap<>();
            m.put(CARRIER, carrier);
            m.put(COS, cos);
            m.put(SIN, sin);
            m.put(MESSAGE, message);
            m.put(MESSAGE_SCALE, scale);
            m.put(TARGET, target);
            m.put(RESIDUAL, residual);
            return m;
        }
    }

    /** Pass 1: the watermarked crops y [B, L] (the residual does not influence them). */
    public INDArray watermarked(Inputs in) {
        long b = in.carrier().size(0);
        Map<String, INDArray> ph = in.with(org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, b, length));
        ph.remove(TARGET);
        return sd.output(ph, WATERMARKED).get(WATERMARKED);
    }

    /** The result of pass 2. */
    public record Pass(double loss, double ce, INDArray logits, Map<String, INDArray> gradients,
            Map<String, INDArray> batchStatistics) {
    }

    /**
     * Pass 2: loss, message CE, logits, the gradient of every parameter, and every BatchNorm's batch
     * mean and (biased) variance, for the given residual [B, L].
     */
    public Pass lossAndGradients(Inputs in, INDArray residual) {
        List<String> outputs = new ArrayList<>(List.of(LOSS, CE, logits.name()));
        for (String bn : bnPrefixes) {
            outputs.add(BatchNorm2d.statisticName(bn, BatchNorm2d.BATCH_MEAN));
            outputs.add(BatchNorm2d.statisticName(bn, BatchNorm2d.BATCH_VAR));
        }
        OutAndGrad r = sd.calculateGradientsAndOutputs(in.with(residual), outputs, parameters);
        Map<String, INDArray> out = r.getOutputs();
        Map<String, INDArray> stats = new LinkedHashMap<>();
        for (String bn : bnPrefixes) {
            stats.put(bn + "." + BatchNorm2d.BATCH_MEAN, out.get(BatchNorm2d.statisticName(bn, BatchNorm2d.BATCH_MEAN)));
            stats.put(bn + "." + BatchNorm2d.BATCH_VAR, out.get(BatchNorm2d.statisticName(bn, BatchNorm2d.BATCH_VAR)));
        }
        return new Pass(out.get(LOSS).getDouble(0), out.get(CE).getDouble(0), out.get(logits.name()),
                r.getGradients(), stats);
    }

    /** The batch statistics' keys for a BatchNorm prefix, as in {@link Pass#batchStatistics()}. */
    public static String[] batchStatistics(String bnPrefix) {
        return new String[] {bnPrefix + "." + BatchNorm2d.BATCH_MEAN, bnPrefix + "." + BatchNorm2d.BATCH_VAR};
    }

    /** The current parameter arrays by key (live: Adam updates them in place). */
    public Map<String, INDArray> parameterArrays() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String k : parameters) {
            m.put(k, sd.getVariable(k).getArr());
        }
        return m;
    }
}
