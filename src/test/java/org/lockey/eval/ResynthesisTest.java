package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.data.AudioDataset;

/** The resynthesis table on a stand-in model whose figures are known: a gain of one half on every sample. */
class ResynthesisTest {
    private static final Resynthesis.BaseModel HALF = new Resynthesis.BaseModel() {
        @Override
        public int sampleRate() {
            return 22050;
        }

        @Override
        public String kind() {
            return "half";
        }

        @Override
        public float[] resynthesise(float[] clip) {
            float[] y = new float[clip.length - 100];      // a vocoder rounds to whole hops: shorter output
            for (int i = 0; i < y.length; i++) {
                y[i] = clip[i] / 2;
            }
            return y;
        }
    };

    private static float[] noise(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (0.2 * rng.nextGaussian());
        }
        return x;
    }

    @Test
    void aHalfGainModelScoresItsKnownFigures() {
        AudioDataset clips = AudioDataset.of(Path.of("mem"), 22050, List.of(noise(22050, 1), noise(11025, 2)));
        List<Resynthesis.ClipResult> results = Resynthesis.evaluate(HALF, clips, Optional.empty(), line -> { });
        for (Resynthesis.ClipResult r : results) {
            assertEquals(Math.log(2), r.melDistance(), 1e-5);
            assertEquals(20 * Math.log10(0.5), r.levelDb(), 1e-5);
            // SDR of x/2 against x: |x|^2 / |x/2|^2 = 4
            assertEquals(10 * Math.log10(4), r.sdrDb(), 1e-5);
            assertEquals(Double.NaN, r.referenceMelDistance());
        }
        assertEquals(1.0, results.get(0).seconds(), 0);
        ResultTable t = Resynthesis.table("t", results, Optional.empty());
        assertEquals(3, t.rows().size(), "two clips and the mean");
        assertEquals(0.75, t.value(2, "seconds"), 1e-12);
        assertEquals(Math.log(2), t.value(2, "mel_distance"), 1e-5);
    }
}
