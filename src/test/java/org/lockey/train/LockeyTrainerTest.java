package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.RvqConfig;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.lockey.KeyedEncodec;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The LOCKEY fine-tuning loop on a tiny generator and watermark model. */
class LockeyTrainerTest {
    static HifiGanConfig gen;
    static AudioDataset train;
    static AudioDataset valid;

    @TempDir
    Path dir;

    /** A generator of a few thousand parameters (V2 layout, 16 channels). */
    static HifiGanConfig tinyGenerator() {
        return HifiGanConfig.generator(HifiGanConfig.ResBlockKind.TWO, List.of(8, 8, 2, 2), List.of(16, 16, 4, 4), 16,
                List.of(3), List.of(List.of(1, 2)));
    }

    @BeforeAll
    static void data() {
        gen = tinyGenerator();
        train = AudioDataset.load(Path.of("reference-data/speech"), "train", 22050);
        valid = AudioDataset.load(Path.of("reference-data/speech"), "valid", 22050);
    }

    static LockeyTrainer.Config config(long steps) {
        return config(steps, LockeyTrainer.PayloadClock.OFF);
    }

    static LockeyTrainer.Config config(long steps, LockeyTrainer.PayloadClock clock) {
        return new LockeyTrainer.Config(new LockeyTrainer.Run(2, steps, 2, 0, 5, 1e-3), new Curriculum(0.005, 2, 1.0),
                LockeyLoss.Lambdas.ones(), 30, new LockeyTrainer.KeyPath(8, 16, clock, 0),
                new LockeyTrainer.ValidationSet(1, 2),
                LockeyTrainer.Design.PAPER);
    }

    @Test
    void thePayloadClockTrainsItsEndTokenVectorAndResumesExactly() {
        HifiGan base = HifiGan.random(gen, 3);
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2), 4);
        LockeyTrainer t = new LockeyTrainer(config(2, LockeyTrainer.PayloadClock.ON), new HifiGanBranch(base, 48, 0), wm,
                KeyRegistry.create("t", 16, 12, 1), train, valid);
        assertEquals(wm.config().hopLength(), t.keyConfig().clockHop(), "the clock runs at the watermark's hop");
        t.start();
        assertTrue(t.trainableNames().contains("key_clock.end"), "key_clock.end is trained");
        assertTrue(t.trainableNames().contains("key_clock.symbols"), "key_clock.symbols is trained");
        assertEquals(List.of(4L, (long) t.keyConfig().channels()),
                java.util.Arrays.stream(t.weights().get("key_clock.symbols").shape()).boxed().toList());
        for (String name : List.of("key_clock.end", "key_clock.symbols")) {
            for (float v : t.weights().get(name).toFloatArray()) {
                assertEquals(0f, v, name + " starts at zero");
            }
        }
        t.trainStep();
        t.trainStep();
        for (String name : List.of("key_clock.end", "key_clock.symbols")) {
            float[] after = t.weights().get(name).toFloatArray();
            double moved = 0;
            for (float v : after) {
                moved = Math.max(moved, Math.abs(v));
            }
            assertTrue(moved > 0, name + " received a gradient");
        }
    }

    static LockeyTrainer trainer(long steps) {
        HifiGan base = HifiGan.random(gen, 3);
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2), 4);
        return new LockeyTrainer(config(steps), new HifiGanBranch(base, 48, 0), wm, KeyRegistry.create("t", 16, 12, 1),
                train, valid);
    }

    private static Map<String, Tensor> snapshot(Map<String, Tensor> w) {
        Map<String, Tensor> copy = new java.util.LinkedHashMap<>();
        w.forEach((k, t) -> copy.put(k, Tensor.ofFloats(k, t.toFloatArray(), t.shape())));
        return copy;
    }

    private static void assertSameValues(Map<String, Tensor> a, Map<String, Tensor> b, double tol, String what) {
        assertEquals(a.keySet(), b.keySet(), what);
        for (String k : a.keySet()) {
            float[] x = a.get(k).toFloatArray();
            float[] y = b.get(k).toFloatArray();
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], tol, what + " " + k + "[" + i + "]");
            }
        }
    }

    @Test
    void theKeyWarmupTeachesTheVerifierBeforeTheFirstStep() {
        HifiGan base = HifiGan.random(gen, 3);
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2), 4);
        KeyRegistry registry = KeyRegistry.create("t", 16, 4, 1);
        LockeyTrainer.Config paper = config(1);
        LockeyTrainer.Config warm = new LockeyTrainer.Config(new LockeyTrainer.Run(paper.batchSize(), 1, 2, 0, 5, 1e-3),
                paper.curriculum(), paper.lambdas(), 30, new LockeyTrainer.KeyPath(8, 16, LockeyTrainer.PayloadClock.OFF, 300),
                new LockeyTrainer.ValidationSet(1, 2), LockeyTrainer.Design.PAPER);
        List<String> log = new java.util.ArrayList<>();
        LockeyTrainer cold = new LockeyTrainer(paper, new HifiGanBranch(base, 48, 0), wm, registry, train, valid);
        cold.start();
        LockeyTrainer t = new LockeyTrainer(warm, new HifiGanBranch(base, 48, 0), wm, registry, train, valid);
        t.start(log::add);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("key warm-up: 300 steps")), log.toString());
        // the verifier now tells the valid keys from invalid ones; without the warm-up it is at chance
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        double warmAcc = verifierAccuracy(t, registry, r);
        double coldAcc = verifierAccuracy(cold, registry, new java.util.SplittableRandom(9));
        assertTrue(warmAcc >= 0.9, "verifier accuracy after the warm-up " + warmAcc);
        assertTrue(coldAcc < 0.75, "verifier accuracy of a fresh key path " + coldAcc);
        // the generator's own weights are untouched by it
        for (String k : t.trainableNames()) {
            if (k.startsWith("ups.") || k.startsWith("conv_pre.")) {
                assertEquals(cold.weights().get(k).toFloatArray()[0], t.weights().get(k).toFloatArray()[0], k);
            }
        }

        // A second run, with another clock form, starts from this warm-up's key path instead of its own warm-up: the
        // same verifier (logits equal on every key tried), the clock tables fresh (zero).
        LockeyTrainer.Config clocked = new LockeyTrainer.Config(new LockeyTrainer.Run(paper.batchSize(), 1, 2, 0, 5, 1e-3),
                paper.curriculum(), paper.lambdas(), 30, new LockeyTrainer.KeyPath(8, 16, LockeyTrainer.PayloadClock.ON, 0),
                new LockeyTrainer.ValidationSet(1, 2), LockeyTrainer.Design.PAPER.with(
                        org.lockey.model.lockey.KeyConfig.ClockForm.FILTERED));
        LockeyTrainer reuse = new LockeyTrainer(clocked, new HifiGanBranch(base, 48, 0), wm, registry, train, valid);
        List<String> reuseLog = new java.util.ArrayList<>();
        reuse.startFromKeyPath(t.weights(), "warm run", reuseLog::add);
        assertTrue(reuseLog.stream().anyMatch(l -> l.startsWith("key path (") && l.endsWith("from warm run")), reuseLog.toString());
        java.util.SplittableRandom keysDrawn = new java.util.SplittableRandom(4);
        for (int i = 0; i < 8; i++) {
            long[][] bits = {new org.lockey.model.lockey.Key(16, keysDrawn.nextLong() & 0xFFFF).bitArray(),
                    registry.validKeys().get(i % registry.validKeys().size()).bitArray()};
            var keys = org.nd4j.linalg.factory.Nd4j.createFromArray(bits);
            float[] want = t.verifierLogits(keys).reshape(-1).toFloatVector();
            float[] got = reuse.verifierLogits(keys).reshape(-1).toFloatVector();
            for (int j = 0; j < want.length; j++) {
                assertEquals(want[j], got[j], 1e-6, "verifier logit " + j + " of draw " + i);
            }
        }
        for (float v : reuse.weights().get("key_clock.filter_symbols").toFloatArray()) {
            assertEquals(0f, v, "the output filters start fresh");
        }
        Map<String, Tensor> narrower = new java.util.LinkedHashMap<>(t.weights());
        narrower.put("verifier.layers.2.bias", Tensor.ofFloats("verifier.layers.2.bias", new float[3], 3));
        LockeyTrainer wrong = new LockeyTrainer(clocked, new HifiGanBranch(base, 48, 0), wm, registry, train, valid);
        org.lockey.LockeyException e = org.junit.jupiter.api.Assertions.assertThrows(org.lockey.LockeyException.class,
                () -> wrong.startFromKeyPath(narrower, "odd.safetensors", line -> { }));
        assertEquals("odd.safetensors: verifier.layers.2.bias has shape [3], this run's key path needs [2] (other "
                + "--key-dim, --key-hidden, --pooling or key size?)", e.getMessage());
    }

    /** Balanced accuracy (mean of the shares right among valid and among invalid keys) over the valid keys and random invalid ones, fed two at a time (the graph's batch). */
    private static double verifierAccuracy(LockeyTrainer t, KeyRegistry registry, java.util.SplittableRandom r) {
        List<org.lockey.model.lockey.Key> keys = new java.util.ArrayList<>(registry.validKeys());
        int nValid = keys.size();
        while (keys.size() < 2 * nValid + 16) {
            var k = new org.lockey.model.lockey.Key(16, r.nextLong() & 0xFFFF);
            if (!registry.isValid(k)) {
                keys.add(k);
            }
        }
        int[] right = new int[2];
        int[] total = new int[2];
        for (int i = 0; i < keys.size(); i += 2) {
            long[][] bits = {keys.get(i).bitArray(), keys.get(i + 1).bitArray()};
            var out = t.verifierLogits(org.nd4j.linalg.factory.Nd4j.createFromArray(bits));
            for (int j = 0; j < 2; j++) {
                int cls = out.getDouble(j, 0) >= out.getDouble(j, 1) ? 0 : 1;
                int want = registry.isValid(keys.get(i + j)) ? 0 : 1;
                right[want] += cls == want ? 1 : 0;
                total[want]++;
            }
        }
        return (right[0] / (double) total[0] + right[1] / (double) total[1]) / 2;
    }

    @Test
    void teacherAndMessageDecoderStayFrozen() {
        HifiGan base = HifiGan.random(gen, 3);
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2), 4);
        LockeyTrainer t = new LockeyTrainer(config(2), new HifiGanBranch(base, 48, 0), wm,
                KeyRegistry.create("t", 16, 12, 1), train, valid);
        Map<String, Tensor> baseBefore = snapshot(base.stateDict());
        Map<String, Tensor> wmBefore = snapshot(wm.weights());
        t.start();
        Map<String, Tensor> studentBefore = snapshot(t.weights());
        int decoderWeights = 0;
        for (String k : wm.weights().keySet()) {
            assertFalse(t.trainableNames().contains(k), "watermark weight " + k + " is not trainable");
            if (k.startsWith("dec_m_0.")) {
                assertEquals(VariableType.CONSTANT, t.graph().getVariable(k).getVariableType(), k);
                decoderWeights++;
            }
        }
        assertTrue(decoderWeights > 0, "the message decoder is in the training graph");
        t.trainStep();
        t.trainStep();
        assertSameValues(baseBefore, base.stateDict(), 0, "teacher");
        assertSameValues(wmBefore, wm.weights(), 0, "watermark model");
        boolean moved = false;
        for (Map.Entry<String, Tensor> e : t.weights().entrySet()) {
            float[] x = studentBefore.get(e.getKey()).toFloatArray();
            float[] y = e.getValue().toFloatArray();
            for (int i = 0; i < x.length && !moved; i++) {
                moved = x[i] != y[i];
            }
        }
        assertTrue(moved, "the student's weights are updated");
        assertTrue(t.trainableNames().contains("key_embedding.weight") && t.trainableNames().contains("ups.0.weight_v"));
    }

    @Test
    void resumeContinuesExactly() {
        LockeyTrainer straight = trainer(4);
        straight.start();
        straight.run(dir.resolve("a"), s -> { }, () -> { });
        LockeyTrainer first = trainer(2);
        first.start();
        first.run(dir.resolve("b"), s -> { }, () -> { });
        LockeyTrainer second = trainer(4);
        second.resume(Checkpoint.load(dir.resolve("b"), LockeyTrainer.KIND).orElseThrow());
        assertEquals(2, second.step());
        second.run(dir.resolve("b"), s -> { }, () -> { });
        assertSameValues(straight.weights(), second.weights(), 1e-6, "resumed");
        // metrics.tsv: the header and one row per step, steps 1..4 once each across the interruption
        List<String> rows = readLines(dir.resolve("b").resolve(LockeyTrainer.METRICS_FILE));
        assertEquals("step\tloss\tce_wm\tmse\tmse_inv\tinv\tce_v\ttau\tforcing\tseconds", rows.get(0));
        assertEquals(List.of("1", "2", "3", "4"), rows.subList(1, rows.size()).stream().map(r -> r.split("\t")[0]).toList());
        assertEquals(10, rows.get(1).split("\t", -1).length);
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void validationReportsFiniteFigures() {
        LockeyTrainer t = trainer(1);
        t.start();
        LockeyTrainer.Validation v = t.validate();
        assertTrue(Double.isFinite(v.sdrValid()) && Double.isFinite(v.sdrInvalid()), v.line());
        assertTrue(v.bitAccuracy() >= 0 && v.bitAccuracy() <= 1, v.line());
    }

    @Test
    void encodecBranchTrainsTheDecoderOnly() {
        CompressionConfig small = new CompressionConfig(32000,
                CompressionConfig.musicgen32k().seanet().withSize(16, 4).withDepth(1, 1), new RvqConfig(2, 32, 16));
        Encodec codec = Encodec.random(small, 3, true);
        Map<String, Tensor> before = snapshot(codec.weights());
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc32k(16).withMsgDecoder(4, 2), 4);
        AudioDataset music = AudioDataset.load(Path.of("reference-data/music"), "train", 32000);
        AudioDataset musicValid = AudioDataset.load(Path.of("reference-data/music"), "valid", 32000);
        LockeyTrainer t = new LockeyTrainer(config(2), new EncodecBranch(codec, 26, 1), wm,
                KeyRegistry.create("t", 16, 12, 1), music, musicValid);
        t.start();
        assertTrue(t.trainableNames().stream().allMatch(k -> k.startsWith("decoder.") || k.startsWith("key_")
                || k.startsWith("verifier.")), "only the decoder and the key modules train");
        assertTrue(t.trainableNames().contains("decoder.model.1.lstm.weight_ih_l0"));
        Map<String, Double> f = t.trainStep();
        assertTrue(Double.isFinite(f.get("loss")), f.toString());
        assertSameValues(before, codec.weights(), 0, "frozen codec");
    }

    @Test
    void aKeyedEncodecWithItsPayloadClockSavesAndLoadsAsTrained() throws Exception {
        CompressionConfig small = new CompressionConfig(32000,
                CompressionConfig.musicgen32k().seanet().withSize(16, 4).withDepth(1, 1), new RvqConfig(2, 32, 16));
        Encodec codec = Encodec.random(small, 3, true);
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc32k(16).withMsgDecoder(4, 2), 4);
        AudioDataset music = AudioDataset.load(Path.of("reference-data/music"), "train", 32000);
        LockeyTrainer t = new LockeyTrainer(config(1, LockeyTrainer.PayloadClock.ON), new EncodecBranch(codec, 26, 1), wm,
                KeyRegistry.create("t", 16, 12, 1), music, music);
        t.start();
        t.trainStep();
        Path dir = Files.createTempDirectory("keyed-encodec");
        try {
            KeyedEncodec.saveTrained(dir, codec, t.keyConfig(), 1, t.weights(), Map.of("step", "1"));
            KeyedEncodec loaded = KeyedEncodec.load(dir);
            Map<String, Tensor> trained = t.weights();
            Map<String, Tensor> all = new java.util.LinkedHashMap<>(codec.weights());
            all.putAll(trained);
            KeyedEncodec direct = KeyedEncodec.of(small, t.keyConfig(), 1, all, "direct");
            Key k = new Key(16, 0xa5c3);
            long[][][] codes = loaded.encode(music.clip(0));
            float[] a = loaded.generate(codes, k);
            float[] b = direct.generate(codes, k);
            assertEquals(b.length, a.length);
            for (int i = 0; i < a.length; i++) {
                assertEquals(b[i], a[i], 0f, "sample " + i);
            }
            assertTrue(java.util.Arrays.equals(a, loaded.generate(codes, new Key(16, 0x1234))) == false,
                    "the loaded key path is live: another key gives other audio");
        } finally {
            org.lockey.io.AtomicFiles.deleteTree(dir);
        }
    }

    @Test
    void aResumeWithAnotherKeyDesignIsRefusedWithOneLine() throws Exception {
        HifiGan base = HifiGan.random(gen, 3);
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2), 4);
        KeyRegistry registry = KeyRegistry.create("t", 16, 12, 1);
        LockeyTrainer ours = new LockeyTrainer(config(1).with(LockeyTrainer.Design.DEFAULT), new HifiGanBranch(base, 48, 0),
                wm, registry, train, valid);
        ours.start();
        ours.run(dir, line -> { }, () -> { });
        Checkpoint ck = Checkpoint.load(dir, LockeyTrainer.KIND).orElseThrow();
        LockeyTrainer paper = new LockeyTrainer(config(1), new HifiGanBranch(base, 48, 0), wm, registry, train, valid);
        org.lockey.LockeyException e = org.junit.jupiter.api.Assertions.assertThrows(org.lockey.LockeyException.class,
                () -> paper.resume(ck));
        assertTrue(e.getMessage().contains("pooling 'flat'") && e.getMessage().contains("'mean'")
                && !e.getMessage().contains("\n"), e.getMessage());
        LockeyTrainer same = new LockeyTrainer(config(1).with(LockeyTrainer.Design.DEFAULT), new HifiGanBranch(base, 48, 0),
                wm, registry, train, valid);
        same.resume(ck);
        assertEquals(1, same.step(), "the same design resumes");
    }

    private LockeyTrainer oursWith(LockeyTrainer.KeyTraining keyTraining, int batch, int warmup) {
        HifiGan base = HifiGan.random(gen, 3);
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2), 4);
        KeyRegistry registry = KeyRegistry.create("t", 16, 12, 1);
        LockeyTrainer.Config c = new LockeyTrainer.Config(new LockeyTrainer.Run(batch, 3, 2, 1, 5, 1e-3),
                new Curriculum(0.005, 2, 1.0), LockeyLoss.Lambdas.ones(), 30,
                new LockeyTrainer.KeyPath(8, 16, LockeyTrainer.PayloadClock.OFF, warmup), new LockeyTrainer.ValidationSet(1, 2),
                LockeyTrainer.Design.DEFAULT.with(keyTraining));
        return new LockeyTrainer(c, new HifiGanBranch(base, 48, 0), wm, registry, train, valid);
    }

    @Test
    void pairedBatchesShowEveryCropOnceWithAValidAndOnceWithAnInvalidKey() {
        LockeyTrainer t = oursWith(new LockeyTrainer.KeyTraining(1, 0, LockeyTrainer.Pairing.PAIRED), 4, 0);
        KeyRegistry registry = KeyRegistry.create("t", 16, 12, 1);
        for (long s = 0; s < 3; s++) {
            LockeyTrainer.Batch bt = t.batch(s);
            for (int i = 0; i < 4; i += 2) {
                assertEquals(bt.input().slice(i), bt.input().slice(i + 1), "step " + s + ": one crop per pair");
                assertTrue(bt.valid()[i] != bt.valid()[i + 1], "step " + s + ": a valid and an invalid key per pair");
                for (int j = i; j <= i + 1; j++) {
                    assertEquals(bt.valid()[j], registry.isValid(bt.keys()[j]), "the flag says what the key is");
                }
            }
            assertFalse(bt.input().slice(0).equals(bt.input().slice(2)), "step " + s + ": pairs have their own crops");
        }
    }

    @Test
    void theKeyPathsLearningRateScaleSetsTheGatesFirstStep() {
        for (double scale : new double[] {1, 10}) {
            LockeyTrainer t = oursWith(new LockeyTrainer.KeyTraining(scale, 0, LockeyTrainer.Pairing.PAIRED), 2, 0);
            t.start();
            float[] before = t.weights().get("ups.0.weight_v").toFloatArray();
            t.trainStep();
            double gate = 0;
            for (float g : t.weights().get("key_gate.weight").toFloatArray()) {
                gate = Math.max(gate, Math.abs(g));
            }
            // Adam's first step moves every weight with a gradient by lr * scale * g / (|g| + eps), about lr * scale.
            assertEquals(1e-3 * scale, gate, 1e-4 * scale, "the gate's first step at key lr scale " + scale);
            float[] after = t.weights().get("ups.0.weight_v").toFloatArray();
            double generator = 0;
            for (int i = 0; i < after.length; i++) {
                generator = Math.max(generator, Math.abs(after[i] - before[i]));
            }
            assertTrue(generator <= 1e-3 * 1.01, "the generator keeps lr 1e-3: " + generator);
        }
    }

    @Test
    void aRunStoppedBeforeItsFirstStepResumesAfterTheWarmup() {
        LockeyTrainer t = oursWith(new LockeyTrainer.KeyTraining(10, 1, LockeyTrainer.Pairing.PAIRED), 2, 20);
        t.start();
        Map<String, Tensor> warmed = t.weights();
        RuntimeException stop = new RuntimeException("stopped");
        RuntimeException got = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> t.run(dir, line -> {
                    throw stop;
                }, () -> { }));
        assertTrue(got == stop, "the run stops at its first log line, the step-0 validation");
        LockeyTrainer again = oursWith(new LockeyTrainer.KeyTraining(10, 1, LockeyTrainer.Pairing.PAIRED), 2, 20);
        again.resume(Checkpoint.load(dir, LockeyTrainer.KIND).orElseThrow());
        assertEquals(0, again.step());
        assertSameValues(warmed, again.weights(), 0, "the warmed-up key path");

        // the copy kept beside the run starts another run from the same warm-up
        Path other = dir.resolve("other");
        try {
            Files.createDirectories(other);
            Files.copy(dir.resolve(LockeyTrainer.AFTER_WARMUP), Checkpoint.file(other));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LockeyTrainer fromCopy = oursWith(new LockeyTrainer.KeyTraining(10, 1, LockeyTrainer.Pairing.PAIRED), 2, 20);
        fromCopy.resume(Checkpoint.load(other, LockeyTrainer.KIND).orElseThrow());
        assertSameValues(warmed, fromCopy.weights(), 0, "the warm-up's copy");
    }

    @Test
    void watermarkForcingLetsTheLossReadTheTeachersWatermarkOnTheStudentAndFadesOverItsSteps() {
        // The gated injection is the base generator at step 0, so with forcing the audio the loss reads is
        // G0(x) + 1 * (y_t - G0(x)) = y_t: the waveform MSE to y_t is 0 up to float rounding, while without forcing
        // it is the watermark's own energy, |y_t - G0(x)|^2 / L.
        LockeyTrainer.LossBalance plain = new LockeyTrainer.LossBalance(LockeyTrainer.LossBalance.Mode.GRADIENT, 1, 0.99);
        LockeyTrainer.LossBalance forced = new LockeyTrainer.LossBalance(LockeyTrainer.LossBalance.Mode.GRADIENT, 1, 0.99,
                10);
        LockeyTrainer without = gatedWith(plain);
        LockeyTrainer with = gatedWith(forced);
        without.start();
        with.start();
        LockeyTrainer.Batch b = with.batch(0);
        boolean[] allValid = {true, true};
        LockeyTrainer.Batch valid = new LockeyTrainer.Batch(b.input(), b.keys(), allValid,
                with.teachers(b.input(), b.keys(), allValid), b.symbols(), null);
        INDArray y0 = new HifiGanBranch(HifiGan.random(gen, 3), 48, 0).teacher(b.input());
        LockeyTrainer.Batch validWithResidual = new LockeyTrainer.Batch(valid.input(), valid.keys(), allValid,
                valid.teacher(), valid.symbols(), valid.teacher().sub(y0));
        double energy = valid.teacher().sub(y0).norm2Number().doubleValue();
        energy = energy * energy / valid.teacher().length();
        assertTrue(energy > 0, "the teacher carries a watermark");
        Map<String, Double> a = without.trainStep(valid);
        Map<String, Double> f = with.trainStep(validWithResidual);
        assertEquals(energy, a.get("mse"), 1e-3 * energy, "unforced: the watermark's energy");
        assertTrue(f.get("mse") < 1e-6 * energy, "forced: " + f.get("mse") + " against " + energy);
        assertEquals(1.0, f.get("forcing"), 0);
        assertFalse(a.containsKey("forcing"));
        // alpha = 1 - step / N, then 0
        assertEquals(0.7, LockeyTrainer.forcing(forced, 3), 1e-12);
        assertEquals(0.0, LockeyTrainer.forcing(forced, 10), 0);
        assertEquals(0.0, LockeyTrainer.forcing(forced, 11), 0);
        assertEquals(0.0, LockeyTrainer.forcing(plain, 0), 0);
        // forcing needs the residual, and belongs to the balanced mode
        LockeyTrainer noResidual = gatedWith(forced);
        noResidual.start();
        assertThrows(IllegalArgumentException.class, () -> noResidual.trainStep(valid));
        assertThrows(LockeyException.class, () -> new LockeyTrainer.LossBalance(LockeyTrainer.LossBalance.Mode.SUM, 1,
                0.99, 10));
    }

    /** Ours with the gated injection (the base generator at step 0), the given balance, 4 steps. */
    private LockeyTrainer gatedWith(LockeyTrainer.LossBalance balance) {
        return onSmallVocoder(new LockeyLoss.Lambdas(1, 1, 1, 0.1), 4,
                LockeyTrainer.Design.DEFAULT.with(KeyConfig.Injection.GATED).with(balance));
    }

    /** The paper's key training and injection with the given objective. */
    private LockeyTrainer withObjective(LockeyLoss.Lambdas lambdas, LockeyTrainer.LossBalance balance, long steps) {
        return onSmallVocoder(lambdas, steps, LockeyTrainer.Design.DEFAULT.with(LockeyTrainer.KeyTraining.PAPER)
                .with(KeyConfig.Injection.ADDED).with(balance));
    }

    /** A trainer on a random small vocoder (seed 3) and a random 22.05 kHz watermark, batch 2, 48-frame crops. */
    private LockeyTrainer onSmallVocoder(LockeyLoss.Lambdas lambdas, long steps, LockeyTrainer.Design design) {
        HifiGan base = HifiGan.random(gen, 3);
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2), 4);
        KeyRegistry registry = KeyRegistry.create("t", 16, 12, 1);
        LockeyTrainer.Config c = new LockeyTrainer.Config(new LockeyTrainer.Run(2, steps, 2, 0, 5, 1e-3),
                new Curriculum(0.005, 2, 1.0), lambdas, 30, new LockeyTrainer.KeyPath(8, 16, LockeyTrainer.PayloadClock.OFF, 0),
                new LockeyTrainer.ValidationSet(1, 2), design);
        return new LockeyTrainer(c, new HifiGanBranch(base, 48, 0), wm, registry, train, valid);
    }

    @Test
    void aBalancedStepFollowsTheTermsOwnGradientThroughTheGenerator() {
        // One term alone (the waveform MSE, every key valid): the balanced gradient at the audio is the term's own
        // gradient over its norm, so the generator's gradients are the weighted sum's times a positive factor, and
        // Adam's first step, lr * g / (|g| + eps), goes the same way in both modes for every weight.
        // (The summed MSE is scaled up so that its gradients, of order 1e-9 for a student this close to its teacher,
        // are far above eps; the balanced mode is blind to the scale.)
        LockeyTrainer summed = withObjective(new LockeyLoss.Lambdas(0, 1e6, 0, 0), LockeyTrainer.LossBalance.SUM, 1);
        LockeyTrainer balanced = withObjective(new LockeyLoss.Lambdas(0, 1, 0, 0), new LockeyTrainer.LossBalance(
                LockeyTrainer.LossBalance.Mode.GRADIENT, 0, 0), 1);
        summed.start();
        balanced.start();
        Map<String, Tensor> start = summed.weights();
        LockeyTrainer.Batch b = summed.batch(0);
        LockeyTrainer.Batch allValid = new LockeyTrainer.Batch(b.input(), b.keys(), new boolean[] {true, true},
                b.teacher(), b.symbols());
        summed.trainStep(allValid);
        balanced.trainStep(allValid);
        Map<String, Tensor> a = summed.weights();
        Map<String, Tensor> c = balanced.weights();
        double lr = 1e-3;
        int full = 0;
        int total = 0;
        for (String k : a.keySet()) {
            float[] s0 = start.get(k).toFloatArray();
            float[] x = a.get(k).toFloatArray();
            float[] y = c.get(k).toFloatArray();
            for (int i = 0; i < x.length; i++) {
                total++;
                if (Math.abs(x[i] - s0[i]) > 0.1 * lr && Math.abs(y[i] - s0[i]) > 0.1 * lr) {
                    full++;
                    assertEquals(Math.signum(x[i] - s0[i]), Math.signum(y[i] - s0[i]), 0, k + "[" + i + "]: the same direction");
                }
            }
        }
        assertTrue(full > total / 4, "many weights moved in both: " + full + " of " + total);
    }

    @Test
    void aBalancedRunResumesExactly() {
        LockeyLoss.Lambdas shares = new LockeyLoss.Lambdas(1, 1, 1, 0.1);
        LockeyTrainer.LossBalance balance = LockeyTrainer.LossBalance.DEFAULT;
        LockeyTrainer straight = withObjective(shares, balance, 4);
        straight.start();
        straight.run(dir.resolve("a"), s -> { }, () -> { });
        LockeyTrainer first = withObjective(shares, balance, 2);
        first.start();
        first.run(dir.resolve("b"), s -> { }, () -> { });
        LockeyTrainer second = withObjective(shares, balance, 4);
        second.resume(Checkpoint.load(dir.resolve("b"), LockeyTrainer.KIND).orElseThrow());
        second.run(dir.resolve("b"), s -> { }, () -> { });
        assertSameValues(straight.weights(), second.weights(), 1e-6, "resumed with the balancer's averages");
    }

    @Test
    void anInvalidKeyPushLimitedToTheKeyPathLeavesTheGeneratorAlone() {
        for (LockeyTrainer.InvalidPush push : LockeyTrainer.InvalidPush.values()) {
            HifiGan base = HifiGan.random(gen, 3);
            SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2), 4);
            KeyRegistry registry = KeyRegistry.create("t", 16, 12, 1);
            // Added injection: a fresh key term already moves the invalid-key audio off the teacher, so the push has
            // a gradient at step 0.
            LockeyTrainer.Config c = new LockeyTrainer.Config(new LockeyTrainer.Run(2, 1, 2, 0, 5, 1e-3),
                    new Curriculum(0.005, 2, 1.0), new LockeyLoss.Lambdas(1, 1, 1, 0), 30,
                    new LockeyTrainer.KeyPath(8, 16, LockeyTrainer.PayloadClock.OFF, 0), new LockeyTrainer.ValidationSet(1, 2),
                    LockeyTrainer.Design.DEFAULT.with(KeyConfig.Injection.ADDED)
                            .with(new LockeyTrainer.KeyTraining(1, 0, LockeyTrainer.Pairing.PAIRED, push)));
            LockeyTrainer t = new LockeyTrainer(c, new HifiGanBranch(base, 48, 0), wm, registry, train, valid);
            t.start();
            Map<String, Tensor> start = t.weights();
            LockeyTrainer.Batch b = t.batch(0);
            Key[] invalid = {registry.randomInvalid(new java.util.SplittableRandom(1)),
                    registry.randomInvalid(new java.util.SplittableRandom(2))};
            t.trainStep(new LockeyTrainer.Batch(b.input(), invalid, new boolean[] {false, false},
                    t.teachers(b.input(), invalid, new boolean[] {false, false}), b.symbols()));
            Map<String, Tensor> after = t.weights();
            double generator = maxChange(start, after, true);
            double keyPath = maxChange(start, after, false);
            assertTrue(keyPath > 5e-4, push + ": the key path learns from invalid keys: " + keyPath);
            if (push == LockeyTrainer.InvalidPush.KEY_PATH) {
                assertEquals(0, generator, 0, "key_path: the generator's weights do not move on invalid keys alone");
            } else {
                assertTrue(generator > 5e-4, "every_weight: the generator's weights move too: " + generator);
            }
        }
    }

    private static double maxChange(Map<String, Tensor> a, Map<String, Tensor> b, boolean generatorLayers) {
        double max = 0;
        for (String k : a.keySet()) {
            if (org.lockey.model.lockey.KeyedGenerator.isGeneratorLayer(k) != generatorLayers) {
                continue;
            }
            float[] x = a.get(k).toFloatArray();
            float[] y = b.get(k).toFloatArray();
            for (int i = 0; i < x.length; i++) {
                max = Math.max(max, Math.abs(x[i] - y[i]));
            }
        }
        return max;
    }
}
