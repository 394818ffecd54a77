package org.lockey.model.hifigan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.lockey.LockeyException;
import org.lockey.model.hifigan.HifiGanConfig.ResBlockKind;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Generator invariants: output length, gradients, receptive field, the injection hook. */
class GeneratorTest {

    /** A small random config drawn from {@code seed}: 1-3 stages, rates 1-4, narrow channels. */
    static HifiGanConfig randomConfig(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int stages = 1 + r.nextInt(3);
        List<Integer> rates = new ArrayList<>();
        List<Integer> kernels = new ArrayList<>();
        for (int i = 0; i < stages; i++) {
            int u = 1 + r.nextInt(4);
            rates.add(u);
            kernels.add(u + 2 * r.nextInt(3));
        }
        ResBlockKind kind = r.nextBoolean() ? ResBlockKind.ONE : ResBlockKind.TWO;
        int branches = 1 + r.nextInt(3);
        List<Integer> rk = new ArrayList<>();
        List<List<Integer>> rd = new ArrayList<>();
        for (int j = 0; j < branches; j++) {
            rk.add(1 + 2 * r.nextInt(3));
            List<Integer> d = new ArrayList<>();
            for (int m = 0; m < kind.dilationsUsed() + r.nextInt(2); m++) {
                d.add(1 + r.nextInt(4));
            }
            rd.add(d);
        }
        return HifiGanConfig.generator(kind, rates, kernels, (1 << stages) * (1 + r.nextInt(2)), rk, rd);
    }

    @Test
    void outputLengthIsFramesTimesProductOfRates() {
        qt().withFixedSeed(21).withExamples(20).forAll(integers().between(0, 1 << 20), integers().between(1, 7))
                .checkAssert((seed, frames) -> {
                    HifiGanConfig c = randomConfig(seed);
                    SameDiff sd = SameDiff.create();
                    SDVariable mel = sd.placeHolder("mel", DataType.FLOAT, -1, 80, -1);
                    SDVariable audio = new Generator(c).build(Scope.fresh(sd, seed), mel);
                    INDArray out = audio.eval(Map.of("mel", Nd4j.rand(DataType.FLOAT, 2, 80, frames)));
                    long prod = c.upsampleRates().stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
                    assertArrayEquals(new long[] {2, 1, frames * prod}, out.shape(), c.toJson().toString());
                    assertTrue(out.amaxNumber().doubleValue() < 1.0, "tanh output must lie in (-1, 1)");
                });
    }

    /** Tiny generator: two stages (rates 2, 3), two branches, channels 8 -> 4 -> 2. */
    static HifiGanConfig tiny(ResBlockKind kind) {
        List<List<Integer>> dil = kind == ResBlockKind.ONE
                ? List.of(List.of(1, 2, 3), List.of(1, 1, 2))
                : List.of(List.of(1, 2), List.of(2, 1));
        return HifiGanConfig.generator(kind, List.of(2, 3), List.of(4, 5), 8, List.of(3, 5), dil);
    }

    @Test
    void gradientsMatchFiniteDifferencesResBlock1() {
        gradCheck(tiny(ResBlockKind.ONE), List.of("mel", "conv_pre.weight_g", "conv_pre.weight_v", "ups.0.weight_g",
                "ups.1.weight_v", "ups.1.bias", "resblocks.1.convs1.2.weight_v", "resblocks.3.convs2.0.weight_g",
                "resblocks.2.convs2.1.bias", "conv_post.weight_v", "conv_post.bias"), 31);
    }

    @Test
    void gradientsMatchFiniteDifferencesResBlock2() {
        gradCheck(tiny(ResBlockKind.TWO), List.of("mel", "ups.0.weight_v", "resblocks.0.convs.1.weight_v",
                "resblocks.3.convs.0.weight_g", "resblocks.2.convs.1.bias", "conv_post.weight_g"), 32);
    }

    static void gradCheck(HifiGanConfig c, List<String> names, long seed) {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "(test)", DataType.DOUBLE, false, seed);
        int frames = 5;
        SDVariable mel = sd.placeHolder("mel", DataType.DOUBLE, 1, 80, frames);
        SDVariable audio = new Generator(c).build(scope, mel);                        // [1, 1, 30]
        SDVariable w = sd.constant("w", Nd4j.rand(DataType.DOUBLE, 1, 1, frames * 6).subi(0.5));
        audio.mul(w).sum().rename("loss");
        Map<String, INDArray> ph = Map.of("mel", Nd4j.rand(DataType.DOUBLE, 1, 80, frames).subi(0.5).muli(4));
        GradCheck.check(sd, "loss", ph, names, 6, 1e-6, 1e-5, seed);
    }

    /** Output frames whose samples change when input frame g changes, as [first, last]. */
    static int[] influenced(HifiGanConfig c, int frames, int g) {
        SameDiff sd = SameDiff.create();
        SDVariable mel = sd.placeHolder("mel", DataType.DOUBLE, 1, 80, frames);
        Scope scope = Scope.root(sd, null, "(test)", DataType.DOUBLE, true, 5);
        SDVariable audio = new Generator(c).build(scope, mel);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 80, frames).subi(0.5);
        INDArray y0 = audio.eval(Map.of("mel", x)).dup();
        INDArray x1 = x.dup();
        for (int ch = 0; ch < 80; ch++) {
            x1.putScalar(0, ch, g, x1.getDouble(0, ch, g) + 1.0);
        }
        INDArray y1 = audio.eval(Map.of("mel", x1));
        int h = c.samplesPerFrame();
        int first = Integer.MAX_VALUE;
        int last = Integer.MIN_VALUE;
        for (int n = 0; n < frames * h; n++) {
            if (y0.getDouble(0, 0, n) != y1.getDouble(0, 0, n)) {
                first = Math.min(first, n / h);
                last = Math.max(last, n / h);
            }
        }
        return new int[] {first, last};
    }

    @Test
    void receptiveFieldOfV1IsThirteenFramesEachSideAsDerivedByHand() {
        // By hand (docs/hifigan.md): samples 0 and 255 of a frame, pulled back through conv_post (+-3),
        // four MRFs (+-60 samples each, the k=11 branch: 5 * (2 + 4 + 6)), the four transposed convs
        // and conv_pre (+-3), reach frames -13..12 and -12..13.
        assertEquals(new Generator.ReceptiveField(13, 13), new Generator(HifiGanConfig.v1()).receptiveField());
    }

    @Test
    void receptiveFieldMatchesMeasurementOnV2AndV3() {
        // V2 has V1's kernels, rates and dilations (only the channels differ), so V1's field is measured here.
        for (HifiGanConfig c : List.of(HifiGanConfig.v2().withUpsampleInitialChannel(16),
                HifiGanConfig.v3().withUpsampleInitialChannel(8))) {
            Generator.ReceptiveField rf = new Generator(c).receptiveField();
            int frames = 2 * rf.max() + 5;
            int g = rf.max() + 2;
            int[] hit = influenced(c, frames, g);
            assertEquals(new Generator.ReceptiveField(hit[1] - g, g - hit[0]), rf,
                    "measured output frames " + hit[0] + ".." + hit[1] + " for input frame " + g);
        }
    }

    @Test
    void receptiveFieldBoundsMeasurementOnRandomConfigs() {
        qt().withFixedSeed(23).withExamples(10).forAll(integers().between(0, 1 << 20)).checkAssert(seed -> {
            HifiGanConfig c = randomConfig(seed);
            Generator.ReceptiveField rf = new Generator(c).receptiveField();
            int frames = 2 * rf.max() + 5;
            int g = rf.max() + 2;
            int[] hit = influenced(c, frames, g);
            // Sound (nothing outside the field changes); not always tight here: through up to ~30 edge
            // taps of narrow random layers the outermost influence can fall below double precision.
            assertTrue(hit[1] - g <= rf.left() && g - hit[0] <= rf.right(),
                    () -> "measured output frames " + hit[0] + ".." + hit[1] + " for input frame " + g
                            + " exceed " + rf + " for " + c.toJson());
        });
    }

    @Test
    void hookSeesTheInjectionStageOutputAndFeedsItsResBlocks() {
        HifiGanConfig c = tiny(ResBlockKind.ONE);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 80, 4);
        INDArray plain = run(c, x, 0, v -> v);
        INDArray noHook = runNoHook(c, x);
        assertEquals(0.0, plain.sub(noHook).amaxNumber().doubleValue(), "identity hook must not change the output");
        for (int stage = 0; stage < 2; stage++) {
            long[][] seen = new long[1][];
            int s = stage;
            INDArray keyed = run(c, x, stage, v -> {
                seen[0] = v.eval(Map.of("mel", x)).shape();
                return v.add(v.getSameDiff().constant(Nd4j.ones(DataType.FLOAT, 1, c.channelsAfterStage(s), 1)));
            });
            long len = 4L * (s == 0 ? 2 : 6);
            assertArrayEquals(new long[] {2, c.channelsAfterStage(stage), len}, seen[0]);
            assertTrue(keyed.sub(plain).amaxNumber().doubleValue() > 1e-4, "adding a vector must change the audio");
        }
        assertThrows(IllegalArgumentException.class, () -> run(c, x, 2, v -> v));
    }

    static INDArray run(HifiGanConfig c, INDArray x, int stage, java.util.function.UnaryOperator<SDVariable> hook) {
        SameDiff sd = SameDiff.create();
        SDVariable mel = sd.placeHolder("mel", DataType.FLOAT, -1, 80, -1);
        return new Generator(c).build(Scope.fresh(sd, 9), mel, stage, hook).eval(Map.of("mel", x));
    }

    static INDArray runNoHook(HifiGanConfig c, INDArray x) {
        SameDiff sd = SameDiff.create();
        SDVariable mel = sd.placeHolder("mel", DataType.FLOAT, -1, 80, -1);
        return new Generator(c).build(Scope.fresh(sd, 9), mel).eval(Map.of("mel", x));
    }

    @Test
    void numMelsOtherThanEightyIsRejectedLikeUpstream() {
        HifiGanConfig v1 = HifiGanConfig.v1();
        HifiGanConfig c = new HifiGanConfig(v1.resblock(), v1.upsampleRates(), v1.upsampleKernelSizes(), 512,
                v1.resblockKernelSizes(), v1.resblockDilationSizes(), 100, v1.mel(), v1.training());
        LockeyException e = assertThrows(LockeyException.class, () -> new Generator(c));
        assertTrue(e.getMessage().contains("'num_mels' is 100") && e.getMessage().contains("80"), e.getMessage());
    }
}
