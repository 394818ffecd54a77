package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyRegistry;

/**
 * Key capacity on a small key space (10-bit keys, 64 valid of 1024, the same valid share as 4,096 of 2^16): the
 * flat key encoder with the whole-space warm-up learns the set, every key of the space checked; the mean pooling
 * of the golden form, given the same budget, does not.
 */
class KeyCapacityTest {
    static final KeyRegistry REGISTRY = KeyRegistry.create("capacity", 10, 64, 3);
    static final KeyWarmup.Recipe RECIPE = new KeyWarmup.Recipe(400, 256, 0.3, 3e-3, 1);

    static KeyWarmup.Result train(KeyConfig.Pooling pooling) {
        KeyConfig cfg = new KeyConfig(10, 16, 64, 32).with(pooling);
        return KeyWarmup.train(REGISTRY, cfg, RECIPE, line -> { }).result();
    }

    @Test
    void theFlatKeyEncoderLearnsARandomValidSet() {
        KeyWarmup.Result flat = train(KeyConfig.Pooling.FLAT);
        assertEquals(1024 - 64, flat.invalidEvaluated(), "every invalid key of the space is checked");
        assertTrue(flat.validAccuracy() >= 0.99 && flat.invalidAccuracy() >= 0.99, "flat: " + flat);
        KeyWarmup.Result mean = train(KeyConfig.Pooling.MEAN);
        assertTrue(mean.balanced() < flat.balanced(), "mean pooling learns less in the same budget: " + mean + " vs " + flat);
    }

    @Test
    void theLearningRateDecaysAlongAHalfCosine() {
        KeyWarmup.Recipe r = new KeyWarmup.Recipe(101, 8, 0.5, 1e-3, 0);
        assertEquals(1e-3, r.lrAt(1), 1e-15);
        assertEquals(1e-3 * (KeyWarmup.Recipe.FINAL_LR_SHARE + (1 - KeyWarmup.Recipe.FINAL_LR_SHARE) / 2), r.lrAt(51),
                1e-15);
        assertEquals(1e-3 * KeyWarmup.Recipe.FINAL_LR_SHARE, r.lrAt(101), 1e-15);
    }
}
