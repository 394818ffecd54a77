package org.lockey.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.lockey.model.hifigan.HifiGanConfig;

/** The benchmark's arithmetic (frames for a duration, quantiles, RTF) on a tiny model. */
class HifiGanBenchTest {

    @Test
    void quantilesAndRealTimeFactor() {
        HifiGanBench.Result r = new HifiGanBench.Result("x", 86, 0.5, new double[] {10, 20, 30, 40, 100});
        assertEquals(30.0, r.medianMs());
        assertEquals(20.0, r.quantile(0.25));
        assertEquals(70.0, r.quantile(0.875));   // position 3.5: halfway from 40 to 100
        assertEquals(0.06, r.rtf(), 1e-12);
        assertTrue(r.line().contains("median 30.0 ms"), r.line());
    }

    @Test
    void oneSecondIsEightySixFramesAtTheV1Rate() {
        HifiGanConfig tiny = HifiGanConfig.generator(HifiGanConfig.ResBlockKind.TWO, List.of(8, 8, 4),
                List.of(16, 16, 8), 8, List.of(3), List.of(List.of(1, 2)));
        HifiGanBench.Result r = HifiGanBench.run("tiny", tiny, 1.0, 0, 3);
        assertEquals(86, r.frames());
        assertEquals(86 * 256 / 22050.0, r.seconds(), 1e-12);
        assertEquals(3, r.timesMs().length);
        assertTrue(r.timesMs()[0] > 0 && r.timesMs()[0] <= r.timesMs()[2]);
    }
}
