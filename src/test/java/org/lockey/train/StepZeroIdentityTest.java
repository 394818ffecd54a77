package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.data.AudioDataset;
import org.lockey.metric.Sdr;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.RvqConfig;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The student starts as the teacher: with the gated injection a fresh keyed generator, its key path already
 * warmed up (so E_k's output is far from zero) and the payload clock on, gives the base generator's audio for
 * every key, valid or invalid, in both branches; the paper's plain addition does not. One training step then
 * opens the gate.
 */
class StepZeroIdentityTest {
    static final double IDENTITY_DB = 60;

    static LockeyTrainer.Config config(LockeyTrainer.Design design) {
        return new LockeyTrainer.Config(new LockeyTrainer.Run(2, 1, 2, 0, 5, 1e-3), new Curriculum(0.005, 2, 1.0),
                LockeyLoss.Lambdas.ones(), 30, new LockeyTrainer.KeyPath(8, 16, LockeyTrainer.PayloadClock.ON, 30),
                new LockeyTrainer.ValidationSet(1, 2), design);
    }

    /** The lowest SDR (dB) of the keyed output against G0 over valid and invalid keys on two crops. */
    static double worstSdrAgainstBase(LockeyTrainer t, FinetuneBranch branch, KeyRegistry registry, AudioDataset data) {
        List<float[]> crops = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            crops.add(data.crop(c, branch.cropSamples(), new SplittableRandom(c)));
        }
        INDArray inputs = branch.inputs(crops);
        INDArray base = branch.teacher(inputs);
        SplittableRandom r = new SplittableRandom(17);
        Key[] keys = {registry.validKeys().get(0), registry.validKeys().get(1), registry.randomInvalid(r),
                registry.randomInvalid(r)};
        double worst = Double.POSITIVE_INFINITY;
        for (Key k : keys) {
            INDArray y = t.generate(inputs, new Key[] {k, k});
            for (int c = 0; c < 2; c++) {
                worst = Math.min(worst, Sdr.db(row(base, c), row(y, c)));
            }
        }
        return worst;
    }

    /** The largest sample difference between the outputs for a valid and an invalid key at step 0. */
    static double keyEffect(LockeyTrainer t, FinetuneBranch branch, KeyRegistry registry, AudioDataset data) {
        INDArray inputs = branch.inputs(List.of(data.crop(0, branch.cropSamples(), new SplittableRandom(0)),
                data.crop(1, branch.cropSamples(), new SplittableRandom(1))));
        Key valid = registry.validKeys().get(0);
        Key invalid = registry.randomInvalid(new SplittableRandom(3));
        INDArray a = t.generate(inputs, new Key[] {valid, valid});
        INDArray b = t.generate(inputs, new Key[] {invalid, invalid});
        return a.sub(b).amaxNumber().doubleValue();
    }

    static float[] row(INDArray audio, int i) {
        return audio.get(NDArrayIndex.point(i), NDArrayIndex.point(0), NDArrayIndex.all()).toFloatVector();
    }

    private static void check(FinetuneBranch branch, SilentCipher wm, AudioDataset data) {
        KeyRegistry registry = KeyRegistry.create("t", 16, 12, 1);
        LockeyTrainer gated = new LockeyTrainer(config(LockeyTrainer.Design.DEFAULT), branch, wm, registry, data, data);
        gated.start();
        double sdr = worstSdrAgainstBase(gated, branch, registry, data);
        assertTrue(sdr >= IDENTITY_DB, branch.kind() + ": gated step 0 is the base generator: worst SDR " + sdr + " dB");
        float[] gate = gated.weights().get("key_gate.weight").toFloatArray();
        assertEquals(branch.injectionChannels(), gate.length, "one gain per channel at the injection point");

        LockeyTrainer added = new LockeyTrainer(config(LockeyTrainer.Design.DEFAULT.with(
                org.lockey.model.lockey.KeyConfig.Injection.ADDED)), branch, wm, registry, data, data);
        added.start();
        assertEquals(0, keyEffect(gated, branch, registry, data), 0, branch.kind() + ": gated: every key gives the same audio");
        double effect = keyEffect(added, branch, registry, data);
        assertTrue(effect > 0, branch.kind() + ": the paper's addition makes the key change the audio at step 0: " + effect);

        gated.trainStep();
        double moved = 0;
        for (float g : gated.weights().get("key_gate.weight").toFloatArray()) {
            moved = Math.max(moved, Math.abs(g));
        }
        assertTrue(moved > 0, branch.kind() + ": the gate receives a gradient at step 0");

        LockeyTrainer verified = new LockeyTrainer(config(LockeyTrainer.Design.DEFAULT.with(
                org.lockey.model.lockey.KeyConfig.Injection.VERIFIED)), branch, wm, registry, data, data);
        verified.start();
        double sdrVerified = worstSdrAgainstBase(verified, branch, registry, data);
        assertTrue(sdrVerified >= IDENTITY_DB, branch.kind() + ": verified step 0 is the base generator: " + sdrVerified);
        assertEquals(0, keyEffect(verified, branch, registry, data), 0, branch.kind() + ": verified: one audio for every key");
        verified.trainStep();
        for (String gain : List.of("key_gate.weight", "key_clock.symbols")) {
            double most = 0;
            for (float g : verified.weights().get(gain).toFloatArray()) {
                most = Math.max(most, Math.abs(g));
            }
            assertTrue(most > 0,
                    branch.kind() + ": " + gain + " receives a gradient at step 0");
        }

        for (var form : List.of(org.lockey.model.lockey.KeyConfig.ClockForm.MODULATED,
                org.lockey.model.lockey.KeyConfig.ClockForm.FILTERED, org.lockey.model.lockey.KeyConfig.ClockForm.SPECTRAL)) {
            LockeyTrainer clocked = new LockeyTrainer(config(LockeyTrainer.Design.DEFAULT.with(
                    org.lockey.model.lockey.KeyConfig.Injection.VERIFIED).with(form)), branch, wm, registry, data, data);
            clocked.start();
            double sdrClocked = worstSdrAgainstBase(clocked, branch, registry, data);
            assertTrue(sdrClocked >= IDENTITY_DB, branch.kind() + ": " + form + " step 0 is the base generator: " + sdrClocked);
            assertEquals(0, keyEffect(clocked, branch, registry, data), 0, branch.kind() + ": " + form + ": one audio per key");
            clocked.trainStep();
            List<String> tables = switch (form) {
                case MODULATED -> List.of("key_clock.symbols", "key_clock.scale_symbols", "key_clock.scale_end");
                case FILTERED -> List.of("key_clock.symbols", "key_clock.filter_symbols", "key_clock.filter_end");
                default -> List.of("key_clock.symbols", "key_clock.spectral_symbols", "key_clock.spectral_end");
            };
            for (String table : tables) {
                double most = 0;
                for (float g : clocked.weights().get(table).toFloatArray()) {
                    most = Math.max(most, Math.abs(g));
                }
                assertTrue(most > 0, branch.kind() + ": " + form + ": " + table + " receives a gradient at step 0");
            }
        }
    }

    @Test
    void aGatedKeyedHifiGanStartsAsItsBase() {
        HifiGan base = HifiGan.random(LockeyTrainerTest.tinyGenerator(), 3);
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2), 4);
        check(new HifiGanBranch(base, 48, 0), wm, AudioDataset.load(Path.of("reference-data/speech"), "valid", 22050));
    }

    @Test
    void aGatedKeyedEncodecStartsAsItsBase() {
        CompressionConfig small = new CompressionConfig(32000,
                CompressionConfig.musicgen32k().seanet().withSize(16, 4).withDepth(1, 1), new RvqConfig(2, 32, 16));
        Encodec codec = Encodec.random(small, 3, true);
        SilentCipher wm = SilentCipher.initialised(SilentCipherConfig.sc32k(16).withMsgDecoder(4, 2), 4);
        check(new EncodecBranch(codec, 26, 1), wm, AudioDataset.load(Path.of("reference-data/music"), "valid", 32000));
    }
}
