package org.lockey.model.hifigan;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

import org.lockey.LockeyException;
import org.lockey.audio.MelConfig;
import org.lockey.io.Json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The hyper-parameters of a HiFi-GAN model, as the upstream {@code config_v1.json} (jik876/hifi-gan)
 * names them. Java names are camelCase; the upstream JSON key is given for each component and is
 * what {@link #fromJson(JsonNode)} reads and {@link #toJson()} writes.
 *
 * <p>The generator part follows Kong, Kim &amp; Bae, "HiFi-GAN" (NeurIPS 2020), §2.1 and Appendix A:
 * {@code upsample_rates} are the strides of the transposed convolutions (their product is the hop
 * size of the mel frames), the multi-receptive-field fusion (MRF) has one residual block per entry of
 * {@code resblock_kernel_sizes} / {@code resblock_dilation_sizes}.
 *
 * <p>Fields missing from a JSON object take the V1 value ({@link #v1()}): golden configs carry only
 * the generator fields. Upstream's machine settings ({@code num_gpus}, {@code num_workers},
 * {@code dist_config}) and any other key are ignored.
 *
 * @param resblock               {@code resblock}: which residual block the MRF uses, "1" or "2"
 * @param upsampleRates          {@code upsample_rates}: stride u_i of each transposed conv ({@code ups.i})
 * @param upsampleKernelSizes    {@code upsample_kernel_sizes}: kernel K_i of each transposed conv
 * @param upsampleInitialChannel {@code upsample_initial_channel}: channels C0 after {@code conv_pre};
 *                               stage i outputs C0 / 2^(i+1)
 * @param resblockKernelSizes    {@code resblock_kernel_sizes}: kernel of each MRF branch
 * @param resblockDilationSizes  {@code resblock_dilation_sizes}: dilations of each MRF branch
 * @param numMels                {@code num_mels}: mel bands of the generator input
 * @param mel                    the mel front-end ({@code meldataset.py}) fields
 * @param training               the optimiser and data-loader fields ({@code train.py})
 */
public record HifiGanConfig(ResBlockKind resblock, List<Integer> upsampleRates, List<Integer> upsampleKernelSizes,
        int upsampleInitialChannel, List<Integer> resblockKernelSizes, List<List<Integer>> resblockDilationSizes,
        int numMels, Mel mel, Training training) {

    /** The upstream {@code resblock} switch: {@code "1"} selects ResBlock1, {@code "2"} ResBlock2. */
    public enum ResBlockKind {
        /** ResBlock1 ({@code "1"}): conv pairs, three dilations (V1, V2). */
        ONE("1"),
        /** ResBlock2 ({@code "2"}): single convs, two dilations (V3). */
        TWO("2");

        private final String upstreamName;

        ResBlockKind(String upstreamName) {
            this.upstreamName = upstreamName;
        }

        /** The string upstream's config.json holds. */
        public String upstreamName() {
            return upstreamName;
        }

        /**
         * How many dilations one block of this kind uses: upstream ResBlock1 builds exactly three conv
         * pairs from {@code dilation[0..2]}, ResBlock2 exactly two convs from {@code dilation[0..1]};
         * further entries are ignored by upstream, and therefore here.
         */
        public int dilationsUsed() {
            return this == ONE ? ResBlock1.DILATIONS_USED : ResBlock2.DILATIONS_USED;
        }

        static ResBlockKind parse(String s) {
            for (ResBlockKind k : values()) {
                if (k.upstreamName.equals(s)) {
                    return k;
                }
            }
            throw new LockeyException("'resblock' must be \"1\" or \"2\", not \"" + s + "\"");
        }
    }

    /**
     * The mel-spectrogram front-end ({@code meldataset.mel_spectrogram}).
     *
     * @param samplingRate {@code sampling_rate}: audio sample rate in Hz
     * @param nFft         {@code n_fft}: FFT size
     * @param numFreq      {@code num_freq}: n_fft/2 + 1 (informational upstream)
     * @param hopSize      {@code hop_size}: samples per mel frame
     * @param winSize      {@code win_size}: Hann window length
     * @param fmin         {@code fmin}: lowest mel filter edge in Hz
     * @param fmax         {@code fmax}: highest mel filter edge in Hz for the generator input
     * @param fmaxForLoss  {@code fmax_for_loss}: fmax of the mel L1 loss; empty = JSON null = Nyquist
     */
    public record Mel(int samplingRate, int nFft, int numFreq, int hopSize, int winSize, double fmin, double fmax,
            OptionalDouble fmaxForLoss) {
        public Mel {
            positive("sampling_rate", samplingRate);
            positive("n_fft", nFft);
            positive("num_freq", numFreq);
            positive("hop_size", hopSize);
            positive("win_size", winSize);
            if (winSize > nFft) {
                throw new LockeyException("'win_size' (" + winSize + ") must not exceed 'n_fft' (" + nFft + ")");
            }
            if (!(fmin >= 0 && fmax > fmin)) {
                throw new LockeyException("need 0 <= 'fmin' < 'fmax', got fmin " + fmin + " and fmax " + fmax);
            }
            if (fmaxForLoss.isPresent() && !(fmaxForLoss.getAsDouble() > fmin)) {
                throw new LockeyException("'fmax_for_loss' (" + fmaxForLoss.getAsDouble() + ") must exceed 'fmin'");
            }
        }
    }

    /**
     * The training fields ({@code train.py}: AdamW, ExponentialLR per epoch, random crops).
     *
     * @param learningRate {@code learning_rate}: AdamW learning rate
     * @param adamB1       {@code adam_b1}: AdamW beta 1
     * @param adamB2       {@code adam_b2}: AdamW beta 2
     * @param lrDecay      {@code lr_decay}: ExponentialLR gamma, applied once per epoch
     * @param batchSize    {@code batch_size}: examples per step
     * @param segmentSize  {@code segment_size}: audio samples per training crop
     * @param seed         {@code seed}: the training seed
     */
    public record Training(double learningRate, double adamB1, double adamB2, double lrDecay, int batchSize,
            int segmentSize, long seed) {
        public Training {
            if (!(learningRate > 0)) {
                throw new LockeyException("'learning_rate' must be positive, got " + learningRate);
            }
            if (!(adamB1 >= 0 && adamB1 < 1 && adamB2 >= 0 && adamB2 < 1)) {
                throw new LockeyException("'adam_b1' and 'adam_b2' must lie in [0, 1), got " + adamB1 + ", " + adamB2);
            }
            if (!(lrDecay > 0 && lrDecay <= 1)) {
                throw new LockeyException("'lr_decay' must lie in (0, 1], got " + lrDecay);
            }
            positive("batch_size", batchSize);
            positive("segment_size", segmentSize);
        }
    }

    /** Validates the generator fields; every error is one line naming the upstream key. */
    public HifiGanConfig {
        if (resblock == null || mel == null || training == null) {
            throw new LockeyException("'resblock', the mel fields and the training fields are required");
        }
        upsampleRates = copyPositive("upsample_rates", upsampleRates);
        upsampleKernelSizes = copyPositive("upsample_kernel_sizes", upsampleKernelSizes);
        resblockKernelSizes = copyPositive("resblock_kernel_sizes", resblockKernelSizes);
        if (resblockDilationSizes == null) {
            throw new LockeyException("'resblock_dilation_sizes' is required");
        }
        List<List<Integer>> dil = new ArrayList<>();
        for (int j = 0; j < resblockDilationSizes.size(); j++) {
            dil.add(copyPositive("resblock_dilation_sizes[" + j + "]", resblockDilationSizes.get(j)));
        }
        resblockDilationSizes = List.copyOf(dil);
        if (upsampleRates.isEmpty()) {
            throw new LockeyException("'upsample_rates' must not be empty");
        }
        if (upsampleRates.size() != upsampleKernelSizes.size()) {
            throw new LockeyException("'upsample_rates' has " + upsampleRates.size() + " entries but "
                    + "'upsample_kernel_sizes' has " + upsampleKernelSizes.size() + "; they must pair up");
        }
        for (int i = 0; i < upsampleRates.size(); i++) {
            int u = upsampleRates.get(i);
            int k = upsampleKernelSizes.get(i);
            // padding (k-u)/2 on both sides gives exactly T*u output samples only when k-u is even and >= 0.
            if (k < u || (k - u) % 2 != 0) {
                throw new LockeyException("upsample stage " + i + ": kernel " + k + " and rate " + u
                        + " need k >= u and (k - u) even, else ups." + i + " does not output exactly T*" + u);
            }
        }
        positive("upsample_initial_channel", upsampleInitialChannel);
        int stages = upsampleRates.size();
        if (stages >= 31 || upsampleInitialChannel % (1 << stages) != 0) {
            throw new LockeyException("'upsample_initial_channel' (" + upsampleInitialChannel + ") must be divisible by 2^"
                    + stages + " (each of the " + stages + " upsample stages halves the channels)");
        }
        if (resblockKernelSizes.isEmpty()) {
            throw new LockeyException("'resblock_kernel_sizes' must not be empty");
        }
        if (resblockKernelSizes.size() != resblockDilationSizes.size()) {
            throw new LockeyException("'resblock_kernel_sizes' has " + resblockKernelSizes.size() + " entries but "
                    + "'resblock_dilation_sizes' has " + resblockDilationSizes.size() + "; they must pair up");
        }
        for (int j = 0; j < resblockKernelSizes.size(); j++) {
            int k = resblockKernelSizes.get(j);
            // upstream get_padding = d(k-1)/2 keeps the length only for odd k.
            if (k % 2 == 0) {
                throw new LockeyException("'resblock_kernel_sizes'[" + j + "] = " + k
                        + " is even; the residual convs keep the length only for odd kernels");
            }
            int have = resblockDilationSizes.get(j).size();
            if (have < resblock.dilationsUsed()) {
                throw new LockeyException("'resblock_dilation_sizes'[" + j + "] has " + have + " dilations but resblock \""
                        + resblock.upstreamName() + "\" needs " + resblock.dilationsUsed());
            }
        }
        positive("num_mels", numMels);
    }

    /** HiFi-GAN V1 ({@code config_v1.json}): 512 channels, ResBlock1, 13.9 M parameters. */
    public static HifiGanConfig v1() {
        return new HifiGanConfig(ResBlockKind.ONE, List.of(8, 8, 2, 2), List.of(16, 16, 4, 4), 512,
                List.of(3, 7, 11), List.of(List.of(1, 3, 5), List.of(1, 3, 5), List.of(1, 3, 5)), 80,
                defaultMel(), defaultTraining());
    }

    /** HiFi-GAN V2 ({@code config_v2.json}): V1 with 128 channels, 0.93 M parameters. */
    public static HifiGanConfig v2() {
        return v1().withUpsampleInitialChannel(128);
    }

    /** HiFi-GAN V3 ({@code config_v3.json}): ResBlock2, three stages 8, 8, 4, 256 channels, 1.46 M parameters. */
    public static HifiGanConfig v3() {
        return new HifiGanConfig(ResBlockKind.TWO, List.of(8, 8, 4), List.of(16, 16, 8), 256,
                List.of(3, 5, 7), List.of(List.of(1, 2), List.of(2, 6), List.of(3, 12)), 80,
                defaultMel(), defaultTraining());
    }

    /** The mel fields shared by the three published configs (22.05 kHz, 1024/256/1024, 0-8 kHz). */
    public static Mel defaultMel() {
        return new Mel(22050, 1024, 1025, 256, 1024, 0, 8000, OptionalDouble.empty());
    }

    /** The training fields shared by the published configs (AdamW 2e-4, betas 0.8/0.99, gamma 0.999, batch 16). */
    public static Training defaultTraining() {
        return new Training(2e-4, 0.8, 0.99, 0.999, 16, 8192, 1234);
    }

    /**
     * A generator config with V1's mel and training fields (for tests and small models).
     */
    public static HifiGanConfig generator(ResBlockKind resblock, List<Integer> upsampleRates,
            List<Integer> upsampleKernelSizes, int upsampleInitialChannel, List<Integer> resblockKernelSizes,
            List<List<Integer>> resblockDilationSizes) {
        return new HifiGanConfig(resblock, upsampleRates, upsampleKernelSizes, upsampleInitialChannel,
                resblockKernelSizes, resblockDilationSizes, 80, defaultMel(), defaultTraining());
    }

    /** This config with another {@code upsample_initial_channel}. */
    public HifiGanConfig withUpsampleInitialChannel(int channels) {
        return new HifiGanConfig(resblock, upsampleRates, upsampleKernelSizes, channels, resblockKernelSizes,
                resblockDilationSizes, numMels, mel, training);
    }

    /** Number of upsample stages ({@code len(upsample_rates)}). */
    public int numUpsamples() {
        return upsampleRates.size();
    }

    /** Number of MRF branches per stage ({@code len(resblock_kernel_sizes)}, upstream {@code num_kernels}). */
    public int numKernels() {
        return resblockKernelSizes.size();
    }

    /** The log-mel front-end of the generator's input ({@code meldataset.mel_spectrogram}, center=False). */
    public MelConfig melConfig() {
        return new MelConfig(mel.samplingRate(), mel.nFft(), numMels, mel.hopSize(), mel.winSize(),
                mel.fmin(), mel.fmax(), false);
    }

    /** The log-mel of the mel L1 loss: {@code fmax_for_loss}, Nyquist when null (upstream train.py). */
    public MelConfig lossMelConfig() {
        return melConfig().withFmax(mel.fmaxForLoss().orElse(mel.samplingRate() / 2.0));
    }

    /** Audio samples per mel frame produced by the generator: the product of the upsample rates. */
    public int samplesPerFrame() {
        int p = 1;
        for (int u : upsampleRates) {
            p = Math.multiplyExact(p, u);
        }
        return p;
    }

    /** Channels after upsample stage i ({@code upsample_initial_channel // 2^(i+1)}). */
    public int channelsAfterStage(int stage) {
        return upsampleInitialChannel >> (stage + 1);
    }

    // ---------------------------------------------------------------- JSON

    /** Reads a config from upstream-named JSON; missing fields take the V1 values. */
    public static HifiGanConfig fromJson(JsonNode node) {
        return fromJson(node, "config");
    }

    /**
     * Reads a config from upstream-named JSON, field by field; {@code source} names the file in
     * error messages.
     */
    public static HifiGanConfig fromJson(JsonNode node, String source) {
        if (node == null || !node.isObject()) {
            throw new LockeyException(source + ": a HiFi-GAN config must be a JSON object");
        }
        HifiGanConfig d = v1();
        Mel dm = d.mel;
        Training dt = d.training;
        try {
            JsonNode rb = node.get("resblock");
            ResBlockKind resblock = d.resblock;
            if (rb != null) {
                if (!rb.isTextual()) {
                    throw new LockeyException("'resblock' must be the string \"1\" or \"2\", not " + rb);
                }
                resblock = ResBlockKind.parse(rb.asText());
            }
            Mel mel = new Mel(
                    intField(node, "sampling_rate", dm.samplingRate()),
                    intField(node, "n_fft", dm.nFft()),
                    intField(node, "num_freq", dm.numFreq()),
                    intField(node, "hop_size", dm.hopSize()),
                    intField(node, "win_size", dm.winSize()),
                    numberField(node, "fmin", dm.fmin()),
                    numberField(node, "fmax", dm.fmax()),
                    optionalNumberField(node, "fmax_for_loss", dm.fmaxForLoss()));
            Training training = new Training(
                    numberField(node, "learning_rate", dt.learningRate()),
                    numberField(node, "adam_b1", dt.adamB1()),
                    numberField(node, "adam_b2", dt.adamB2()),
                    numberField(node, "lr_decay", dt.lrDecay()),
                    intField(node, "batch_size", dt.batchSize()),
                    intField(node, "segment_size", dt.segmentSize()),
                    longField(node, "seed", dt.seed()));
            return new HifiGanConfig(
                    resblock,
                    intList(node, "upsample_rates", d.upsampleRates),
                    intList(node, "upsample_kernel_sizes", d.upsampleKernelSizes),
                    intField(node, "upsample_initial_channel", d.upsampleInitialChannel),
                    intList(node, "resblock_kernel_sizes", d.resblockKernelSizes),
                    intListList(node, "resblock_dilation_sizes", d.resblockDilationSizes),
                    intField(node, "num_mels", d.numMels),
                    mel, training);
        } catch (LockeyException e) {
            throw new LockeyException(source + ": " + e.getMessage());
        }
    }

    /** Reads {@code config.json}. */
    public static HifiGanConfig load(Path path) {
        try {
            return fromJson(Json.read(path), path.toString());
        } catch (IOException e) {
            if (e instanceof NoSuchFileException || !path.toFile().exists()) {
                throw new LockeyException(path + ": no such file");
            }
            throw new LockeyException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** The config as upstream-named JSON (every field, {@code fmax_for_loss} null when empty). */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("resblock", resblock.upstreamName());
        o.put("batch_size", training.batchSize());
        o.put("learning_rate", training.learningRate());
        o.put("adam_b1", training.adamB1());
        o.put("adam_b2", training.adamB2());
        o.put("lr_decay", training.lrDecay());
        o.put("seed", training.seed());
        ArrayNode rates = o.putArray("upsample_rates");
        upsampleRates.forEach(rates::add);
        ArrayNode kernels = o.putArray("upsample_kernel_sizes");
        upsampleKernelSizes.forEach(kernels::add);
        o.put("upsample_initial_channel", upsampleInitialChannel);
        ArrayNode rk = o.putArray("resblock_kernel_sizes");
        resblockKernelSizes.forEach(rk::add);
        ArrayNode rd = o.putArray("resblock_dilation_sizes");
        for (List<Integer> ds : resblockDilationSizes) {
            ArrayNode a = rd.addArray();
            ds.forEach(a::add);
        }
        o.put("segment_size", training.segmentSize());
        o.put("num_mels", numMels);
        o.put("num_freq", mel.numFreq());
        o.put("n_fft", mel.nFft());
        o.put("hop_size", mel.hopSize());
        o.put("win_size", mel.winSize());
        o.put("sampling_rate", mel.samplingRate());
        o.put("fmin", mel.fmin());
        o.put("fmax", mel.fmax());
        if (mel.fmaxForLoss().isPresent()) {
            o.put("fmax_for_loss", mel.fmaxForLoss().getAsDouble());
        } else {
            o.putNull("fmax_for_loss");
        }
        return o;
    }

    /** {@link #toJson()} as indented text. */
    public String toJsonString() {
        return Json.pretty(toJson()) + "\n";
    }

    // ---------------------------------------------------------------- helpers

    private static void positive(String key, long v) {
        if (v < 1) {
            throw new LockeyException("'" + key + "' must be a positive integer, got " + v);
        }
    }

    private static List<Integer> copyPositive(String key, List<Integer> values) {
        if (values == null) {
            throw new LockeyException("'" + key + "' is required");
        }
        for (Integer v : values) {
            if (v == null || v < 1) {
                throw new LockeyException("'" + key + "' must hold positive integers, got " + values);
            }
        }
        return List.copyOf(values);
    }

    private static int intField(JsonNode node, String key, int fallback) {
        JsonNode v = node.get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new LockeyException("'" + key + "' must be an integer, not " + v);
        }
        return v.intValue();
    }

    private static long longField(JsonNode node, String key, long fallback) {
        JsonNode v = node.get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new LockeyException("'" + key + "' must be an integer, not " + v);
        }
        return v.longValue();
    }

    private static double numberField(JsonNode node, String key, double fallback) {
        JsonNode v = node.get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new LockeyException("'" + key + "' must be a number, not " + v);
        }
        return v.doubleValue();
    }

    private static OptionalDouble optionalNumberField(JsonNode node, String key, OptionalDouble fallback) {
        JsonNode v = node.get(key);
        if (v == null) {
            return fallback;
        }
        if (v.isNull()) {
            return OptionalDouble.empty();
        }
        if (!v.isNumber()) {
            throw new LockeyException("'" + key + "' must be a number or null, not " + v);
        }
        return OptionalDouble.of(v.doubleValue());
    }

    private static List<Integer> intList(JsonNode node, String key, List<Integer> fallback) {
        JsonNode v = node.get(key);
        if (v == null) {
            return fallback;
        }
        return toIntList(key, v);
    }

    private static List<Integer> toIntList(String key, JsonNode v) {
        if (!v.isArray()) {
            throw new LockeyException("'" + key + "' must be a list of integers, not " + v);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw new LockeyException("'" + key + "' must be a list of integers, not " + v);
            }
            out.add(e.intValue());
        }
        return out;
    }

    private static List<List<Integer>> intListList(JsonNode node, String key, List<List<Integer>> fallback) {
        JsonNode v = node.get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isArray()) {
            throw new LockeyException("'" + key + "' must be a list of lists of integers, not " + v);
        }
        List<List<Integer>> out = new ArrayList<>();
        for (JsonNode e : v) {
            out.add(toIntList(key, e));
        }
        return out;
    }
}
