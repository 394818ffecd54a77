package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The demo report's verdict line compares the measured figures with the targets of issue 7. */
class DemoVerdictTest {
    private static Table2.Result result(double valid, double invalid, double acc) {
        return new Table2.Result(valid, invalid, Map.of("orig", acc), Map.of(), 4, 3);
    }

    @Test
    void eachTargetIsMetExactlyWhenItsFigureReachesIt() {
        String all = Demo.verdict(result(10, -5, 0.95), 3, 3);
        assertTrue(all.contains("15.0 dB (target >= 15 dB: met)"), all);
        assertTrue(all.contains("0.950 (target >= 0.95: met)"), all);
        assertTrue(all.contains("users traced 3 of 3 (met)"), all);
        String none = Demo.verdict(result(10, -4.9, 0.94), 2, 3);
        assertTrue(none.contains("14.9 dB (target >= 15 dB: not met)"), none);
        assertTrue(none.contains("0.940 (target >= 0.95: not met)"), none);
        assertTrue(none.contains("users traced 2 of 3 (not met)"), none);
    }

    @Test
    void cautionsAppearExactlyWhenTheFiguresCallForThem() {
        assertTrue(Demo.cautions(result(26, 1, 1), 0.2).isEmpty());
        String loud = Demo.cautions(result(26, 1, 1), 0.97);
        assertTrue(loud.contains("RMS up to 0.97") && !loud.contains("SDR_valid"), loud);
        String off = Demo.cautions(result(0.6, -28, 1), 0.2);
        assertTrue(off.contains("SDR_valid at 0.6 dB") && !off.contains("Careful"), off);
    }
}
