package org.lockey.model.lockey;

import java.util.LinkedHashMap;
import java.util.Map;

import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.nn.Init;
import org.lockey.nn.Layouts;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The payload clock: <b>ours, not in the paper</b>, off by default ({@link KeyConfig#clockHop} 0).
 *
 * <p><b>Why.</b> The paper adds one key vector, constant over time, after the generator's second layer.
 * The watermark it must carry is periodic: SilentCipher's payload is one class per STFT frame, tiled
 * with a period of P frames from the first frame of the clip (docs/lockey.md; P = 9 for 16-bit keys). A
 * convolutional generator is shift-equivariant, and its receptive field (a few thousand samples for
 * HiFi-GAN) is much shorter than a period (9 x 1024 samples at 22.05 kHz), so from a constant vector it
 * cannot know which position of the period a frame holds: every frame looks alike and the decoded
 * per-position modes are all the same class, which is chance-level bit accuracy.
 *
 * <p><b>What.</b> The key encoder's features before its mean pooling ({@link KeyEncoder#features},
 * one vector per bit position, {@code [B, C, K]}) are averaged per 2-bit symbol ({@code [B, C, S]}) and
 * added to a learnable row of {@code key_clock.symbols} {@code [4, C]} picked by the symbol's value (so
 * that the generator is handed the value itself, as SilentCipher's embedder is handed the message);
 * together with a learnable end-token vector ({@code key_clock.end} {@code [C]}) they are laid out along
 * time on the watermark's frame clock, position t' of the injection point taking the vector of the
 * period position of the watermark frame nearest to its centre. The result {@code [B, C, T']} is added
 * at the injection point together with the paper's broadcast vector. The layout is two constant
 * matrices fed per call ({@link #feed}): {@value #SYMBOLS} {@code [S, T']} and {@value #END} {@code [1, T']},
 * one-hot along the first axis, so one graph serves every input length and every chunk offset.
 */
public final class KeyClock {
    /** Placeholder: which symbol each injection position carries, {@code [S, T']} one-hot. */
    public static final String SYMBOLS = "key_clock";
    /** Placeholder: which injection positions carry the end token, {@code [1, T']}. */
    public static final String END = "key_clock_end";
    /** Scope of the learnable end-token vector {@code key_clock.end [C]}. */
    public static final String PREFIX = "key_clock";
    /** Placeholder of {@link KeyConfig.ClockForm#FILTERED}: which symbol each output sample carries, {@code [S, N]}. */
    public static final String SAMPLE_SYMBOLS = "key_clock_samples";
    /** Placeholder of {@link KeyConfig.ClockForm#FILTERED}: which output samples carry the end token, {@code [1, N]}. */
    public static final String SAMPLE_END = "key_clock_samples_end";
    /**
     * Taps of each output filter of {@link KeyConfig.ClockForm#FILTERED}: odd, so the filter is centred on its
     * sample; 127 taps resolve spectral profiles of about {@code rate / 127} (174 Hz at 22.05 kHz), against the
     * watermark decoder's bins of {@code rate / n_fft} and its 512-bin band.
     */
    public static final int FILTER_TAPS = 127;
    /** Floor of the squared magnitudes of {@link KeyConfig.ClockForm#CARRIER} (STFT of audio in [-1, 1], n_fft 2048). */
    public static final double CARRIER_EPS = 1e-6;
    /** Placeholder of {@link KeyConfig.ClockForm#SPECTRAL}: the class of each watermark frame's symbol, {@code [S, T]}. */
    public static final String FRAME_SYMBOLS = "key_clock_frames";
    /** Placeholder of {@link KeyConfig.ClockForm#SPECTRAL}: which watermark frames carry the end token, {@code [1, T]}. */
    public static final String FRAME_END = "key_clock_frames_end";
    /** Placeholder of {@link KeyConfig.ClockForm#SPECTRAL}: the output's zero padding {@code [[0,0],[0,0],[left,right]]}. */
    public static final String FRAME_PADDING = "key_clock_frames_padding";
    /** Placeholder of {@link KeyConfig.ClockForm#SPECTRAL}: where the output starts in the overlap-add, {@code [0,0,left]}. */
    public static final String FRAME_BEGIN = "key_clock_frames_begin";
    /** Placeholder of {@link KeyConfig.ClockForm#SPECTRAL}: the output's size {@code [B, 1, N]} (B may be -1). */
    public static final String FRAME_SIZE = "key_clock_frames_size";

    private KeyClock() {
    }

    /**
     * The clock's tracks: {@code shift} {@code [B, C, T']} is added to the activation; {@code scale} ({@link
     * KeyConfig.ClockForm#MODULATED} only, else null) multiplies it: {@code h + shift + h * scale}.
     */
    record Tracks(SDVariable shift, SDVariable scale) {
    }

    /**
     * The clock tracks for the key encoder's {@code features} {@code [B, C, K]} and the key bits {@code [B, K]}. With
     * {@link KeyConfig.Pooling#FLAT} E_k has no per-bit features ({@code features} null) and each symbol's vector is
     * its table row alone. The scale track of the modulated form is made of tables alone ({@code key_clock.scale_symbols}
     * {@code [4, C]}, {@code key_clock.scale_end} {@code [C]}, zero at the start).
     *
     * @param scope the {@value #PREFIX} scope
     */
    static Tracks tracks(Scope scope, KeyConfig key, SDVariable features, SDVariable keyBits) {
        SameDiff sd = scope.sd();
        int k = key.keyBits();
        int s = new PayloadCodec(k).symbolCount();
        INDArray pairing = Nd4j.zeros(scope.dtype(), k, s);                // [K, S]: mean over a symbol's bits
        for (int i = 0; i < k; i++) {
            int sym = i / PayloadCodec.BITS_PER_SYMBOL;
            int bitsHere = Math.min(PayloadCodec.BITS_PER_SYMBOL, k - PayloadCodec.BITS_PER_SYMBOL * sym);
            pairing.putScalar(i, sym, 1.0 / bitsHere);
        }
        // tensorMmul's gradient fails in SameDiff M2.1 (tensormmul_bp: "the dimensions at given axes for
        // both input arrays must be the same"), so both products are rank-2 mmuls around reshapes.
        SDVariable perSymbol = features == null
                ? symbolVectors(scope, key, keyBits, "symbols")                                      // [B*C, S]
                : features.reshape(-1, k).mmul(scope.constant("pairing", pairing))               // [B*C, S]
                        .add(symbolVectors(scope, key, keyBits, "symbols"));
        SDVariable symbolClock = sd.placeHolder(SYMBOLS, scope.dtype(), s, -1);
        SDVariable endClock = sd.placeHolder(END, scope.dtype(), 1, -1);
        SDVariable shift = layOut(scope, key, perSymbol, "end", keyBits, symbolClock, endClock);
        SDVariable scale = key.modulatedClock()
                ? layOut(scope, key, symbolVectors(scope, key, keyBits, "scale_symbols"), "scale_end", keyBits,
                        symbolClock, endClock)
                : null;
        return new Tracks(shift, scale);
    }

    /** Per-symbol vectors {@code [B*C, S]} laid out on the clock, plus the end-token vector {@code endName}: [B, C, T']. */
    private static SDVariable layOut(Scope scope, KeyConfig key, SDVariable perSymbol, String endName, SDVariable keyBits,
            SDVariable symbolClock, SDVariable endClock) {
        SameDiff sd = scope.sd();
        long c = key.channels();
        SDVariable flat = perSymbol.mmul(symbolClock);                                           // [B*C, T']
        SDVariable shape = sd.concat(0, sd.sizeAt(keyBits, 0).castTo(DataType.INT64),
                sd.constant(Nd4j.createFromArray(c)), sd.sizeAt(symbolClock, 1).castTo(DataType.INT64));
        SDVariable symbols = flat.reshape(shape);                                                // [B, C, T']
        SDVariable end = scope.param(endName, Init.zeros(), c).reshape(c, 1);                    // [C, 1]
        return symbols.add(end.mmul(endClock));                              // [B, C, T'] + [C, T']
    }

    /**
     * The learnable vector of each symbol's value, {@code key_clock.<tableName>} {@code [4, C]} (zero at the
     * start, so that a fresh clock changes nothing until it is trained), looked up for every symbol of the
     * key: {@code [B*C, S]}, laid out like the per-symbol features. Symbol j's value index is
     * {@code 2 k_2j + k_2j+1} (the lone last bit of an odd K: {@code 2 k_2j}), the payload symbol of
     * {@link PayloadCodec#symbols}.
     */
    private static SDVariable symbolVectors(Scope scope, KeyConfig key, SDVariable keyBits, String tableName) {
        SameDiff sd = scope.sd();
        int s = new PayloadCodec(key.keyBits()).symbolCount();
        long c = key.channels();
        SDVariable values = symbolValues(scope, key, keyBits);                                 // [B, S] in 0..3
        SDVariable oneHot = sd.oneHot(values, 4, -1, 1.0, 0.0, scope.dtype());                 // [B, S, 4]
        SDVariable table = scope.param(tableName, Init.zeros(), 4, c);                         // [4, C]
        SDVariable bsc = oneHot.reshape(-1, 4).mmul(table);                                    // [B*S, C]
        SDVariable shape = sd.concat(0, sd.sizeAt(keyBits, 0).castTo(DataType.INT64),
                sd.constant(Nd4j.createFromArray((long) s, c)));
        return bsc.reshape(shape).permute(0, 2, 1).reshape(-1, s);                             // [B*C, S]
    }

    /**
     * The output filter of {@link KeyConfig.ClockForm#FILTERED}: {@code audio + accepted * sum_v m_v (f_v * audio)},
     * where {@code f_v} is the filter of symbol value v (or of the end token) and {@code m_v} marks the output samples
     * whose watermark frame carries v ({@link #SAMPLE_SYMBOLS}, {@link #SAMPLE_END} fed per call).
     *
     * @param scope    the {@value #PREFIX} scope
     * @param audio    the generator's output {@code [B, 1, N]}
     * @param accepted {@code [B, 1, 1]} the head's P(valid), or null (1)
     */
    static SDVariable filter(Scope scope, KeyConfig key, SDVariable keyBits, SDVariable audio, SDVariable accepted) {
        SameDiff sd = scope.sd();
        int s = new PayloadCodec(key.keyBits()).symbolCount();
        int taps = FILTER_TAPS;
        Conv1DConfig same = Conv1DConfig.builder().k(taps).s(1).p(taps / 2).d(1)
                .dataFormat(Conv1DConfig.NCW).paddingMode(PaddingMode.VALID).build();
        SDVariable symbolFilters = scope.param("filter_symbols", Init.zeros(), 4, taps).reshape(4, 1, taps);
        SDVariable endFilter = scope.param("filter_end", Init.zeros(), taps).reshape(1, 1, taps);
        SDVariable bySymbol = sd.cnn().conv1d(audio, Layouts.conv1d(symbolFilters), same);          // [B, 4, N]
        SDVariable byEnd = sd.cnn().conv1d(audio, Layouts.conv1d(endFilter), same);                 // [B, 1, N]
        SDVariable sampleSymbols = sd.placeHolder(SAMPLE_SYMBOLS, scope.dtype(), s, -1);           // [S, N]
        SDVariable sampleEnd = sd.placeHolder(SAMPLE_END, scope.dtype(), 1, -1);                   // [1, N]
        SDVariable masks = valueMasks(scope, key, keyBits, sampleSymbols);                       // [B, 4, N]
        SDVariable change = masks.mul(bySymbol).sum(true, 1).add(byEnd.mul(sampleEnd));          // [B, 1, N]
        return audio.add(accepted == null ? change : change.mul(accepted));
    }

    /**
     * The spectral change of {@link KeyConfig.ClockForm#SPECTRAL}: {@code audio + accepted * ISTFT(g STFT(audio))},
     * with the watermark's frames (n_fft {@code 2 hop}, hop {@code clock_hop}, periodic Hann analysis window) placed on
     * the clip's frame grid (frame f centred on clip sample {@code f * hop}, as the watermark decoder's), the first
     * {@code band = hop / 2} bins only, g the gains of the symbol each frame carries, and the overlap-add without a
     * synthesis window (a periodic Hann at 50 % overlap sums to 1, so gains of 1 would give back the band of the audio).
     * The audio is zero-padded, not reflected, at its ends. Lengths and offsets come from the feed ({@link #frameFeed}),
     * so one graph serves every length and chunk offset.
     *
     * @param scope    the {@value #PREFIX} scope
     * @param audio    the generator's output {@code [B, 1, N]}
     * @param accepted {@code [B, 1, 1]} the head's P(valid), or null (1)
     */
    public static SDVariable spectral(Scope scope, KeyConfig key, SDVariable keyBits, SDVariable audio, SDVariable accepted) {
        SameDiff sd = scope.sd();
        int s = new PayloadCodec(key.keyBits()).symbolCount();
        int hop = key.clockHop();
        int nFft = 2 * hop;
        int band = hop / 2;
        DataType dt = scope.dtype();
        SDVariable padded = sd.nn().pad(audio, sd.placeHolder(FRAME_PADDING, DataType.INT64, 3, 2), 0.0); // [B, 1, L+N+R]
        SDVariable analysis = scope.constant("spectral_analysis", spectralBasis(nFft, band, true, dt));    // [nFft, 1, 2 band]
        SDVariable spec = sd.cnn().conv1d(padded, analysis, Conv1DConfig.builder().k(nFft).s(hop).p(0).d(1)
                .paddingMode(PaddingMode.VALID).dataFormat(Conv1DConfig.NCW).build());                    // [B, 2 band, T]
        SDVariable frameSymbols = sd.placeHolder(FRAME_SYMBOLS, dt, s, -1);                               // [S, T]
        SDVariable frameEnd = sd.placeHolder(FRAME_END, dt, 1, -1);                                       // [1, T]
        SDVariable batch = sd.sizeAt(keyBits, 0).castTo(DataType.INT64);
        SDVariable frames = sd.sizeAt(frameSymbols, 1).castTo(DataType.INT64);
        SDVariable perFrame = valueMasks(scope, key, keyBits, frameSymbols).permute(0, 2, 1).reshape(-1, 4); // [B*T, 4]
        boolean carrier = key.clockForm() == KeyConfig.ClockForm.CARRIER;
        String tables = carrier ? "carrier" : "spectral";
        SDVariable table = scope.param(tables + "_symbols", Init.zeros(), 4, band);                      // [4, band]
        SDVariable endRow = scope.param(tables + "_end", Init.zeros(), band).reshape(band, 1);            // [band, 1]
        SDVariable gains = perFrame.mmul(table)
                .reshape(sd.concat(0, batch, frames, sd.constant(Nd4j.createFromArray((long) band))))
                .permute(0, 2, 1).add(endRow.mmul(frameEnd));                                             // [B, band, T]
        if (carrier) {
            // |Y| + a(f) s(t) along Y's phase: the factor on (re, im) is a(f) s(t) / |Y|, s(t) the frame's RMS
            // magnitude over the band (SilentCipher's carrier is normalised per frame), |Y| floored by CARRIER_EPS.
            SDVariable re = sd.slice(spec, new int[] {0, 0, 0}, -1, band, -1);
            SDVariable im = sd.slice(spec, new int[] {0, band, 0}, -1, band, -1);
            SDVariable power = sd.math().square(re).add(sd.math().square(im));                        // [B, band, T]
            SDVariable level = sd.math().sqrt(power.mean(true, 1).add(CARRIER_EPS));                  // [B, 1, T]
            gains = gains.mul(level).div(sd.math().sqrt(power.add(CARRIER_EPS)));
        }
        SDVariable scaled = spec.mul(sd.concat(1, gains, gains));                                        // [B, 2 band, T]
        SDVariable synthesis = scope.constant("spectral_synthesis",
                spectralBasis(nFft, band, false, dt).reshape(1, nFft, 1, 2 * band));                     // [1, nFft, 1, 2 band]
        SDVariable ola = sd.cnn().deconv2d(sd.expandDims(scaled, 2), synthesis, DeConv2DConfig.builder()
                .kH(1).kW(nFft).sH(1).sW(hop).pH(0).pW(0).dH(1).dW(1)
                .isSameMode(false).dataFormat(DeConv2DConfig.NCHW).build());                            // [B, 1, 1, L+N+R]
        SDVariable change = sd.slice(sd.squeeze(ola, 2), sd.placeHolder(FRAME_BEGIN, DataType.INT64, 3),
                sd.placeHolder(FRAME_SIZE, DataType.INT64, 3));                                           // [B, 1, N]
        return audio.add(accepted == null ? change : change.mul(accepted));
    }

    /**
     * The band's real-DFT basis: analysis {@code [nFft, 1, 2 band]} (channel f: {@code w[n] cos(2 pi f n / nFft)},
     * band + f: {@code -w[n] sin(...)}, w the periodic Hann window), or synthesis {@code [nFft, 2 band]} (channel f:
     * {@code c_f cos(2 pi f n / nFft) / nFft}, band + f: {@code -c_f sin(...) / nFft}, c_0 = 1, else 2; no window).
     */
    static INDArray spectralBasis(int nFft, int band, boolean analysis, DataType dt) {
        double[][][] b = new double[nFft][1][2 * band];
        for (int n = 0; n < nFft; n++) {
            double w = analysis ? 0.5 - 0.5 * Math.cos(2 * Math.PI * n / nFft) : 1.0;
            for (int f = 0; f < band; f++) {
                double scale = analysis ? w : (f == 0 ? 1.0 : 2.0) / nFft;
                double angle = 2 * Math.PI * ((long) f * n % nFft) / nFft;
                b[n][0][f] = scale * Math.cos(angle);
                b[n][0][band + f] = -scale * Math.sin(angle);
            }
        }
        INDArray a = Nd4j.create(b).castTo(dt);
        return analysis ? a : a.reshape(nFft, 2 * band);
    }

    /**
     * The placeholders of {@link #spectral} for {@code samples} output samples starting at clip sample
     * {@code startSample}: left padding {@code nFft/2 + (startSample mod hop)} puts frame t on clip frame
     * {@code floor(startSample / hop) + t}; right padding completes the last frame.
     */
    public static Map<String, INDArray> frameFeed(KeyConfig key, long startSample, long samples) {
        int hop = key.clockHop();
        int nFft = 2 * hop;
        long offset = Math.floorMod(startSample, (long) hop);
        long left = nFft / 2 + offset;
        long right = nFft / 2 + Math.floorMod(-(offset + samples), (long) hop);
        long frames = (left + samples + right - nFft) / hop + 1;
        long firstFrame = Math.floorDiv(startSample, (long) hop);
        long[] clipFrames = new long[Math.toIntExact(frames)];
        for (int t = 0; t < clipFrames.length; t++) {
            clipFrames[t] = firstFrame + t;
        }
        Map<String, INDArray> feed = layout(key, clipFrames, FRAME_SYMBOLS, FRAME_END);
        feed.put(FRAME_PADDING, Nd4j.createFromArray(new long[][] {{0, 0}, {0, 0}, {left, right}}));
        feed.put(FRAME_BEGIN, Nd4j.createFromArray(new long[] {0, 0, left}));
        feed.put(FRAME_SIZE, Nd4j.createFromArray(new long[] {-1, 1, samples}));
        return feed;
    }

    /**
     * Which symbol value each time step carries, {@code [B, 4, T]} one-hot along the values: the key's symbol values
     * looked up through {@code layout} {@code [S, T]} (one-hot period positions; end-token steps are all zero).
     */
    private static SDVariable valueMasks(Scope scope, KeyConfig key, SDVariable keyBits, SDVariable layout) {
        SameDiff sd = scope.sd();
        int s = new PayloadCodec(key.keyBits()).symbolCount();
        SDVariable values = symbolValues(scope, key, keyBits);                                    // [B, S]
        SDVariable oneHot = sd.oneHot(values, 4, -1, 1.0, 0.0, scope.dtype()).permute(0, 2, 1);   // [B, 4, S]
        SDVariable masks = oneHot.reshape(-1, s).mmul(layout);                                   // [B*4, T]
        return masks.reshape(sd.concat(0, sd.sizeAt(keyBits, 0).castTo(DataType.INT64),
                sd.constant(Nd4j.createFromArray(4L)), sd.sizeAt(layout, 1).castTo(DataType.INT64)));  // [B, 4, T]
    }

    /** Each symbol's value {@code 2 k_2j + k_2j+1} in 0..3 (an odd K's lone last bit: {@code 2 k_2j}): {@code [B, S]}. */
    private static SDVariable symbolValues(Scope scope, KeyConfig key, SDVariable keyBits) {
        int k = key.keyBits();
        int s = new PayloadCodec(k).symbolCount();
        INDArray weights = Nd4j.zeros(scope.dtype(), k, s);                // [K, S]: value index of each symbol
        for (int i = 0; i < k; i++) {
            // a symbol's first bit is its high bit, also when it is alone (odd K), as in PayloadCodec#symbols
            weights.putScalar(i, i / PayloadCodec.BITS_PER_SYMBOL, i % 2 == 0 ? 2.0 : 1.0);
        }
        return keyBits.castTo(scope.dtype()).mmul(scope.constant("symbol_weights", weights)).castTo(DataType.INT64);
    }

    /**
     * The two clock matrices for {@code positions} injection positions of {@code samplesPerPosition}
     * samples each, the first one starting at sample {@code startSample} of the clip.
     */
    public static Map<String, INDArray> feed(KeyConfig key, int samplesPerPosition, long startSample, long positions) {
        return feed(key, samplesPerPosition, startSample, positions, SYMBOLS, END);
    }

    /** {@link #feed} of the output filter's sample clock ({@link #SAMPLE_SYMBOLS}, {@link #SAMPLE_END}). */
    public static Map<String, INDArray> sampleFeed(KeyConfig key, long startSample, long samples) {
        return feed(key, 1, startSample, samples, SAMPLE_SYMBOLS, SAMPLE_END);
    }

    private static Map<String, INDArray> feed(KeyConfig key, int samplesPerPosition, long startSample, long positions,
            String symbolsName, String endName) {
        long hop = key.clockHop();
        long[] frames = new long[Math.toIntExact(positions)];
        for (int t = 0; t < frames.length; t++) {
            long centre = startSample + (long) t * samplesPerPosition + samplesPerPosition / 2;
            frames[t] = Math.floorDiv(centre + hop / 2, hop);               // frames are centred on f * hop
        }
        return layout(key, frames, symbolsName, endName);
    }

    /**
     * The one-hot layout of watermark frames on the payload's period: {@code symbolsName} {@code [S, T]} marks the
     * steps whose frame {@code frames[t]} holds period position j < S, {@code endName} {@code [1, T]} the end token's.
     */
    private static Map<String, INDArray> layout(KeyConfig key, long[] frames, String symbolsName, String endName) {
        PayloadCodec codec = new PayloadCodec(key.keyBits());
        int s = codec.symbolCount();
        float[][] symbols = new float[s][frames.length];
        float[][] end = new float[1][frames.length];
        for (int t = 0; t < frames.length; t++) {
            int position = (int) Math.floorMod(frames[t], (long) codec.period());
            if (position < s) {
                symbols[position][t] = 1;
            } else {
                end[0][t] = 1;
            }
        }
        Map<String, INDArray> feed = new LinkedHashMap<>();
        feed.put(symbolsName, Nd4j.create(symbols).castTo(DataType.FLOAT));
        feed.put(endName, Nd4j.create(end).castTo(DataType.FLOAT));
        return feed;
    }
}
