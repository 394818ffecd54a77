package org.lockey.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

class StateDictTest {
    @TempDir
    Path dir;

    private static Tensor t(String name, long... shape) {
        return Tensor.ofFloats(name, new float[(int) Tensor.numel(shape)], shape);
    }

    @Test
    void loadStripsTheDataParallelPrefix() {
        Path p = dir.resolve("ckpt.safetensors");
        SafeTensors.write(p, List.of(t("module.main.0.conv.weight", 2, 1, 3, 3), t("linear.bias", 4)), Map.of());
        Map<String, Tensor> sd = StateDict.load(p);
        assertEquals(List.of("linear.bias", "main.0.conv.weight"), List.copyOf(new java.util.TreeSet<>(sd.keySet())));
    }

    @Test
    void checkReportsMissingUnexpectedAndMisshapedTogether() {
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put("a.weight", new long[] {2, 3});
        expected.put("a.bias", new long[] {2});
        expected.put("b.weight", new long[] {4});
        Map<String, Tensor> actual = new LinkedHashMap<>();
        actual.put("a.weight", t("a.weight", 3, 2));
        actual.put("b.weight", t("b.weight", 4));
        actual.put("c.extra", t("c.extra", 1));
        LockeyException e = assertThrows(LockeyException.class, () -> StateDict.check("g.safetensors", expected, actual));
        String m = e.getMessage();
        assertTrue(m.startsWith("g.safetensors: "), m);
        assertTrue(m.contains("missing 1 [a.bias]"), m);
        assertTrue(m.contains("unexpected 1 [c.extra]"), m);
        assertTrue(m.contains("mis-shaped 1 [a.weight [3, 2] (model [2, 3])]"), m);
        assertEquals(-1, m.indexOf('\n'), "one line");
    }

    @Test
    void ownedPrefixesLimitWhatCountsAsUnexpected() {
        Map<String, long[]> expected = Map.of("generator.w", new long[] {1});
        Map<String, Tensor> actual = Map.of("generator.w", t("generator.w", 1), "verifier.w", t("verifier.w", 1));
        assertDoesNotThrow(() -> StateDict.check("f", expected, actual, "generator."));
        assertThrows(LockeyException.class, () -> StateDict.check("f", expected, actual));
    }

    @Test
    void selectAndPrefixAreInverse() {
        Map<String, Tensor> m = Map.of("w", t("w", 1), "x.y", t("x.y", 2));
        assertEquals(m.keySet(), StateDict.select(StateDict.withPrefix(m, "decoder"), "decoder").keySet());
    }
}
