package org.lockey.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;

/**
 * The mel distance on signals whose distance is known without computing a spectrogram: a copy scaled by g has every
 * mel magnitude scaled by g (the mel is linear in the STFT magnitude), so while no value reaches the 1e-5 floor the
 * distance is |ln g| in every band and frame.
 */
class MelDistanceTest {
    private static float[] noise(int n, double amplitude, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amplitude * (2 * rng.nextDouble() - 1));
        }
        return x;
    }

    private static float[] scaled(float[] x, double g) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (g * x[i]);
        }
        return y;
    }

    @Test
    void aScaledCopyIsAtTheLogarithmOfItsGain() {
        float[] x = noise(22050, 0.3, 1);
        assertEquals(0, MelDistance.between(x, x.clone(), 22050), 0);
        assertEquals(Math.log(2), MelDistance.between(x, scaled(x, 2), 22050), 1e-5);
        assertEquals(Math.log(4), MelDistance.between(scaled(x, 0.25), x, 32000), 1e-5, "symmetric, any rate");
        assertEquals(20 * Math.log10(0.5), MelDistance.levelDb(x, scaled(x, 0.5)), 1e-5);
    }

    @Test
    void comparesOverTheCommonLengthAndTheFloorBoundsSilence() {
        float[] x = noise(8192, 0.3, 2);
        float[] longer = java.util.Arrays.copyOf(scaled(x, 2), 8192 + 300);
        assertEquals(Math.log(2), MelDistance.between(x, longer, 22050), 1e-5, "the extra 300 samples are not compared");
        // silence sits at the floor ln(1e-5); the noise's mel magnitudes are far above it, so the distance is large
        // but finite and smaller than the distance of the floor from the loudest band
        double silent = MelDistance.between(x, new float[8192], 22050);
        assertTrue(silent > 5 && silent < Math.log(1e3 / 1e-5), "silence: " + silent);
    }

    @Test
    void tooShortSignalsAreRefused() {
        LockeyException e = assertThrows(LockeyException.class,
                () -> MelDistance.between(new float[1023], new float[5000], 22050));
        assertTrue(e.getMessage().contains("1024"), e.getMessage());
    }
}
