package org.lockey.model.encodec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.lockey.nn.Pad;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** SEANet decoder/encoder: upstream key set and sizes, lengths, gradients, trainability. */
class SeanetTest {

    /** weight-normed Conv1d keys: g [out,1,1], v [out,in,k], bias [out]. */
    static void conv(Map<String, long[]> m, String key, long out, long in, long k) {
        m.put(key + ".weight_g", new long[] {out, 1, 1});
        m.put(key + ".weight_v", new long[] {out, in, k});
        m.put(key + ".bias", new long[] {out});
    }

    /** weight-normed ConvTranspose1d keys: g over the input channels [in,1,1], v [in,out,k], bias [out]. */
    static void convtr(Map<String, long[]> m, String key, long in, long out, long k) {
        m.put(key + ".weight_g", new long[] {in, 1, 1});
        m.put(key + ".weight_v", new long[] {in, out, k});
        m.put(key + ".bias", new long[] {out});
    }

    /**
     * The MusicGen 32 kHz decoder's state dict written out from the architecture facts
     * (shared/method/upstream-architectures.md §3.3), not from the code under test.
     */
    static Map<String, long[]> upstreamDecoder32k() {
        Map<String, long[]> m = new TreeMap<>();
        conv(m, "model.0.conv.conv", 1024, 128, 7);
        for (int l = 0; l < 2; l++) {
            m.put("model.1.lstm.weight_ih_l" + l, new long[] {4096, 1024});
            m.put("model.1.lstm.weight_hh_l" + l, new long[] {4096, 1024});
            m.put("model.1.lstm.bias_ih_l" + l, new long[] {4096});
            m.put("model.1.lstm.bias_hh_l" + l, new long[] {4096});
        }
        int[][] stages = {{3, 1024, 512, 16}, {6, 512, 256, 10}, {9, 256, 128, 8}, {12, 128, 64, 8}};
        for (int[] st : stages) {
            convtr(m, "model." + st[0] + ".convtr.convtr", st[1], st[2], st[3]);
            int dim = st[2];
            conv(m, "model." + (st[0] + 1) + ".block.1.conv.conv", dim / 2, dim, 3);
            conv(m, "model." + (st[0] + 1) + ".block.3.conv.conv", dim, dim / 2, 1);
        }
        conv(m, "model.15.conv.conv", 1, 64, 7);
        return m;
    }

    static String fmt(Map<String, long[]> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(k).append(java.util.Arrays.toString(v)).append('\n'));
        return sb.toString();
    }

    @Test
    void musicgen32kDecoderHasUpstreamKeysShapesAndSize() {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, Map.of(), "(shapes)", DataType.FLOAT, true, 1);
        new SEANetDecoder(SeanetConfig.musicgen32k()).build(root, sd.placeHolder("z", DataType.FLOAT, 1, 128, 2), 2);
        Map<String, long[]> got = new TreeMap<>(root.build().created());
        Map<String, long[]> want = upstreamDecoder32k();
        assertEquals(fmt(want), fmt(got));
        long total = got.values().stream().mapToLong(s -> java.util.Arrays.stream(s).reduce(1, (a, b) -> a * b)).sum();
        assertEquals(28_442_690L, total);
    }

    @Test
    void encoderAndDecoderLengths() {
        qt().withFixedSeed(3).withExamples(40).forAll(integers().between(1, 3000), integers().between(0, 3))
                .checkAssert((n, which) -> {
                    List<List<Integer>> ratioSets = List.of(List.of(8, 5, 4, 4), List.of(8, 5, 4, 2), List.of(2, 3),
                            List.of(4));
                    List<Integer> ratios = ratioSets.get(which);
                    SeanetConfig c = SeanetConfig.musicgen32k().withRatios(ratios);
                    int hop = c.hopLength();
                    assertEquals((n + hop - 1) / hop, new SEANetEncoder(c).outputLength(n), "encoder " + ratios);
                    assertEquals((long) n * hop, new SEANetDecoder(c).outputLength(n), "decoder " + ratios);
                });
    }

    /** A decoder small enough for finite differences, through every kind of layer. */
    static SeanetConfig tinyForGradients() {
        return new SeanetConfig(1, 3, 2, 1, List.of(2, 3), Activation.elu(), Activation.identity(), Norm.WEIGHT_NORM,
                3, 3, 3, 2, false, Pad.Mode.REFLECT, false, 2, 2, 1.0);
    }

    @Test
    void decoderGradientsMatchFiniteDifferences() {
        SeanetConfig c = tinyForGradients();
        int frames = 3;
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, null, "t", DataType.DOUBLE, false, 12);
        SDVariable z = sd.var("latent", Nd4j.rand(DataType.DOUBLE, 1, 3, frames).subi(0.5).muli(2));
        SDVariable y = new SEANetDecoder(c).build(root, z, frames);                    // [1, 1, 18]
        SDVariable w = sd.constant("w", Nd4j.rand(DataType.DOUBLE, 1, 1, frames * 6).subi(0.5));
        // A non-linear read-out so that every sample's gradient differs.
        sd.math().square(y).add(y).mul(w).sum().rename("loss");
        List<String> names = new ArrayList<>(List.of("latent"));
        for (String k : root.build().created().keySet()) {
            if (k.contains("weight") || k.contains("bias")) {
                names.add(k);
            }
        }
        assertTrue(names.contains("model.1.lstm.weight_hh_l1") && names.contains("model.3.convtr.convtr.weight_g")
                && names.contains("model.4.shortcut.conv.conv.weight_v"), names.toString());
        GradCheck.check(sd, "loss", Map.of(), names, 4, 1e-6, 1e-5, 8);
    }

    @Test
    void tinyDecoderLearnsToReconstructAClipFromItsCodes() {
        SeanetConfig c = new SeanetConfig(1, 8, 4, 1, List.of(4, 4), Activation.elu(), Activation.identity(),
                Norm.WEIGHT_NORM, 7, 7, 3, 2, false, Pad.Mode.CONSTANT, true, 2, 1, 1.0);
        RvqConfig q = new RvqConfig(2, 16, 8);
        int frames = 24;
        int samples = frames * c.hopLength();
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, null, "t", DataType.FLOAT, false, 5);
        // Codes arrive as floats (MultiDataSet features) and are cast to indices in the graph.
        SDVariable codesF = sd.placeHolder("codes", DataType.FLOAT, 2, 1, frames);
        SDVariable latent = new ResidualVectorQuantizer(q).decode(root.child("quantizer"),
                codesF.castTo(DataType.INT64), 2, 1, frames);                              // [1, 8, T]
        SDVariable audio = new SEANetDecoder(c).build(root.child("decoder"), latent, frames); // [1, 1, 16 T]
        SDVariable target = sd.placeHolder("target", DataType.FLOAT, 1, 1, samples);
        audio.sub(target).mul(audio.sub(target)).mean().rename("loss");
        sd.setLossVariables("loss");
        sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(1e-2)).dataSetFeatureMapping("codes")
                .dataSetLabelMapping("target").build());

        float[][][] codes = new float[2][1][frames];
        float[] clip = new float[samples];
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        for (float[][] k : codes) {
            for (int f = 0; f < frames; f++) {
                k[0][f] = r.nextInt(16);
            }
        }
        for (int i = 0; i < samples; i++) {
            clip[i] = (float) (0.5 * Math.sin(2 * Math.PI * i / 37.0));
        }
        INDArray codesArr = Nd4j.createFromArray(codes);
        INDArray clipArr = Nd4j.createFromArray(clip).reshape(1, 1, samples);
        Map<String, INDArray> ph = new LinkedHashMap<>(Map.of("codes", codesArr, "target", clipArr));
        double before = sd.output(ph, "loss").get("loss").getDouble(0);
        MultiDataSet batch = new MultiDataSet(new INDArray[] {codesArr}, new INDArray[] {clipArr});
        for (int step = 0; step < 25; step++) {
            sd.fit(batch);
        }
        double after = sd.output(ph, "loss").get("loss").getDouble(0);
        System.out.println("tiny decoder fit: loss " + before + " -> " + after + " after 25 Adam steps");
        assertTrue(after < 0.3 * before, "loss " + before + " -> " + after);
        // The codebooks are buffers (upstream updates them by EMA, not by gradients): unchanged.
        assertArrayEquals(new long[] {16, 8}, sd.getVariable("quantizer.vq.layers.0._codebook.embed").getShape());
    }
}
