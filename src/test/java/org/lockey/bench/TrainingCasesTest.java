package org.lockey.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.train.LearnedCodebooks;

/** The training-step cases: their sizes are the shipped recipes', their host-side quantiser is RVQ. */
class TrainingCasesTest {
    @Test
    void theVocoderCaseRunsTheShippedRecipesConfig() {
        assertEquals(HifiGanConfig.load(Path.of("docs/configs/hifigan_v2.json")), TrainingCases.vocoderRecipe());
        assertEquals(128, TrainingCases.vocoderRecipe().upsampleInitialChannel());
        assertEquals(8, TrainingCases.VOCODER_DISCRIMINATOR_DIVISOR);
    }

    @Test
    void everyTrainingStepIsACaseOfTheTable() {
        List<String> names = Cases.all().stream().map(BenchCase::name).toList();
        for (String n : List.of("lockey_train_step", "vocoder_gan_step", "watermark_train_step", "codec_train_step")) {
            assertEquals(List.of(n), Cases.select(List.of(n)).stream().map(BenchCase::name).toList());
            assertEquals(1, names.stream().filter(n::equals).count(), n);
        }
    }

    /**
     * Two stages of 2-D codebooks, worked by hand. Vector (1, 0): stage 0 entries (0.9, 0.1) at squared distance
     * 0.02 and (-1, 0) at 4 -> code 0, residual (0.1, -0.1); stage 1 entries (0.1, -0.2) at 0.01 and (0, 0) at 0.02
     * -> code 0, sum (1.0, -0.1). Vector (-2, 1): stage 0 (0.9, 0.1) at 9.22, (-1, 0) at 2 -> code 1, residual
     * (-1, 1); stage 1 (0.1, -0.2) at 2.65, (0, 0) at 2 -> code 1, sum (-1, 0).
     */
    @Test
    void fixedRvqQuantisesStageByStageWithoutChangingTheCodebooks() {
        float[][][] books = {{{0.9f, 0.1f}, {-1f, 0f}}, {{0.1f, -0.2f}, {0f, 0f}}};
        LearnedCodebooks.Step s = TrainingCases.fixedRvq(new float[][] {{1f, 0f}, {-2f, 1f}}, books);
        assertArrayEquals(new int[] {0, 1}, s.codes()[0]);
        assertArrayEquals(new int[] {0, 1}, s.codes()[1]);
        assertArrayEquals(new float[] {0.9f, 0.1f}, s.cumulative()[0][0], 1e-7f);
        assertArrayEquals(new float[] {-1f, 0f}, s.cumulative()[0][1], 1e-7f);
        assertArrayEquals(new float[] {1.0f, -0.1f}, s.quantized()[0], 1e-6f);
        assertArrayEquals(new float[] {-1f, 0f}, s.quantized()[1], 1e-7f);
        assertArrayEquals(s.quantized()[0], s.cumulative()[1][0]);
        assertArrayEquals(new float[] {0.9f, 0.1f}, books[0][0], "codebooks unchanged");
    }
}
