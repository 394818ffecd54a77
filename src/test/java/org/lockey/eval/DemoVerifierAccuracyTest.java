package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.WatermarkModel;

/**
 * The demo summary's verifier accuracy counts what the head says per key: a head that rejects one of the eight
 * valid keys and accepts every invalid key whose value ends in 0 (decimal) scores 7/8 and the share of the
 * sampled invalid keys whose value does not.
 */
class DemoVerifierAccuracyTest {
    @Test
    void countsTheHeadsDecisionsPerKey() {
        KeyRegistry registry = KeyRegistry.create("t", 16, 8, 5);
        Key rejectedValid = registry.validKeys().get(3);
        KeyedSystem sys = new FixedHead(WatermarkModel.load(Path.of("reference-data/models/watermark-22k")), registry,
                rejectedValid);

        Demo.VerifierAccuracy a = Demo.verifierAccuracy(sys, registry, new SplittableRandom(42));

        SplittableRandom same = new SplittableRandom(42);
        int rejected = 0;
        for (int i = 0; i < Demo.VERIFIER_INVALID_KEYS; i++) {
            rejected += registry.randomInvalid(same).value() % 10 != 0 ? 1 : 0;
        }
        assertEquals(7 / 8.0, a.valid(), 0);
        assertEquals(rejected / (double) Demo.VERIFIER_INVALID_KEYS, a.invalid(), 0);
    }

    /** A system whose head is a fixed rule; it generates nothing. */
    private static final class FixedHead extends KeyedSystem {
        private final KeyRegistry registry;
        private final Key rejectedValid;

        FixedHead(WatermarkModel wm, KeyRegistry registry, Key rejectedValid) {
            super(wm);
            this.registry = registry;
            this.rejectedValid = rejectedValid;
        }

        @Override
        public double[] validity(Key[] keys) {
            double[] p = new double[keys.length];
            for (int i = 0; i < keys.length; i++) {
                boolean accepted = registry.isValid(keys[i]) ? !keys[i].equals(rejectedValid) : keys[i].value() % 10 == 0;
                p[i] = accepted ? 0.9 : 0.1;
            }
            return p;
        }

        @Override
        public int sampleRate() {
            return 22050;
        }

        @Override
        public int keyBits() {
            return 16;
        }

        @Override
        public String branch() {
            return "hifigan";
        }

        @Override
        public int usableLength(int n) {
            return n;
        }

        @Override
        public float[] generate(float[] clip, Key key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public float[] teacher(float[] clip) {
            throw new UnsupportedOperationException();
        }
    }
}
