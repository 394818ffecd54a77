package org.lockey.model.hifigan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lockey.golden.GoldenCase;
import org.lockey.io.Tensor;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The generator's variables are exactly the upstream {@code state_dict}: same keys, same shapes, same
 * totals as the published configs (13,936,130 / 928,514 / 1,464,322 with weight_g, as counted from
 * upstream {@code models.py}), and the keys of the golden weights files.
 */
class GeneratorParametersTest {

    /**
     * The upstream Generator's state dict, enumerated from the facts of jik876/hifi-gan models.py
     * (independently of {@link Generator}): weight-normed convs store weight_g [dim0, 1, 1], weight_v
     * and bias; conv_pre takes 80 channels; ConvTranspose weights are [in, out, k]; ResBlock1 has
     * convs1.0-2 and convs2.0-2, ResBlock2 convs.0-1; resblocks are numbered stage * num_kernels + j.
     */
    static Map<String, long[]> upstreamStateDict(HifiGanConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long c0 = c.upsampleInitialChannel();
        weightNormed(m, "conv_pre", new long[] {c0, 80, 7}, c0, c0);
        int nk = c.resblockKernelSizes().size();
        for (int i = 0; i < c.upsampleRates().size(); i++) {
            long cin = c0 / (1L << i);
            long cout = c0 / (1L << (i + 1));
            // ConvTranspose1d: weight [in, out, k], weight_norm dim 0 -> g per input channel.
            weightNormed(m, "ups." + i, new long[] {cin, cout, c.upsampleKernelSizes().get(i)}, cin, cout);
            for (int j = 0; j < nk; j++) {
                String r = "resblocks." + (i * nk + j);
                long k = c.resblockKernelSizes().get(j);
                if (c.resblock() == HifiGanConfig.ResBlockKind.ONE) {
                    for (int n = 0; n < 3; n++) {
                        weightNormed(m, r + ".convs1." + n, new long[] {cout, cout, k}, cout, cout);
                        weightNormed(m, r + ".convs2." + n, new long[] {cout, cout, k}, cout, cout);
                    }
                } else {
                    for (int n = 0; n < 2; n++) {
                        weightNormed(m, r + ".convs." + n, new long[] {cout, cout, k}, cout, cout);
                    }
                }
            }
        }
        long last = c0 / (1L << c.upsampleRates().size());
        weightNormed(m, "conv_post", new long[] {1, last, 7}, 1, 1);
        return m;
    }

    private static void weightNormed(Map<String, long[]> m, String name, long[] v, long g, long bias) {
        m.put(name + ".weight_g", new long[] {g, 1, 1});
        m.put(name + ".weight_v", v);
        m.put(name + ".bias", new long[] {bias});
    }

    static long total(Map<String, long[]> shapes) {
        return shapes.values().stream().mapToLong(s -> Arrays.stream(s).reduce(1, (a, b) -> a * b)).sum();
    }

    static Map<String, long[]> built(HifiGanConfig c) {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "(test)", DataType.FLOAT, true, 1);
        new Generator(c).build(scope, sd.placeHolder("mel", DataType.FLOAT, 1, 80, -1));
        return scope.build().created();
    }

    static void assertSameShapes(Map<String, long[]> want, Map<String, long[]> got, String what) {
        assertEquals(new TreeMap<>(want).keySet(), new TreeMap<>(got).keySet(), what + ": key sets differ");
        for (String k : want.keySet()) {
            long[] w = want.get(k);
            long[] g = got.get(k);
            assertTrue(Arrays.equals(w, g), () -> what + ": " + k + " is " + Arrays.toString(g) + ", upstream "
                    + Arrays.toString(w));
        }
    }

    @Test
    void upstreamEnumeratorGivesThePublishedTotals() {
        assertEquals(13_936_130L, total(upstreamStateDict(HifiGanConfig.v1())));
        assertEquals(928_514L, total(upstreamStateDict(HifiGanConfig.v2())));
        assertEquals(1_464_322L, total(upstreamStateDict(HifiGanConfig.v3())));
    }

    @Test
    void v1GraphHasUpstreamKeysShapesAndTotal() {
        Map<String, long[]> got = built(HifiGanConfig.v1());
        assertSameShapes(upstreamStateDict(HifiGanConfig.v1()), got, "V1");
        assertEquals(13_936_130L, total(got));
        assertEquals(3 + 4 * 3 + 12 * 6 * 3 + 3, got.size());
    }

    @Test
    void v2AndV3GraphsHaveUpstreamKeysShapesAndTotals() {
        Map<String, long[]> v2 = built(HifiGanConfig.v2());
        assertSameShapes(upstreamStateDict(HifiGanConfig.v2()), v2, "V2");
        assertEquals(928_514L, total(v2));
        Map<String, long[]> v3 = built(HifiGanConfig.v3());
        assertSameShapes(upstreamStateDict(HifiGanConfig.v3()), v3, "V3");
        assertEquals(1_464_322L, total(v3));
        assertEquals(3 + 3 * 3 + 9 * 2 * 3 + 3, v3.size());
    }

    static java.util.stream.Stream<Path> goldenCases() throws IOException {
        return HifiGanGoldenTest.generatorCases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void graphKeysEqualTheGoldenWeightsFile(Path io) {
        GoldenCase c = GoldenCase.load(io);
        HifiGanConfig config = HifiGanConfig.fromJson(c.config());
        Map<String, long[]> file = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : c.weightTensors().entrySet()) {
            file.put(e.getKey(), e.getValue().shape());
        }
        assertSameShapes(file, built(config), c.name());
        assertSameShapes(file, upstreamStateDict(config), c.name() + " (enumerator)");
    }
}
