package org.lockey.model.lockey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.io.Tensor;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The payload clock: its layout, its chunk offsets, and a keyed HiFi-GAN that uses it. */
class KeyClockTest {
    private static final KeyConfig KEY = new KeyConfig(16, 4, 6, 16, 1024);

    /** Period position of every injection position, read back from the two one-hot matrices (-1: none or several). */
    private static int[] positions(Map<String, INDArray> feed) {
        INDArray sym = feed.get(KeyClock.SYMBOLS);
        INDArray end = feed.get(KeyClock.END);
        int s = (int) sym.size(0);
        int[] out = new int[(int) sym.size(1)];
        for (int t = 0; t < out.length; t++) {
            int found = end.getDouble(0, t) == 1 ? s : -1;
            double total = end.getDouble(0, t);
            for (int i = 0; i < s; i++) {
                total += sym.getDouble(i, t);
                if (sym.getDouble(i, t) == 1) {
                    found = i;
                }
            }
            out[t] = total == 1 ? found : -1;
        }
        return out;
    }

    @Test
    void everyPositionCarriesThePeriodPositionOfItsNearestWatermarkFrame() {
        int spp = 32;                                   // HiFi-GAN after ups.0: 256 / 8
        int[] pos = positions(KeyClock.feed(KEY, spp, 0, 400));
        int period = new PayloadCodec(16).period();
        assertEquals(9, period);
        for (int t = 0; t < pos.length; t++) {
            double centre = t * spp + spp / 2.0;
            long frame = Math.round(centre / 1024.0);   // frames are centred at multiples of the hop
            assertEquals(Math.floorMod(frame, period), pos[t], "position " + t);
        }
        // The first 16 positions (512 samples) belong to frame 0, the next 32 to frame 1, ...
        assertEquals(0, pos[15]);
        assertEquals(1, pos[16]);
        assertEquals(1, pos[47]);
        assertEquals(2, pos[48]);
        // Frame 8 is the end token (row S of the layout).
        assertEquals(8, pos[16 + 7 * 32]);
    }

    @Test
    void eachSymbolPositionCarriesTheTableRowOfItsTwoBits() {
        // with zero E_k features, the track is the symbol table looked up by each symbol's bits, and the
        // end vector on end-token positions: the row index must be 2 * k_2j + k_2j+1
        qt().withExamples(20).forAll(integers().between(0, 0xFFFF)).checkAssert(value -> {
            SameDiff sd = SameDiff.create();
            long c = KEY.channels();
            int s = new PayloadCodec(16).symbolCount();
            float[] table = new float[(int) (4 * c)];
            float[] end = new float[(int) c];
            for (int i = 0; i < table.length; i++) {
                table[i] = (i / (int) c) * 10 + (i % (int) c) * 0.01f;      // row r, channel j: 10 r + 0.01 j
            }
            for (int j = 0; j < c; j++) {
                end[j] = -1 - j;
            }
            Map<String, Tensor> w = new LinkedHashMap<>();
            w.put("key_clock.symbols", Tensor.ofFloats("key_clock.symbols", table, 4, c));
            w.put("key_clock.end", Tensor.ofFloats("key_clock.end", end, c));
            Scope root = Scope.root(sd, w, "test", DataType.FLOAT, false, 1);
            SDVariable bits = sd.placeHolder("key_bits", DataType.INT64, -1, 16);
            SDVariable features = sd.constant(Nd4j.zeros(DataType.FLOAT, 1, c, 16));
            SDVariable track = KeyClock.tracks(root.child(KeyClock.PREFIX), KEY, features, bits).shift();
            Key key = new Key(16, value);
            Map<String, INDArray> feed = new LinkedHashMap<>(KeyClock.feed(KEY, 32, 0, 300));
            feed.put("key_bits", Nd4j.createFromArray(new long[][] {key.bitArray()}));
            INDArray out = sd.output(feed, track.name()).get(track.name());     // [1, C, T']
            int[] pos = positions(KeyClock.feed(KEY, 32, 0, 300));
            for (int t = 0; t < pos.length; t++) {
                for (int j = 0; j < c; j++) {
                    float want = pos[t] == s ? end[j]
                            : table[(2 * key.bit(2 * pos[t]) + key.bit(2 * pos[t] + 1)) * (int) c + j];
                    assertEquals(want, out.getFloat(0, j, t), 1e-5, "key " + key.toHex() + " t " + t + " c " + j);
                }
            }
        });
    }

    @Test
    void everyKeySizePicksTheTableRowOfThePayloadSymbolAtEachPosition() {
        // odd, even, small and large K: with zero E_k features the track at a symbol position is the table row
        // of that position's payload symbol (PayloadCodec#symbols: an odd K's lone last bit is the high bit)
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int bits : new int[] {1, 7, 8, 9, 17, 32, 33, 64}) {
            KeyConfig cfg = new KeyConfig(bits, 4, 6, 3, 1024);
            PayloadCodec codec = new PayloadCodec(bits);
            int s = codec.symbolCount();
            long c = cfg.channels();
            float[] table = new float[(int) (4 * c)];
            for (int i = 0; i < table.length; i++) {
                table[i] = (i / (int) c) * 10 + (i % (int) c) * 0.01f;
            }
            Map<String, Tensor> w = new LinkedHashMap<>();
            w.put("key_clock.symbols", Tensor.ofFloats("key_clock.symbols", table, 4, c));
            w.put("key_clock.end", Tensor.ofFloats("key_clock.end", new float[(int) c], c));
            SameDiff sd = SameDiff.create();
            Scope root = Scope.root(sd, w, "test", DataType.FLOAT, false, 1);
            SDVariable bitsIn = sd.placeHolder("key_bits", DataType.INT64, -1, bits);
            SDVariable features = sd.constant(Nd4j.zeros(DataType.FLOAT, 1, c, bits));
            SDVariable track = KeyClock.tracks(root.child(KeyClock.PREFIX), cfg, features, bitsIn).shift();
            for (int trial = 0; trial < 4; trial++) {
                long v = bits == 64 ? r.nextLong() : r.nextLong() & ((1L << bits) - 1);
                Key key = new Key(bits, v);
                int[] symbols = codec.symbols(key.bitFlags());
                long positions = 32L * codec.period() + 40;
                Map<String, INDArray> feed = new LinkedHashMap<>(KeyClock.feed(cfg, 32, 0, positions));
                int[] pos = positions(feed);
                feed.put("key_bits", Nd4j.createFromArray(new long[][] {key.bitArray()}));
                INDArray out = sd.output(feed, track.name()).get(track.name());
                for (int t = 0; t < pos.length; t++) {
                    if (pos[t] == s) {
                        continue;
                    }
                    for (int j = 0; j < c; j++) {
                        assertEquals(table[symbols[pos[t]] * (int) c + j], out.getFloat(0, j, t), 1e-4,
                                "K " + bits + " key " + key.toHex() + " t " + t);
                    }
                }
            }
        }
    }

    @Test
    void aChunkStartingAtAnOffsetSeesTheSameClockAsTheWholeClip() {
        qt().forAll(integers().between(0, 600), integers().between(1, 300), integers().between(0, 2))
                .checkAssert((start, length, which) -> {
                    int spp = new int[] {32, 8, 640}[which];
                    int[] whole = positions(KeyClock.feed(KEY, spp, 0, start + length));
                    int[] chunk = positions(KeyClock.feed(KEY, spp, (long) start * spp, length));
                    int[] expected = java.util.Arrays.copyOfRange(whole, start, start + length);
                    assertArrayEquals(expected, chunk);
                });
    }

    private static HifiGanConfig tinyGenerator() {
        return HifiGanConfig.generator(HifiGanConfig.ResBlockKind.TWO, List.of(8, 8, 2, 2), List.of(16, 16, 4, 4), 32,
                List.of(3), List.of(List.of(1, 2)));
    }

    private static Map<String, Tensor> freshWeights(HifiGanConfig g, KeyConfig key, long seed) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.fresh(sd, seed);
        SDVariable mel = sd.placeHolder("mel", DataType.FLOAT, -1, g.numMels(), -1);
        SDVariable bits = sd.placeHolder("key_bits", DataType.INT64, -1, key.keyBits());
        KeyedGenerator.hifiGan(g, key, 0).build(root, mel, bits);
        Map<String, Tensor> w = new LinkedHashMap<>();
        sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .forEach(v -> w.put(v.name(), Tensor.of(v.name(), v.getArr())));
        w.put("key_clock.end", Tensor.of("key_clock.end", Nd4j.rand(DataType.FLOAT, key.channels())));
        return w;
    }

    @Test
    void clockedKeyedHifiGanGeneratesChunkedAsWholeAndTheClockChangesTheOutput() {
        HifiGanConfig g = tinyGenerator();
        KeyConfig clocked = new KeyConfig(16, 4, 6, 16, 1024);
        Map<String, Tensor> w = freshWeights(g, clocked, 7);
        assertTrue(w.containsKey("key_clock.end"));
        KeyedHifiGan model = KeyedHifiGan.of(g, clocked, 0, w, "test");
        Key k = Key.parseHex("BEEF", 16);
        int frames = 150;
        float[][] mel = new float[g.numMels()][frames];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (float[] row : mel) {
            for (int t = 0; t < frames; t++) {
                row[t] = (float) (r.nextDouble() * 4 - 6);
            }
        }
        INDArray m = Nd4j.create(mel).reshape(1, g.numMels(), frames).castTo(DataType.FLOAT);
        float[] whole = model.generate(m, new Key[] {k}).reshape(-1).toFloatVector();
        float[] chunked = model.generateChunked(mel, k, 40);
        double maxDiff = 0;
        double peak = 0;
        for (int i = 0; i < whole.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(whole[i] - chunked[i]));
            peak = Math.max(peak, Math.abs(whole[i]));
        }
        assertTrue(maxDiff <= 1e-5 * Math.max(1, peak), "chunked differs from whole by " + maxDiff);
        // The same weights without the clock (the paper's conditioning) give other audio: the clock is used.
        Map<String, Tensor> plain = new LinkedHashMap<>(w);
        plain.remove("key_clock.end");
        plain.remove("key_clock.symbols");
        KeyedHifiGan paper = KeyedHifiGan.of(g, new KeyConfig(16, 4, 6, 16), 0, plain, "test");
        float[] unclocked = paper.generate(m, new Key[] {k}).reshape(-1).toFloatVector();
        double diff = 0;
        for (int i = 0; i < whole.length; i++) {
            diff = Math.max(diff, Math.abs(whole[i] - unclocked[i]));
        }
        assertTrue(diff > 1e-4 * Math.max(1, peak), "the clock changed nothing (" + diff + ")");
    }

    @Test
    void theModulatedClockAddsItsShiftAndScalesTheActivationByItsGainPerSymbol() {
        // A stub backbone hands the activation h [1, C, T'] (the input itself) to the hook and returns the hook's
        // result, so the output is what the generator's next layer would see: h + shift + h * scale, where shift and
        // scale are the table rows of each position's payload symbol (end rows on end-token positions). E_k's
        // weights are zero and the injection is the paper's addition, so E_k adds nothing.
        KeyConfig cfg = new KeyConfig(16, 4, 6, 3, 1024, KeyConfig.Pooling.MEAN, KeyConfig.Injection.ADDED,
                KeyConfig.ClockForm.MODULATED);
        int c = cfg.channels();
        int spp = 32;
        KeyedGenerator keyed = new KeyedGenerator(cfg, (root, input, hook) -> hook.apply(input), spp, 1);
        float[] shift = new float[4 * c];
        float[] scale = new float[4 * c];
        float[] shiftEnd = new float[c];
        float[] scaleEnd = new float[c];
        for (int i = 0; i < 4 * c; i++) {
            shift[i] = 0.1f * (i + 1);
            scale[i] = -0.05f * (i + 2);
        }
        for (int j = 0; j < c; j++) {
            shiftEnd[j] = 3 + j;
            scaleEnd[j] = 0.5f;
        }
        SameDiff sd = SameDiff.create();
        Scope fresh = Scope.fresh(sd, 1);
        SDVariable h = sd.placeHolder("h", DataType.FLOAT, 1, c, -1);
        SDVariable bits = sd.placeHolder("key_bits", DataType.INT64, -1, 16);
        keyed.build(fresh, h, bits);
        Map<String, Tensor> w = new LinkedHashMap<>();
        sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .forEach(v -> w.put(v.name(), Tensor.of(v.name(), Nd4j.zerosLike(v.getArr()))));
        w.put("key_clock.symbols", Tensor.ofFloats("key_clock.symbols", shift, 4, c));
        w.put("key_clock.scale_symbols", Tensor.ofFloats("key_clock.scale_symbols", scale, 4, c));
        w.put("key_clock.end", Tensor.ofFloats("key_clock.end", shiftEnd, c));
        w.put("key_clock.scale_end", Tensor.ofFloats("key_clock.scale_end", scaleEnd, c));
        assertEquals(true, w.keySet().containsAll(List.of("key_clock.scale_symbols", "key_clock.scale_end")));

        SameDiff built = SameDiff.create();
        Scope root = Scope.root(built, w, "test", DataType.FLOAT, false, 1);
        SDVariable hIn = built.placeHolder("h", DataType.FLOAT, 1, c, -1);
        SDVariable bitsIn = built.placeHolder("key_bits", DataType.INT64, -1, 16);
        SDVariable out = keyed.build(root, hIn, bitsIn).audio();
        int positions = 400;
        float[][][] act = new float[1][c][positions];
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int j = 0; j < c; j++) {
            for (int t = 0; t < positions; t++) {
                act[0][j][t] = (float) (r.nextDouble() * 2 - 1);
            }
        }
        Key key = Key.parseHex("B3C5", 16);
        Map<String, INDArray> feed = new LinkedHashMap<>(keyed.clockFeed(0, positions));
        feed.put("h", Nd4j.create(act).castTo(DataType.FLOAT));
        feed.put("key_bits", Nd4j.createFromArray(new long[][] {key.bitArray()}));
        INDArray y = built.output(feed, out.name()).get(out.name());
        int[] pos = positions(KeyClock.feed(cfg, spp, 0, positions));
        int[] symbols = new PayloadCodec(16).symbols(key.bitFlags());
        int s = symbols.length;
        for (int t = 0; t < positions; t++) {
            for (int j = 0; j < c; j++) {
                float add = pos[t] == s ? shiftEnd[j] : shift[symbols[pos[t]] * c + j];
                float gain = pos[t] == s ? scaleEnd[j] : scale[symbols[pos[t]] * c + j];
                float x = act[0][j][t];
                assertEquals(x + add + x * gain, y.getFloat(0, j, t), 1e-5, "t " + t + " channel " + j);
            }
        }
    }

    @Test
    void theFilteredClockAddsEachSamplesSymbolFilterOfTheOutput() {
        // One channel, one sample per position: a stub backbone returns the activation it is handed, so the
        // keyed output is y' = y + (f_v (*) y)[n] with v the symbol value (or the end token) of sample n's watermark
        // frame, (*) PyTorch's conv1d (a correlation) with zero padding of taps / 2 on both sides.
        KeyConfig cfg = new KeyConfig(16, 4, 6, 1, 256, KeyConfig.Pooling.MEAN, KeyConfig.Injection.ADDED,
                KeyConfig.ClockForm.FILTERED);
        int taps = KeyClock.FILTER_TAPS;
        KeyedGenerator keyed = new KeyedGenerator(cfg, (root, input, hook) -> hook.apply(input), 1, 1);
        SameDiff sd = SameDiff.create();
        keyed.build(Scope.fresh(sd, 1), sd.placeHolder("y", DataType.FLOAT, 1, 1, -1),
                sd.placeHolder("key_bits", DataType.INT64, -1, 16));
        Map<String, Tensor> w = new LinkedHashMap<>();
        sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .forEach(v -> w.put(v.name(), Tensor.of(v.name(), Nd4j.zerosLike(v.getArr()))));
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        float[] filters = new float[4 * taps];
        float[] endFilter = new float[taps];
        for (int i = 0; i < filters.length; i++) {
            filters[i] = (float) (r.nextDouble() - 0.5);
        }
        for (int i = 0; i < taps; i++) {
            endFilter[i] = (float) (r.nextDouble() - 0.5);
        }
        w.put("key_clock.filter_symbols", Tensor.ofFloats("key_clock.filter_symbols", filters, 4, taps));
        w.put("key_clock.filter_end", Tensor.ofFloats("key_clock.filter_end", endFilter, taps));

        SameDiff built = SameDiff.create();
        Scope root = Scope.root(built, w, "test", DataType.FLOAT, false, 1);
        SDVariable out = keyed.build(root, built.placeHolder("y", DataType.FLOAT, 1, 1, -1),
                built.placeHolder("key_bits", DataType.INT64, -1, 16)).audio();
        int n = 256 * 9 * 2 + 100;
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = (float) (r.nextDouble() * 2 - 1);
        }
        Key key = Key.parseHex("6D2A", 16);
        Map<String, INDArray> feed = new LinkedHashMap<>(keyed.clockFeed(0, n));
        feed.put("y", Nd4j.createFromArray(y).reshape(1, 1, n));
        feed.put("key_bits", Nd4j.createFromArray(new long[][] {key.bitArray()}));
        float[] got = built.output(feed, out.name()).get(out.name()).reshape(-1).toFloatVector();
        int[] pos = positions(KeyClock.feed(cfg, 1, 0, n));
        int[] symbols = new PayloadCodec(16).symbols(key.bitFlags());
        for (int i = 0; i < n; i++) {
            double want = y[i];
            for (int k = 0; k < taps; k++) {
                int at = i - taps / 2 + k;
                if (at >= 0 && at < n) {
                    double tap = pos[i] == symbols.length ? endFilter[k] : filters[symbols[pos[i]] * taps + k];
                    want += tap * y[at];
                }
            }
            assertEquals(want, got[i], 1e-4, "sample " + i + " (period position " + pos[i] + ")");
        }
    }

    @Test
    void theSpectralClockScalesEachWatermarkFrameOfTheOutputByItsSymbolsGains() {
        // Hop 256 (n_fft 512, band 128 bins), one channel, one sample per position, a stub backbone returning the
        // activation it is handed. The audio is a sinusoid of exactly 20 periods per n_fft: a Hann-windowed frame of it
        // has all its DFT energy in bins 19-21, inside the band, so a frame scaled by a gain g comes back exactly as
        // g w[n] y[n], and the overlap-add of the frames around sample m gives y + sum_f w(m - f hop + n_fft/2) g_f y
        // with frame f centred on clip sample f * hop and g_f the gain of the symbol of clip frame f. A chunk that
        // starts at clip sample 1000 must see the clip's own frames. Checked away from the zero-padded ends.
        KeyConfig cfg = new KeyConfig(16, 4, 6, 1, 256, KeyConfig.Pooling.MEAN, KeyConfig.Injection.ADDED,
                KeyConfig.ClockForm.SPECTRAL);
        int hop = 256;
        int nFft = 512;
        int band = 128;
        KeyedGenerator keyed = new KeyedGenerator(cfg, (root, input, hook) -> hook.apply(input), 1, 1);
        SameDiff sd = SameDiff.create();
        keyed.build(Scope.fresh(sd, 1), sd.placeHolder("y", DataType.FLOAT, 1, 1, -1),
                sd.placeHolder("key_bits", DataType.INT64, -1, 16));
        Map<String, Tensor> w = new LinkedHashMap<>();
        sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .forEach(v -> w.put(v.name(), Tensor.of(v.name(), Nd4j.zerosLike(v.getArr()))));
        float[] gainOf = {0.1f, -0.3f, 0.5f, 0.9f, -0.7f};                  // symbol values 0..3, then the end token
        float[] table = new float[4 * band];
        float[] end = new float[band];
        for (int f = 0; f < band; f++) {
            for (int v = 0; v < 4; v++) {
                table[v * band + f] = gainOf[v];
            }
            end[f] = gainOf[4];
        }
        w.put("key_clock.spectral_symbols", Tensor.ofFloats("key_clock.spectral_symbols", table, 4, band));
        w.put("key_clock.spectral_end", Tensor.ofFloats("key_clock.spectral_end", end, band));
        SameDiff built = SameDiff.create();
        Scope root = Scope.root(built, w, "test", DataType.FLOAT, false, 1);
        SDVariable out = keyed.build(root, built.placeHolder("y", DataType.FLOAT, 1, 1, -1),
                built.placeHolder("key_bits", DataType.INT64, -1, 16)).audio();
        Key key = Key.parseHex("C39A", 16);
        int[] symbols = new PayloadCodec(16).symbols(key.bitFlags());
        int period = new PayloadCodec(16).period();
        for (long start : new long[] {0, 1000}) {
            int n = hop * 40 + 77;
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                y[i] = (float) (0.5 * Math.sin(2 * Math.PI * 20 * (start + i) / nFft + 0.3));
            }
            Map<String, INDArray> feed = new LinkedHashMap<>(keyed.clockFeed(start, n));
            feed.put("y", Nd4j.createFromArray(y).reshape(1, 1, n));
            feed.put("key_bits", Nd4j.createFromArray(new long[][] {key.bitArray()}));
            float[] got = built.output(feed, out.name()).get(out.name()).reshape(-1).toFloatVector();
            assertEquals(n, got.length, "the output keeps the input's length");
            for (int i = nFft; i < n - nFft; i++) {
                long m = start + i;
                double gain = 0;
                for (long f = Math.floorDiv(m - nFft / 2, hop); f <= Math.floorDiv(m + nFft / 2, hop) + 1; f++) {
                    long tap = m - f * hop + nFft / 2;
                    if (tap < 0 || tap >= nFft) {
                        continue;
                    }
                    int position = (int) Math.floorMod(f, (long) period);
                    float g = position == symbols.length ? gainOf[4] : gainOf[symbols[position]];
                    gain += (0.5 - 0.5 * Math.cos(2 * Math.PI * tap / nFft)) * g;
                }
                assertEquals(y[i] * (1 + gain), got[i], 2e-4, "start " + start + ", sample " + i);
            }
        }
    }

    /**
     * A plain double-precision reference of the output-side spectral clocks, written from their definition: frames
     * of n_fft = 2 hop centred on clip samples f * hop (zero outside the chunk), a periodic Hann analysis window, the
     * DFT of the first hop / 2 bins by direct sums, the change per bin (spectral: g Y; carrier: a s(t) Y / sqrt(|Y|^2
     * + eps), s(t) the RMS of |Y| over the band), the inverse of those bins without a synthesis window, overlap-added.
     */
    private static double[] referenceClock(float[] y, long start, int hop, int[] classOfClipFrame, double[][] gains,
            KeyConfig.ClockForm form) {
        int nFft = 2 * hop;
        int band = hop / 2;
        int n = y.length;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = y[i];
        }
        long first = Math.floorDiv(start - nFft / 2, (long) hop);
        long last = Math.floorDiv(start + n + nFft / 2, (long) hop);
        for (long f = first; f <= last; f++) {
            long from = f * hop - nFft / 2;                              // clip sample of the frame's first tap
            double[] re = new double[band];
            double[] im = new double[band];
            for (int k = 0; k < band; k++) {
                for (int t = 0; t < nFft; t++) {
                    long i = from + t - start;
                    if (i < 0 || i >= n) {
                        continue;
                    }
                    double w = 0.5 - 0.5 * Math.cos(2 * Math.PI * t / nFft);
                    double angle = 2 * Math.PI * ((long) k * t % nFft) / nFft;
                    re[k] += w * y[(int) i] * Math.cos(angle);
                    im[k] -= w * y[(int) i] * Math.sin(angle);
                }
            }
            double[] g = gains[classOfClipFrame[(int) Math.floorMod(f, (long) classOfClipFrame.length)]];
            double level = 0;
            for (int k = 0; k < band; k++) {
                level += re[k] * re[k] + im[k] * im[k];
            }
            level = Math.sqrt(level / band + KeyClock.CARRIER_EPS);
            for (int t = 0; t < nFft; t++) {
                long i = from + t - start;
                if (i < 0 || i >= n) {
                    continue;
                }
                double sum = 0;
                for (int k = 0; k < band; k++) {
                    double factor = form == KeyConfig.ClockForm.CARRIER
                            ? g[k] * level / Math.sqrt(re[k] * re[k] + im[k] * im[k] + KeyClock.CARRIER_EPS) : g[k];
                    double angle = 2 * Math.PI * ((long) k * t % nFft) / nFft;
                    sum += (k == 0 ? 1 : 2) * factor * (re[k] * Math.cos(angle) - im[k] * Math.sin(angle)) / nFft;
                }
                out[(int) i] += sum;
            }
        }
        return out;
    }

    @Test
    void theSpectralAndCarrierClocksMatchAPlainReferenceOnNoise() {
        int hop = 64;
        int band = hop / 2;
        java.util.SplittableRandom r = new java.util.SplittableRandom(21);
        for (KeyConfig.ClockForm form : List.of(KeyConfig.ClockForm.SPECTRAL, KeyConfig.ClockForm.CARRIER)) {
            KeyConfig cfg = new KeyConfig(16, 4, 6, 1, hop, KeyConfig.Pooling.MEAN, KeyConfig.Injection.ADDED, form);
            KeyedGenerator keyed = new KeyedGenerator(cfg, (root, input, hook) -> hook.apply(input), 1, 1);
            SameDiff sd = SameDiff.create();
            keyed.build(Scope.fresh(sd, 1), sd.placeHolder("y", DataType.FLOAT, 1, 1, -1),
                    sd.placeHolder("key_bits", DataType.INT64, -1, 16));
            Map<String, Tensor> w = new LinkedHashMap<>();
            sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                    .forEach(v -> w.put(v.name(), Tensor.of(v.name(), Nd4j.zerosLike(v.getArr()))));
            String tables = form == KeyConfig.ClockForm.CARRIER ? "key_clock.carrier" : "key_clock.spectral";
            double[][] gains = new double[5][band];
            float[] flat = new float[4 * band];
            float[] end = new float[band];
            for (int c = 0; c < 5; c++) {
                for (int k = 0; k < band; k++) {
                    gains[c][k] = r.nextDouble() - 0.5;
                    if (c < 4) {
                        flat[c * band + k] = (float) gains[c][k];
                    } else {
                        end[k] = (float) gains[c][k];
                    }
                }
            }
            w.put(tables + "_symbols", Tensor.ofFloats(tables + "_symbols", flat, 4, band));
            w.put(tables + "_end", Tensor.ofFloats(tables + "_end", end, band));
            SameDiff built = SameDiff.create();
            SDVariable out = keyed.build(Scope.root(built, w, "test", DataType.FLOAT, false, 1),
                    built.placeHolder("y", DataType.FLOAT, 1, 1, -1),
                    built.placeHolder("key_bits", DataType.INT64, -1, 16)).audio();
            Key key = Key.parseHex("5AF1", 16);
            int[] symbols = new PayloadCodec(16).symbols(key.bitFlags());
            int[] classOfPosition = new int[symbols.length + 1];
            System.arraycopy(symbols, 0, classOfPosition, 0, symbols.length);
            classOfPosition[symbols.length] = 4;                           // the end token's gains
            for (long start : new long[] {0, 4 * hop + 17}) {
                int n = hop * 23 + 5;
                float[] y = new float[n];
                for (int i = 0; i < n; i++) {
                    y[i] = (float) (0.3 * r.nextGaussian());
                }
                Map<String, INDArray> feed = new LinkedHashMap<>(keyed.clockFeed(start, n));
                feed.put("y", Nd4j.createFromArray(y).reshape(1, 1, n));
                feed.put("key_bits", Nd4j.createFromArray(new long[][] {key.bitArray()}));
                float[] got = built.output(feed, out.name()).get(out.name()).reshape(-1).toFloatVector();
                double[] want = referenceClock(y, start, hop, classOfPosition, gains, form);
                for (int i = 0; i < n; i++) {
                    assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])),
                            form + ", start " + start + ", sample " + i);
                }
            }
        }
    }

    @Test
    void configRoundTripsTheClockAndKeepsThePapersFormWithout() {
        assertEquals(KEY, KeyConfig.fromJson(KEY.toJson()));
        KeyConfig paper = new KeyConfig(16, 4, 6, 16);
        assertEquals(false, paper.toJson().has("clock_hop"));
        assertEquals(paper, KeyConfig.fromJson(paper.toJson()));
        KeyConfig modulated = KEY.with(KeyConfig.ClockForm.MODULATED);
        assertEquals("modulated", modulated.toJson().path("clock_form").asText());
        assertEquals(modulated, KeyConfig.fromJson(modulated.toJson()));
        assertEquals(false, KEY.toJson().has("clock_form"), "the additive clock writes the form of older models");
        for (KeyConfig.ClockForm form : KeyConfig.ClockForm.values()) {
            assertEquals(KEY.with(form), KeyConfig.fromJson(KEY.with(form).toJson()), form.toString());
        }
    }
}
