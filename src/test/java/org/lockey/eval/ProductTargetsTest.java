package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.lockey.metric.OutputLevel;
import org.lockey.model.lockey.Key;

/** Issue 17's bar for a shipped model, each figure met exactly at its bound and missed just past it. */
class ProductTargetsTest {
    private static Table2.Result table2(double valid, double invalid, double orig, double worst) {
        Map<String, Double> acc = new LinkedHashMap<>();
        acc.put("eq", 1.0);
        acc.put("mp3_64k", worst);
        acc.put("orig", orig);
        acc.put("opus", Double.NaN);   // a column that could not run is not the worst one
        return new Table2.Result(valid, invalid, acc, Map.of(), 3, 3);
    }

    /** 20 valid keys with {@code lowValid} of them at 15 dB, 100 invalid keys with {@code highInvalid} at 25 dB. */
    private static Probe.Result probe(int lowValid, int highInvalid) {
        List<Probe.KeyStats> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            double db = i < lowValid ? 15 : 30;
            keys.add(new Probe.KeyStats(new Key(16, i), true, db, db, db));
        }
        for (int i = 0; i < 100; i++) {
            double db = i < highInvalid ? 25 : -5;
            keys.add(new Probe.KeyStats(new Key(16, 1000 + i), false, db, db, db));
        }
        return new Probe.Result(keys, 1, 1.0);
    }

    private static Map<String, Boolean> met(List<ProductTargets.Check> checks) {
        return checks.stream().collect(Collectors.toMap(ProductTargets.Check::figure, ProductTargets.Check::met,
                (a, b) -> a, LinkedHashMap::new));
    }

    @Test
    void everyFigureAtItsBoundIsMet() {
        Map<String, Boolean> m = met(ProductTargets.of("encodec", table2(18, 3, 0.99, 0.95),
                new OutputLevel(0.5, -0.02, 0.005), probe(1, 1)));
        assertEquals(9, m.size(), m.toString());
        assertTrue(m.values().stream().allMatch(Boolean::booleanValue), m.toString());
        assertTrue(m.containsKey("bit accuracy, worst column (mp3_64k)"), m.toString());
        Map<String, Boolean> upper = met(ProductTargets.of("hifigan", table2(20, 3, 1, 1), new OutputLevel(2, 0.02, 0),
                probe(0, 0)));
        assertTrue(upper.values().stream().allMatch(Boolean::booleanValue), upper.toString());
    }

    @Test
    void everyFigureJustPastItsBoundIsMissed() {
        Map<String, Boolean> m = met(ProductTargets.of("hifigan", table2(19.99, 3.01, 0.989, 0.949),
                new OutputLevel(0.49, 0.021, 0.0051), probe(2, 2)));
        assertEquals(9, m.size());
        assertTrue(m.values().stream().noneMatch(Boolean::booleanValue), m.toString());
        Map<String, Boolean> loud = met(ProductTargets.of("encodec", table2(30, -5, 1, 1), new OutputLevel(2.01, 0, 0),
                null));
        assertEquals(Boolean.FALSE, loud.get("invalid-key RMS / teacher's"));
        assertEquals(7, loud.size(), "no probe, no probe rows");
    }

    @Test
    void theTablePrintsEachFigureWithItsVerdict() {
        String md = ProductTargets.markdown(ProductTargets.of("encodec", table2(28.07, -4.79, 0.958, 0.958),
                new OutputLevel(1.2, -0.036, 0), probe(0, 0)));
        Map<String, String> rows = md.lines().skip(2).collect(Collectors.toMap(l -> l.split("\\|")[1].strip(),
                Function.identity()));
        assertEquals("| SDR_valid | 28.07 dB | >= 18 dB | met |", rows.get("SDR_valid"));
        assertEquals("| bit accuracy, clean | 0.958 | >= 0.99 | **not met** |", rows.get("bit accuracy, clean"));
        assertEquals("| invalid-key DC | -0.0360 | within ±0.02 | **not met** |", rows.get("invalid-key DC"));
    }
}
