package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.audio.AudioTestUtil;
import org.lockey.data.AudioDataset;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.RvqConfig;
import org.lockey.model.encodec.SEANetDecoder;
import org.lockey.model.encodec.SEANetEncoder;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Codec training (encoder, codebooks, decoder together) on a tiny codec and four short synthetic clips. */
class CodecTrainerTest {
    /** n_filters 4, dimension 16, one LSTM layer, RVQ 2 x 32: a few thousand parameters. */
    static final CompressionConfig TINY = new CompressionConfig(32000,
            CompressionConfig.musicgen32k().seanet().withSize(16, 4).withDepth(1, 1), new RvqConfig(2, 32, 16));

    @TempDir
    static Path data;
    @TempDir
    Path dir;

    static AudioDataset clips;

    @BeforeAll
    static void setUp() {
        AudioTestUtil.writeNotes(data, 4, 1.5);
        clips = AudioDataset.load(data, null, 32000);
    }

    static CodecTrainer.Config config(long steps, int checkpointEvery, double commitment) {
        return config(2, 4, steps, checkpointEvery, commitment);
    }

    static CodecTrainer.Config config(int batch, int frames, long steps, int checkpointEvery, double commitment) {
        return new CodecTrainer.Config(batch, frames, steps, checkpointEvery, 0, 5,
                new Adam.Config(1e-3, 0.5, 0.9, 1e-8, 0), 0.1, 1.0, MultiScaleStftLoss.standard(), commitment,
                LearnedCodebooks.Settings.audiocraft(), 1);
    }

    /**
     * The encoder's gradient is the straight-through one: for any quantised q fed to the decoder, the trainer's
     * encoder gradients equal the finite differences of theta -> L_rec(G(E(theta) + (q - z0))) + beta L_commit(E(theta)),
     * i.e. the chain rule through an identity quantiser that adds the fixed offset q - z0 (z0 = E(theta0)). Checked in
     * double precision on a graph built here (encoder, offset, decoder, losses) against the trainer's two-graph path.
     */
    @Test
    void encoderGradientIsTheStraightThroughOne() {
        Map<String, Tensor> w = CodecTrainer.initialWeights(TINY, 3);
        for (double beta : new double[] {0.0, 0.7}) {
            // One crop of two frames (1280 samples: the STFT loss's largest scale needs 1025).
            CodecTrainer t = new CodecTrainer(config(1, 2, 1, 1, beta), TINY, clips, clips, DataType.DOUBLE);
            t.start(w, "test");
            CodecTrainer.Batch bt = t.batch(0);
            INDArray z0 = t.encode(bt.audio());                                                     // [1, 16, 2]
            // A quantised latent far from z (the offset matters), and arbitrary commitment targets.
            INDArray q = z0.add(Nd4j.randn(new SplittableRandom(5).nextLong(), z0.shape()).castTo(DataType.DOUBLE)
                    .muli(0.3));
            INDArray targets = Nd4j.randn(9L, new long[] {2, 1, 16, 2}).castTo(DataType.DOUBLE).muli(0.2);
            Map<String, INDArray> g = t.gradients(bt, q, targets);

            // The reference: one graph, the quantiser replaced by "add the fixed offset q - z0".
            SameDiff sd = SameDiff.create();
            Scope root = Scope.root(sd, w, "test", DataType.DOUBLE, false, 0);
            int len = 2 * TINY.seanet().hopLength();
            SDVariable audio = sd.constant("audio", bt.audio());
            SDVariable z = new SEANetEncoder(TINY.seanet()).build(root.child("encoder"), audio, len);
            SDVariable y = new SEANetDecoder(TINY.seanet()).build(root.child("decoder"),
                    z.add(sd.constant("offset", q.sub(z0))), 2).reshape(1, len);
            SDVariable target = sd.constant("target", bt.target());
            SDVariable l1 = sd.math().abs(y.sub(target)).mean();
            SDVariable stft = MultiScaleStftLoss.standard().build(sd, "stft", y, target, len).total();
            SDVariable commit = null;
            for (int k = 0; k < 2; k++) {
                SDVariable c = sd.constant("c" + k, targets.get(org.nd4j.linalg.indexing.NDArrayIndex.point(k)).dup());
                SDVariable term = sd.math().square(z.sub(c)).mean();
                commit = commit == null ? term : commit.add(term);
            }
            SDVariable loss = l1.mul(0.1).add(stft).add("loss", commit.div(2).mul(beta));

            // Directional derivatives: along a random direction over every encoder tensor at once, then along one
            // tensor at a time for every fourth tensor; each is one pair of loss evaluations.
            List<String> encoder = t.trainableNames().stream().filter(k -> k.startsWith("encoder.")).toList();
            List<List<String>> directions = new ArrayList<>();
            for (int d = 0; d < 3; d++) {
                directions.add(encoder);
            }
            for (int e = 0; e < encoder.size(); e += 4) {
                directions.add(List.of(encoder.get(e)));
            }
            List<String> checked = new ArrayList<>();
            double worst = 0;
            long seed = 11;
            for (List<String> tensors : directions) {
                Map<String, INDArray> v = new java.util.LinkedHashMap<>();
                double analytic = 0;
                for (String name : tensors) {
                    INDArray p = sd.getVariable(name).getArr();
                    INDArray dir = Nd4j.randn(seed++, p.shape()).castTo(DataType.DOUBLE);
                    v.put(name, dir);
                    analytic += g.get(name).mul(dir).sumNumber().doubleValue();
                }
                double h = 1e-6;
                v.forEach((name, dir) -> sd.getVariable(name).getArr().addi(dir.mul(h)));
                double up = sd.output(Map.of(), "loss").get("loss").getDouble(0);
                v.forEach((name, dir) -> sd.getVariable(name).getArr().subi(dir.mul(2 * h)));
                double down = sd.output(Map.of(), "loss").get("loss").getDouble(0);
                v.forEach((name, dir) -> sd.getVariable(name).getArr().addi(dir.mul(h)));
                double numeric = (up - down) / (2 * h);
                // Relative, floored: central differences of a loss of ~1.5 carry ~1e-9 of round-off.
                double err = Math.abs(numeric - analytic) / Math.max(1e-4, Math.abs(numeric));
                worst = Math.max(worst, err);
                checked.add(String.format("%s: %.8e / %.8e", tensors.size() == 1 ? tensors.get(0) : "all encoder tensors",
                        analytic, numeric));
            }
            assertTrue(checked.size() >= 12, "checked " + checked.size() + " directions");
            assertTrue(worst < 1e-4, "beta " + beta + ": worst relative error " + worst + " over " + checked);
        }
    }

    @Test
    void resumeContinuesBitForBit() {
        Map<String, Tensor> w = CodecTrainer.initialWeights(TINY, 3);
        CodecTrainer straight = new CodecTrainer(config(4, 2, 1.0), TINY, clips, clips);
        straight.start(w, "test");
        straight.run(dir.resolve("a"), Map.of(), v -> { }, () -> { });

        CodecTrainer first = new CodecTrainer(config(2, 2, 1.0), TINY, clips, clips);
        first.start(w, "test");
        first.run(dir.resolve("b"), Map.of(), v -> { }, () -> { });
        Checkpoint ck = Checkpoint.load(dir.resolve("b"), CodecTrainer.KIND).orElseThrow();
        assertEquals(2, ck.step());
        CodecTrainer second = new CodecTrainer(config(4, 2, 1.0), TINY, clips, clips);
        second.resume(ck);
        second.run(dir.resolve("b"), Map.of(), v -> { }, () -> { });
        assertEquals(4, second.step());

        Map<String, Tensor> a = straight.allWeights();
        Map<String, Tensor> b = second.allWeights();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
        }
        // Encoder, decoder and codebooks all moved, so equality above is not that of untouched state.
        for (String k : new String[] {"encoder.model.0.conv.conv.weight_v", "decoder.model.0.conv.conv.weight_v"}) {
            assertFalse(java.util.Arrays.equals(w.get(k).toFloatArray(), a.get(k).toFloatArray()), k + " trained");
        }
        assertTrue(a.containsKey("quantizer.vq.layers.1._codebook.embed_avg"));
        // Both runs logged the same four steps, one metrics row each.
        List<String> la = lines(dir.resolve("a").resolve(CodecTrainer.METRICS_FILE));
        List<String> lb = lines(dir.resolve("b").resolve(CodecTrainer.METRICS_FILE));
        assertEquals(5, la.size());
        assertEquals(column(la, 1), column(lb, 1), "per-step losses");
    }

    @Test
    void theWrittenModelIsAnEncodecWithLearnedCodebooks() {
        CodecTrainer t = new CodecTrainer(config(2, 1000, 1.0), TINY, clips, clips);
        t.start(CodecTrainer.initialWeights(TINY, 4), "test");
        assertTrue(t.trainableNames().stream().anyMatch(k -> k.startsWith("encoder.")));
        assertTrue(t.trainableNames().stream().anyMatch(k -> k.startsWith("decoder.")));
        Map<String, Double> f = t.trainStep();
        assertTrue(t.codebooks().initialised(0) && t.codebooks().initialised(1), "k-means on the first batch");
        // Eight vectors, 32 entries: k-means gives every vector of the first batch its own entry.
        assertEquals(0.0, f.get("commit"), 1e-12, f.toString());
        f = t.trainStep();
        assertTrue(f.get("commit") > 0 && f.get("qerr") > 0 && Double.isFinite(f.get("loss")), f.toString());
        t.model().save(dir, "test");
        Encodec loaded = Encodec.load(dir);
        assertEquals(Encodec.random(TINY, 0, true).weights().keySet(), loaded.weights().keySet(), "upstream key set");
        float[] x = clips.clip(0);
        float[] y = loaded.decode(loaded.encode(x));
        assertEquals((x.length + 639) / 640 * 640, y.length);
        // The codebooks written are the learned ones.
        float[] embed = loaded.weights().get("quantizer.vq.layers.0._codebook.embed").toFloatArray();
        assertArrayEquals(t.codebooks().entry(0, 5), java.util.Arrays.copyOfRange(embed, 5 * 16, 6 * 16), 0f);
    }

    private static List<String> lines(Path p) {
        try {
            return java.nio.file.Files.readAllLines(p);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> column(List<String> rows, int c) {
        return rows.stream().map(l -> l.split("\t")[c]).toList();
    }
}
