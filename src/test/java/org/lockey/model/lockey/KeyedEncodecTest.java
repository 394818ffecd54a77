package org.lockey.model.lockey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.SEANetDecoder;
import org.lockey.model.encodec.SeanetConfig;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The keyed Encodec decoder adds the key vector after decoder.model.1 and changes nothing else. */
class KeyedEncodecTest {
    static final SeanetConfig SMALL = CompressionConfig.musicgen32k().seanet().withSize(16, 4).withDepth(1, 1);
    static final long FRAMES = 6;

    private static Map<String, Tensor> weights(KeyConfig key) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.fresh(sd, 9);
        KeyedGenerator.encodecDecoder(SMALL, key, 1, FRAMES).build(root,
                sd.placeHolder("latent", DataType.FLOAT, 1, SMALL.dimension(), FRAMES),
                sd.placeHolder("bits", DataType.INT64, 1, key.keyBits()));
        Map<String, Tensor> w = new LinkedHashMap<>();
        root.build().created().keySet().forEach(k -> w.put(k, Tensor.of(k, sd.getVariable(k).getArr())));
        return w;
    }

    private static INDArray keyed(Map<String, Tensor> w, KeyConfig key, INDArray latent, long[] bits) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.loaded(sd, w, "test");
        KeyedGenerator.Outputs o = KeyedGenerator.encodecDecoder(SMALL, key, 1, FRAMES).build(root,
                sd.placeHolder("latent", DataType.FLOAT, 1, SMALL.dimension(), FRAMES),
                sd.placeHolder("bits", DataType.INT64, 1, key.keyBits()));
        root.build().checkLoaded();
        return o.audio().eval(Map.of("latent", latent, "bits", Nd4j.createFromArray(new long[][] {bits})));
    }

    @Test
    void zeroKeyVectorGivesThePlainDecoderAndAKeyChangesTheAudio() {
        int channels = (1 << SMALL.ratios().size()) * SMALL.nFilters();
        KeyConfig key = new KeyConfig(8, 4, 6, channels);
        Map<String, Tensor> w = weights(key);
        INDArray latent = Nd4j.rand(DataType.FLOAT, 1, SMALL.dimension(), FRAMES).subi(0.5);
        long[] bits = {1, 0, 1, 1, 0, 0, 1, 0};

        Map<String, Tensor> silenced = new LinkedHashMap<>(w);
        for (String k : new String[] {"key_encoder.layers.4.weight", "key_encoder.layers.4.bias"}) {
            Tensor t = w.get(k);
            silenced.put(k, Tensor.ofFloats(k, new float[(int) t.numel()], t.shape()));
        }
        INDArray withZeroKey = keyed(silenced, key, latent, bits);

        SameDiff sd = SameDiff.create();
        Map<String, Tensor> decoderOnly = new LinkedHashMap<>();
        w.forEach((k, t) -> {
            if (k.startsWith("decoder.")) {
                decoderOnly.put(k.substring("decoder.".length()), t);
            }
        });
        Scope plainRoot = Scope.loaded(sd, decoderOnly, "plain");
        SDVariable plain = new SEANetDecoder(SMALL).build(plainRoot,
                sd.placeHolder("latent", DataType.FLOAT, 1, SMALL.dimension(), FRAMES), FRAMES);
        plainRoot.build().checkLoaded();
        INDArray base = plain.eval(Map.of("latent", latent));
        assertArrayEquals(base.shape(), withZeroKey.shape());
        assertEquals(0, base.sub(withZeroKey).amaxNumber().doubleValue(), 1e-6);

        INDArray withKey = keyed(w, key, latent, bits);
        assertTrue(base.sub(withKey).amaxNumber().doubleValue() > 1e-4, "the key changes the audio");
    }

    @Test
    void validityIsTheHeadsSoftmaxPerKey() {
        int channels = (1 << SMALL.ratios().size()) * SMALL.nFilters();
        KeyConfig key = new KeyConfig(8, 4, 6, channels);
        CompressionConfig codec = new CompressionConfig(32_000, SMALL, new org.lockey.model.encodec.RvqConfig(3, 32, 16));
        Map<String, Tensor> w = new LinkedHashMap<>(org.lockey.model.encodec.Encodec.random(codec, 3, true).weights());
        Map<String, Tensor> keyed = weights(key);
        keyed.forEach((k, t) -> {
            if (!k.startsWith("decoder.")) {
                w.put(k, t);
            }
        });
        Key[] keys = {Key.parseHex("A5", 8), Key.parseHex("00", 8), Key.parseHex("FF", 8)};
        double[] p = KeyedEncodec.of(codec, key, 1, w, "test").validity(keys);

        for (int i = 0; i < keys.length; i++) {
            SameDiff sd = SameDiff.create();
            Scope root = Scope.loaded(sd, keyed, "test");
            KeyedGenerator.Outputs o = KeyedGenerator.encodecDecoder(SMALL, key, 1, FRAMES).build(root,
                    sd.placeHolder("latent", DataType.FLOAT, 1, SMALL.dimension(), FRAMES),
                    sd.placeHolder("bits", DataType.INT64, 1, key.keyBits()));
            INDArray logits = o.verifierLogits().eval(Map.of("bits", Nd4j.createFromArray(new long[][] {keys[i].bitArray()})));
            double l0 = logits.getDouble(0, 0);
            double l1 = logits.getDouble(0, 1);
            double expected = Math.exp(l0) / (Math.exp(l0) + Math.exp(l1));
            assertEquals(expected, p[i], 1e-6, "P(valid) of key " + keys[i]);
        }
    }

    @Test
    void layerNoiseOnTheDecoderIsExactAtZeroSeededAndCoversEveryDecoderConv() {
        int channels = (1 << SMALL.ratios().size()) * SMALL.nFilters();
        KeyConfig key = new KeyConfig(8, 4, 6, channels);
        CompressionConfig codec = new CompressionConfig(32_000, SMALL, new org.lockey.model.encodec.RvqConfig(3, 32, 16));
        Map<String, Tensor> w = new LinkedHashMap<>(org.lockey.model.encodec.Encodec.random(codec, 3, true).weights());
        weights(key).forEach((k, t) -> {
            if (!k.startsWith("decoder.")) {
                w.put(k, t);
            }
        });
        KeyedEncodec plain = KeyedEncodec.of(codec, key, 1, w, "test");
        KeyedEncodec noisy = plain.withLayerNoise();
        float[][] latent = new float[SMALL.dimension()][(int) FRAMES];
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        for (float[] row : latent) {
            for (int t = 0; t < row.length; t++) {
                row[t] = (float) (r.nextDouble() - 0.5);
            }
        }
        Key k = Key.parseHex("A5", 8);
        float[] clean = plain.generateLatent(latent, k);
        assertArrayEquals(clean, noisy.generateLatent(latent, k, 0, 9));
        float[] a = noisy.generateLatent(latent, k, 1e-2, 9);
        assertArrayEquals(a, noisy.generateLatent(latent, k, 1e-2, 9));
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - clean[i]));
        }
        assertTrue(diff > 1e-5, "noise changed nothing: " + diff);
        // Every decoder convolution (its weight is [out, in, k] or a weight-normed weight_v), nothing else.
        java.util.Set<String> convs = new java.util.TreeSet<>();
        w.forEach((name, t) -> {
            if (name.startsWith("decoder.") && t.shape().length == 3 && (name.endsWith(".weight") || name.endsWith(".weight_v"))) {
                convs.add(name.substring(0, name.lastIndexOf('.')));
            }
        });
        assertEquals(convs, new java.util.TreeSet<>(noisy.perturbedLayers()));
        assertEquals(java.util.List.of(), plain.perturbedLayers());
    }

    /**
     * A clip longer than one window is generated as the decoder's prefix (LSTM chunked, its state handed on) and the
     * keyed rest in windows fed the payload clock at their own offsets: the same audio as one pass over the whole
     * clip. The clock tables are random, so a window fed the clock of another offset would differ.
     */
    @Test
    void aLongClipInWindowsEqualsOnePass() {
        int channels = (1 << SMALL.ratios().size()) * SMALL.nFilters();
        int hop = SMALL.hopLength();
        KeyConfig key = new KeyConfig(8, 4, 6, channels, 3 * hop);
        CompressionConfig codec = new CompressionConfig(32_000, SMALL, new org.lockey.model.encodec.RvqConfig(3, 32, 16));
        Map<String, Tensor> w = new LinkedHashMap<>(org.lockey.model.encodec.Encodec.random(codec, 3, true).weights());
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        weights(key).forEach((k, t) -> {
            if (k.startsWith(KeyClock.PREFIX + ".")) {
                float[] v = new float[(int) t.numel()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (0.5 * r.nextGaussian());
                }
                w.put(k, Tensor.ofFloats(k, v, t.shape()));
            } else if (!k.startsWith("decoder.")) {
                w.put(k, t);
            }
        });
        int frames = 2 * KeyedEncodec.CHUNK_FRAMES + 37;
        float[][] latent = new float[SMALL.dimension()][frames];
        for (float[] row : latent) {
            for (int t = 0; t < row.length; t++) {
                row[t] = (float) (r.nextDouble() - 0.5);
            }
        }
        Key k = Key.parseHex("A5", 8);
        float[] windowed = KeyedEncodec.of(codec, key, 1, w, "test").generateLatent(latent, k);

        // one pass over the whole clip, built here from the generator itself
        SameDiff sd = SameDiff.create();
        Scope root = Scope.loaded(sd, w, "test");
        KeyedGenerator gen = KeyedGenerator.encodecDecoder(SMALL, key, 1, frames);
        KeyedGenerator.Outputs o = gen.build(root, sd.placeHolder("latent", DataType.FLOAT, 1, SMALL.dimension(), frames),
                sd.placeHolder("key_bits", DataType.INT64, 1, key.keyBits()));
        Map<String, INDArray> feed = new java.util.HashMap<>(gen.clockFeed(0, frames));
        feed.put("latent", Nd4j.create(latent).reshape(1, SMALL.dimension(), frames).castTo(DataType.FLOAT));
        feed.put("key_bits", Nd4j.createFromArray(new long[][] {k.bitArray()}));
        float[] whole = sd.output(feed, o.audio().name()).get(o.audio().name()).reshape(-1).toFloatVector();

        assertEquals(whole.length, windowed.length);
        double peak = 0;
        double diff = 0;
        for (int i = 0; i < whole.length; i++) {
            peak = Math.max(peak, Math.abs(whole[i]));
            diff = Math.max(diff, Math.abs(whole[i] - windowed[i]));
        }
        assertTrue(peak > 1e-3, "audio of some level: " + peak);
        assertTrue(diff <= 1e-5 * Math.max(1, peak), "max |windowed - whole| " + diff + " at peak " + peak);
    }
}
