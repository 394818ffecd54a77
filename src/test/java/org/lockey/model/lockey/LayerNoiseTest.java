package org.lockey.model.lockey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lockey.io.Tensor;
import org.lockey.metric.Sdr;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The white-box attack's layer noise on a tiny keyed HiFi-GAN (ResBlock1, so that both conv lists of a
 * resblock are covered; payload clock on): std 0 is the plain model bit for bit, noise is seeded, it lands
 * on exactly the generator's convolutions, and more noise means lower SDR.
 */
class LayerNoiseTest {
    /** 4 upsample stages, 2 MRF branches of ResBlock1 (3 dilations: 6 convs each), 16 channels at the start. */
    static final HifiGanConfig GEN = HifiGanConfig.generator(HifiGanConfig.ResBlockKind.ONE, List.of(8, 8, 2, 2),
            List.of(16, 16, 4, 4), 16, List.of(3, 5), List.of(List.of(1, 3, 5), List.of(1, 3, 5)));
    static final KeyConfig KEY = new KeyConfig(16, 4, 6, 8, 1024);
    static final Key K = Key.parseHex("BEEF", 16);

    static Map<String, Tensor> weights;
    static KeyedHifiGan plain;
    static KeyedHifiGan noisy;

    @BeforeAll
    static void models() {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.fresh(sd, 5);
        KeyedGenerator.hifiGan(GEN, KEY, 0).build(root, sd.placeHolder("mel", DataType.FLOAT, -1, 80, -1),
                sd.placeHolder("key_bits", DataType.INT64, -1, KEY.keyBits()));
        weights = new LinkedHashMap<>();
        sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .forEach(v -> weights.put(v.name(), Tensor.of(v.name(), v.getArr())));
        // key_clock.end starts at zero in a fresh build; make it count.
        weights.put("key_clock.end", Tensor.of("key_clock.end", Nd4j.rand(DataType.FLOAT, KEY.channels())));
        plain = KeyedHifiGan.of(GEN, KEY, 0, weights, "test");
        noisy = plain.withLayerNoise();
    }

    static INDArray mel(int frames, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[80 * frames];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 4 - 6);
        }
        return Nd4j.createFromArray(v).reshape(1, 80, frames);
    }

    static float[] flat(INDArray a) {
        return a.reshape(-1).toFloatVector();
    }

    @Test
    void zeroStdIsExactlyThePlainModel() {
        qt().withExamples(4).withFixedSeed(11).forAll(integers().between(3, 40), longs().between(0, 1000))
                .checkAssert((frames, seed) -> {
                    INDArray m = mel(frames, seed);
                    assertArrayEquals(flat(plain.generate(m, new Key[] {K}, 0)),
                            flat(noisy.generate(m, new Key[] {K}, 0, 0.0, seed)));
                });
    }

    @Test
    void noiseChangesTheOutputAndItsSeedReproducesIt() {
        INDArray m = mel(20, 1);
        float[] clean = flat(plain.generate(m, new Key[] {K}, 0));
        float[] a = flat(noisy.generate(m, new Key[] {K}, 0, 1e-2, 42));
        float[] b = flat(noisy.generate(m, new Key[] {K}, 0, 1e-2, 42));
        float[] c = flat(noisy.generate(m, new Key[] {K}, 0, 1e-2, 43));
        assertArrayEquals(a, b, "the same seed gave other noise");
        assertTrue(maxAbsDiff(a, clean) > 1e-4, "noise of std 1e-2 changed nothing: " + maxAbsDiff(a, clean));
        assertTrue(maxAbsDiff(a, c) > 1e-4, "another seed gave the same noise");
        // Chunked generation draws fresh noise per chunk and is reproducible as a whole.
        float[][] mel2 = new float[80][];
        for (int i = 0; i < 80; i++) {
            mel2[i] = m.slice(0).getRow(i).toFloatVector();
        }
        float[] ca = noisy.generateChunked(mel2, K, 8, 1e-2, 7);
        assertArrayEquals(ca, noisy.generateChunked(mel2, K, 8, 1e-2, 7));
        assertArrayEquals(plain.generateChunked(mel2, K, 8), noisy.generateChunked(mel2, K, 8, 0, 7));
        assertThrows(IllegalStateException.class, () -> plain.generate(m, new Key[] {K}, 0, 1e-2, 1));
        assertThrows(IllegalArgumentException.class, () -> noisy.generate(m, new Key[] {K}, 0, -1e-2, 1));
    }

    @Test
    void everyGeneratorConvolutionAndNothingElseIsPerturbed() {
        List<String> layers = noisy.perturbedLayers();
        // From the config: conv_pre, one transposed conv per stage, 2 x 3 convs per ResBlock1 per branch, conv_post.
        int nUp = GEN.upsampleRates().size();
        int expected = 1 + nUp + nUp * GEN.resblockKernelSizes().size() * 2 * 3 + 1;
        assertEquals(expected, layers.size(), layers.toString());
        // From the weights: every weight-normed generator conv has a weight_v; the key encoder's convs do not count.
        Set<String> convs = new TreeSet<>();
        weights.keySet().stream().filter(k -> k.endsWith(".weight_v"))
                .forEach(k -> convs.add(k.substring(0, k.length() - ".weight_v".length())));
        assertEquals(convs, new TreeSet<>(layers));
        assertEquals(layers.size(), Set.copyOf(layers).size(), "a layer perturbed twice");
        assertFalse(layers.stream().anyMatch(l -> l.startsWith("key_")), layers.toString());
        assertTrue(weights.keySet().stream().anyMatch(k -> k.startsWith("key_encoder.")
                && weights.get(k).shape().length == 3), "the fixture's key encoder has convs (not perturbed)");
        assertEquals(List.of(), plain.perturbedLayers());
    }

    @Test
    void moreNoiseLowersTheSdrAgainstThePlainOutput() {
        INDArray m = mel(30, 2);
        float[] clean = flat(plain.generate(m, new Key[] {K}, 0));
        double[] stds = {1e-4, 1e-3, 1e-2, 1e-1};
        double[] sdr = new double[stds.length];
        for (int i = 0; i < stds.length; i++) {
            sdr[i] = Sdr.db(clean, flat(noisy.generate(m, new Key[] {K}, 0, stds[i], 3)));
        }
        for (int i = 1; i < stds.length; i++) {
            assertTrue(sdr[i] < sdr[i - 1], "SDR did not fall from std " + stds[i - 1] + " to " + stds[i] + ": "
                    + java.util.Arrays.toString(sdr));
        }
        assertTrue(sdr[0] - sdr[3] > 20, java.util.Arrays.toString(sdr));
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
