package org.lockey.model.hifigan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.lockey.LockeyException;
import org.lockey.io.Tensor;
import org.lockey.nn.NormedWeight;
import org.lockey.nn.Scope;
import org.lockey.train.AdversarialLoss;
import org.lockey.train.FeatureMatchingLoss;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MPD and MSD: parameter keys and shapes against an independent enumeration of upstream's
 * state dict, forward outputs against {@link DiscriminatorReference} (plain loops), score lengths for a
 * training segment, checkpoint loading, and finite-difference gradient checks through a narrow
 * discriminator and the adversarial / feature-matching losses.
 */
class DiscriminatorTest {

    /**
     * Upstream {@code mpd} and {@code msd} state-dict keys and shapes, enumerated from models.py's
     * facts (not from the modules): DiscriminatorP convs (kernel (5, 1)) 1-32-128-512-1024-1024 and
     * conv_post (3, 1) to 1, weight-normed (weight_g [out, 1, 1, 1]); DiscriminatorS convs with kernels
     * 15, 41 x5, 5, groups 1, 4, 16, 16, 16, 16, 1, widths 128, 128, 256, 512, 1024, 1024, 1024, and
     * conv_post k3 to 1; MSD's first sub-discriminator spectral-normed (weight_orig, weight_u [out],
     * weight_v [in/groups * k]), the others weight-normed.
     */
    static Map<String, long[]> upstreamKeys(int d) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int[] pc = {1, 32 / d, 128 / d, 512 / d, 1024 / d, 1024 / d, 1};
        int[] pk = {5, 5, 5, 5, 5, 3};
        for (int i = 0; i < 5; i++) {
            String base = "mpd.discriminators." + i;
            for (int j = 0; j < 6; j++) {
                String p = base + (j < 5 ? ".convs." + j : ".conv_post");
                long out = pc[j + 1];
                m.put(p + ".weight_g", new long[] {out, 1, 1, 1});
                m.put(p + ".weight_v", new long[] {out, pc[j], pk[j], 1});
                m.put(p + ".bias", new long[] {out});
            }
        }
        int[] sc = {1, 128 / d, 128 / d, 256 / d, 512 / d, 1024 / d, 1024 / d, 1024 / d, 1};
        int[] sk = {15, 41, 41, 41, 41, 41, 5, 3};
        int[] sg = {1, 4, 16, 16, 16, 16, 1, 1};
        for (int i = 0; i < 3; i++) {
            String base = "msd.discriminators." + i;
            for (int j = 0; j < 8; j++) {
                String p = base + (j < 7 ? ".convs." + j : ".conv_post");
                long out = sc[j + 1];
                long in = sc[j] / sg[j];
                if (i == 0) {
                    m.put(p + ".weight_orig", new long[] {out, in, sk[j]});
                    m.put(p + ".weight_u", new long[] {out});
                    m.put(p + ".weight_v", new long[] {in * sk[j]});
                } else {
                    m.put(p + ".weight_g", new long[] {out, 1, 1});
                    m.put(p + ".weight_v", new long[] {out, in, sk[j]});
                }
                m.put(p + ".bias", new long[] {out});
            }
        }
        return m;
    }

    record Built(SameDiff sd, Scope root, DiscriminatorOutputs mpd, DiscriminatorOutputs msd) {
    }

    static Built build(int mpdDivisor, int msdDivisor, int length, DataType type, Map<String, Tensor> weights, long seed) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, weights, "test", type, false, seed);
        SDVariable y = sd.placeHolder("y", type, -1, 1, length);
        SDVariable yHat = sd.placeHolder("y_hat", type, -1, 1, length);
        DiscriminatorOutputs f = new MultiPeriodDiscriminator(mpdDivisor).build(root.child("mpd"), y, yHat, length);
        DiscriminatorOutputs s = new MultiScaleDiscriminator(msdDivisor).build(root.child("msd"), y, yHat, length);
        return new Built(sd, root, f, s);
    }

    private static long total(Map<String, long[]> m) {
        return m.values().stream().mapToLong(s -> {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            return n;
        }).sum();
    }

    private static void assertSameKeys(Map<String, long[]> want, Map<String, long[]> got) {
        assertEquals(new java.util.TreeSet<>(want.keySet()), new java.util.TreeSet<>(got.keySet()));
        want.forEach((k, s) -> assertArrayEquals(s, got.get(k), k));
    }

    @Test
    @Tag("slow")
    void upstreamSizedKeysShapesAndCountsMatchTheStateDict() {
        Built b = build(1, 1, 512, DataType.FLOAT, null, 1);
        Map<String, long[]> want = upstreamKeys(1);
        assertSameKeys(want, b.root().build().created());
        Map<String, long[]> mpd = new TreeMap<>();
        Map<String, long[]> msd = new TreeMap<>();
        want.forEach((k, s) -> (k.startsWith("mpd.") ? mpd : msd).put(k, s));
        assertEquals(90, mpd.size());
        assertEquals(3 * 8 * 4 - 2 * 8, msd.size(), "8 spectral-normed convs with 4 entries, 16 weight-normed with 3");
        assertEquals(41_105_770L, total(mpd), "MPD values (as documented in MultiPeriodDiscriminator)");
        assertEquals(29_637_357L, total(msd), "MSD values, buffers included (as documented in MultiScaleDiscriminator)");
        assertEquals(5 * 6 + 3 * 8, b.mpd().weights().size() + b.msd().weights().size());
    }

    @Test
    void narrowedDiscriminatorsKeepTheKeys() {
        Built b = build(8, 8, 512, DataType.FLOAT, null, 1);
        assertSameKeys(upstreamKeys(8), b.root().build().created());
        assertThrows(IllegalArgumentException.class, () -> new MultiScaleDiscriminator(16), "16 groups need 8+ channels");
        assertThrows(IllegalArgumentException.class, () -> new MultiPeriodDiscriminator(3));
    }

    @Test
    void loadsAStateDictAndReportsMissingKeys() {
        Map<String, long[]> keys = upstreamKeys(8);
        Random r = new Random(3);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        keys.forEach((k, s) -> {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.1 * r.nextGaussian() + (k.endsWith("weight_g") ? 1 : 0));
            }
            weights.put(k, Tensor.ofFloats(k, v, s));
        });
        Built b = build(8, 8, 512, DataType.FLOAT, weights, 9);
        b.root().build().checkLoaded("mpd.", "msd.");
        for (String k : List.of("mpd.discriminators.4.conv_post.weight_v", "msd.discriminators.0.convs.3.weight_u",
                "msd.discriminators.2.convs.5.bias")) {
            assertArrayEquals(weights.get(k).toFloatArray(), b.sd().getVariable(k).getArr().data().asFloat(), 0f, k);
        }
        weights.remove("msd.discriminators.1.convs.2.weight_g");
        LockeyException e = assertThrows(LockeyException.class,
                () -> build(8, 8, 512, DataType.FLOAT, weights, 9).root().build().checkLoaded("mpd.", "msd."));
        assertTrue(e.getMessage().contains("msd.discriminators.1.convs.2.weight_g"), e.getMessage());
    }

    @Test
    void scoreLengthsForATrainingSegment() {
        int len = 8192;
        Built b = build(32, 8, len, DataType.FLOAT, null, 2);
        Map<String, INDArray> feeds = Map.of("y", Nd4j.rand(DataType.FLOAT, 1, 1, len), "y_hat", Nd4j.rand(DataType.FLOAT, 1, 1, len));
        for (int i = 0; i < 5; i++) {
            int p = MultiPeriodDiscriminator.PERIODS.get(i);
            long h = (len + p - 1) / p;                        // rows after padding to a multiple of p
            for (int j = 0; j < 4; j++) {
                h = (h + 2 * 2 - 5) / 3 + 1;                   // kernel 5, stride 3, padding 2
            }
            assertArrayEquals(new long[] {1, h * p}, b.mpd().realScores().get(i).eval(feeds).shape(), "period " + p);
        }
        long t = len;
        for (int s = 0; s < 3; s++) {
            long n = t;
            for (int[] l : new int[][] {{15, 1, 7}, {41, 2, 20}, {41, 2, 20}, {41, 4, 20}, {41, 4, 20}, {41, 1, 20}, {5, 1, 2}, {3, 1, 1}}) {
                n = (n + 2L * l[2] - l[0]) / l[1] + 1;
            }
            assertArrayEquals(new long[] {1, n}, b.msd().generatedScores().get(s).eval(feeds).shape(), "scale " + s);
            t = (t + 4 - 4) / 2 + 1;                           // AvgPool1d(4, 2, padding=2)
        }
    }

    @Test
    void forwardMatchesPlainLoops() {
        int len = 301;
        int batch = 2;
        Built b = build(32, 8, len, DataType.DOUBLE, null, 4);
        INDArray y = Nd4j.rand(DataType.DOUBLE, batch, 1, len).subi(0.5);
        INDArray yHat = Nd4j.rand(DataType.DOUBLE, batch, 1, len).subi(0.5).muli(0.3);
        Map<String, INDArray> feeds = Map.of("y", y, "y_hat", yHat);
        settleSpectralNorm(b);
        DiscriminatorReference ref = new DiscriminatorReference(k -> b.sd().getVariable(k).getArr());
        Map<String, INDArray> outputs = allOutputs(b, feeds);
        int[] pc = {1, 1, 4, 16, 32, 32};
        int[] sc = {16, 16, 32, 64, 128, 128, 128};
        double worst = 0;
        for (int ex = 0; ex < batch; ex++) {
            for (int input = 0; input < 2; input++) {
                double[] audio = (input == 0 ? y : yHat).get(org.nd4j.linalg.indexing.NDArrayIndex.point(ex),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.all()).toDoubleVector();
                for (int i = 0; i < 5; i++) {
                    DiscriminatorReference.Output want = ref.periodDiscriminator("mpd.discriminators." + i, audio,
                            MultiPeriodDiscriminator.PERIODS.get(i), pc, false);
                    worst = Math.max(worst, compare(want, b.mpd(), i, input, ex, outputs));
                }
                double[] scaled = audio;
                for (int s = 0; s < 3; s++) {
                    if (s > 0) {
                        scaled = DiscriminatorReference.avgPool(scaled);
                    }
                    DiscriminatorReference.Output want = ref.scaleDiscriminator("msd.discriminators." + s, scaled, sc, s == 0);
                    worst = Math.max(worst, compare(want, b.msd(), s, input, ex, outputs));
                }
            }
        }
        assertTrue(worst < 1e-10, "max-abs error against the plain loops " + worst);
    }

    /**
     * A few training-mode refreshes, as a few training steps would do: the random initial u and v
     * can make {@code u . W v} arbitrarily small, and eval mode (used by the checks, so that u and v
     * stay fixed) then divides by it.
     */
    private static void settleSpectralNorm(Built b) {
        Function<String, INDArray> state = k -> b.sd().getVariable(k).getArr();
        for (int i = 0; i < 5; i++) {
            b.msd().weights().forEach(w -> w.refresh(state, true));
        }
        b.msd().weights().forEach(w -> w.refresh(state, false));
    }

    /** Max-abs difference of example {@code ex} of sub-discriminator k's score and feature maps. */
    private static double compare(DiscriminatorReference.Output want, DiscriminatorOutputs got, int k, int input, int ex,
            Map<String, INDArray> outputs) {
        SDVariable score = (input == 0 ? got.realScores() : got.generatedScores()).get(k);
        List<SDVariable> maps = (input == 0 ? got.realFeatureMaps() : got.generatedFeatureMaps()).get(k);
        double worst = maxAbs(want.score(), outputs.get(score.name()).slice(ex).dup().data().asDouble(), "score " + k);
        assertEquals(want.featureMaps().size(), maps.size());
        for (int i = 0; i < maps.size(); i++) {
            worst = Math.max(worst, maxAbs(want.featureMaps().get(i),
                    outputs.get(maps.get(i).name()).slice(ex).dup().data().asDouble(), "map " + k + "." + i));
        }
        return worst;
    }

    /** Every score and feature map of both discriminators, computed in one pass of the graph. */
    private static Map<String, INDArray> allOutputs(Built b, Map<String, INDArray> feeds) {
        List<String> names = new java.util.ArrayList<>();
        for (DiscriminatorOutputs o : List.of(b.mpd(), b.msd())) {
            for (List<SDVariable> scores : List.of(o.realScores(), o.generatedScores())) {
                scores.forEach(v -> names.add(v.name()));
            }
            for (List<List<SDVariable>> maps : List.of(o.realFeatureMaps(), o.generatedFeatureMaps())) {
                maps.forEach(l -> l.forEach(v -> names.add(v.name())));
            }
        }
        return b.sd().output(feeds, names.toArray(new String[0]));
    }

    private static double maxAbs(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what + " length");
        double m = 0;
        for (int i = 0; i < want.length; i++) {
            m = Math.max(m, Math.abs(want[i] - got[i]));
        }
        return m;
    }

    /** Three sub-discriminators (one per kind of conv: 2-D weight-normed, 1-D spectral-normed, 1-D grouped weight-normed). */
    record Subs(SameDiff sd, List<Forwards> forwards) {
        List<NormedWeight> weights() {
            List<NormedWeight> w = new ArrayList<>();
            forwards.forEach(f -> w.addAll(f.weights()));
            return w;
        }

        List<SDVariable> scores(int input) {
            return forwards.stream().map(f -> f.outputs().get(input).score()).toList();
        }

        List<List<SDVariable>> maps(int input) {
            return forwards.stream().map(f -> f.outputs().get(input).featureMaps()).toList();
        }
    }

    static Subs subs(SameDiff sd, Scope root, SDVariable y, SDVariable yHat, int len) {
        List<Forwards> fs = List.of(
                new DiscriminatorP(3, false, 32).build(root.child("mpd").child("discriminators").child(1), List.of(y, yHat), len),
                new DiscriminatorS(true, 8).build(root.child("msd").child("discriminators").child(0), List.of(y, yHat), len),
                new DiscriminatorS(false, 8).build(root.child("msd").child("discriminators").child(1), List.of(y, yHat), len));
        return new Subs(sd, fs);
    }

    @Test
    @Tag("slow")
    void discriminatorLossGradientsReachTheStateDictParameters() {
        int len = 128;
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, null, "test", DataType.DOUBLE, false, 5);
        Subs d = subs(sd, root, sd.placeHolder("y", DataType.DOUBLE, -1, 1, len), sd.placeHolder("y_hat", DataType.DOUBLE, -1, 1, len), len);
        sd.setLossVariables(AdversarialLoss.discriminator(sd, d.scores(0), d.scores(1)).rename("loss"));
        Map<String, INDArray> feeds = Map.of("y", Nd4j.rand(DataType.DOUBLE, 2, 1, len).subi(0.5),
                "y_hat", Nd4j.rand(DataType.DOUBLE, 2, 1, len).subi(0.5));
        List<NormedWeight> weights = d.weights();
        Function<String, INDArray> state = k -> sd.getVariable(k).getArr();
        for (int i = 0; i < 5; i++) {
            weights.forEach(w -> w.refresh(state, true));                               // settle u, v (see settleSpectralNorm)
        }
        weights.forEach(w -> w.refresh(state, false));
        List<String> graphNames = new ArrayList<>();
        weights.forEach(w -> graphNames.addAll(w.graphNames()));
        List<String> biases = List.of("mpd.discriminators.1.convs.2.bias", "msd.discriminators.0.conv_post.bias",
                "msd.discriminators.1.convs.3.bias");
        graphNames.addAll(biases);
        Map<String, INDArray> graphGrads = sd.calculateGradients(feeds, graphNames);
        Map<String, INDArray> grads = new HashMap<>();
        weights.forEach(w -> w.backward(state, graphGrads, grads));
        biases.forEach(k -> grads.put(k, graphGrads.get(k)));
        List<String> probe = new ArrayList<>(List.of("mpd.discriminators.1.convs.2.weight_g", "mpd.discriminators.1.convs.2.weight_v",
                "msd.discriminators.0.convs.0.weight_orig", "msd.discriminators.0.convs.4.weight_orig",
                "msd.discriminators.1.convs.2.weight_g", "msd.discriminators.1.convs.3.weight_v"));
        probe.addAll(biases);
        Random r = new Random(7);
        double h = 1e-6;
        double maxErr = 0;
        double maxFd = 0;
        for (String key : probe) {
            INDArray arr = state.apply(key);
            INDArray flat = arr.reshape(arr.length());
            for (int n = 0; n < 3; n++) {
                long i = r.nextInt((int) arr.length());
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + h);
                double up = evalLoss(sd, weights, state, feeds);
                flat.putScalar(i, orig - h);
                double down = evalLoss(sd, weights, state, feeds);
                flat.putScalar(i, orig);
                double fd = (up - down) / (2 * h);
                maxFd = Math.max(maxFd, Math.abs(fd));
                maxErr = Math.max(maxErr, Math.abs(fd - grads.get(key).reshape(arr.length()).getDouble(i)));
            }
        }
        String msg = String.format("L_D w.r.t. state-dict parameters: max|grad - fd| %.3e, max|fd| %.3e", maxErr, maxFd);
        System.out.println("[gradcheck] " + msg);
        assertTrue(maxFd > 0 && maxErr <= 1e-5 * maxFd, msg);
    }

    private static double evalLoss(SameDiff sd, List<NormedWeight> weights, Function<String, INDArray> state,
            Map<String, INDArray> feeds) {
        weights.forEach(w -> w.refresh(state, false));
        return sd.output(feeds, "loss").get("loss").getDouble(0);
    }

    @Test
    void generatorSideLossesGradientWithRespectToTheGeneratedAudio() {
        int len = 128;
        SameDiff sd = SameDiff.create();
        Scope frozen = Scope.root(sd, null, "test", DataType.DOUBLE, true, 6);
        SDVariable y = sd.placeHolder("y", DataType.DOUBLE, -1, 1, len);
        // The generated audio as a variable: the gradient SameDiff reports for a placeholder used by several ops is wrong.
        SDVariable yHat = sd.var("y_hat", Nd4j.rand(DataType.DOUBLE, 2, 1, len).subi(0.5));
        Subs d = subs(sd, frozen, y, yHat, len);
        Function<String, INDArray> state = k -> sd.getVariable(k).getArr();
        for (int i = 0; i < 5; i++) {
            d.weights().forEach(w -> w.refresh(state, true));
        }
        SDVariable loss = AdversarialLoss.generator(sd, d.scores(1)).add(FeatureMatchingLoss.of(sd, d.maps(0), d.maps(1)));
        sd.setLossVariables(loss.rename("loss"));
        GradCheck.check(sd, "loss", Map.of("y", Nd4j.rand(DataType.DOUBLE, 2, 1, len).subi(0.5)), List.of("y_hat"),
                16, 1e-6, 1e-4, 8);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }
}
