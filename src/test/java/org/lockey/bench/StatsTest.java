package org.lockey.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.lists;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void quantilesInterpolateLikeNumpy() {
        // numpy.quantile([4, 1, 3, 2], [0, .25, .5, .75, 1]) = [1, 1.75, 2.5, 3.25, 4]
        Stats s = new Stats(new double[] {4, 1, 3, 2});
        assertEquals(1, s.min());
        assertEquals(1.75, s.quantile(0.25), 1e-12);
        assertEquals(2.5, s.median(), 1e-12);
        assertEquals(3.25, s.quantile(0.75), 1e-12);
        assertEquals(1.5, s.iqr(), 1e-12);
        assertEquals(4, s.max());
        assertEquals(7, new Stats(new double[] {7}).median());
        assertThrows(IllegalArgumentException.class, () -> new Stats(new double[0]));
    }

    @Test
    void quantilesAreOrderedAndBracketedByTheExtremes() {
        qt().withFixedSeed(8).withExamples(300)
                .forAll(lists().of(doubles().between(0, 1e4)).ofSizeBetween(1, 40), doubles().between(0, 1),
                        doubles().between(0, 1))
                .checkAssert((xs, a, b) -> {
                    Stats s = new Stats(xs.stream().mapToDouble(Double::doubleValue).toArray());
                    double lo = Math.min(a, b);
                    double hi = Math.max(a, b);
                    assertTrue(s.quantile(lo) <= s.quantile(hi));
                    assertTrue(s.min() <= s.quantile(lo) && s.quantile(hi) <= s.max());
                    assertEquals(xs.size(), s.n());
                });
    }
}
