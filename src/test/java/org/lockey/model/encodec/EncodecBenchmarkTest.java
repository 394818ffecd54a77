package org.lockey.model.encodec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Runs the full-size decode benchmark (slow: about a minute); prints the figures. */
@Tag("slow")
class EncodecBenchmarkTest {
    @Test
    void fullSizeDecoderTenSeconds() {
        EncodecBenchmark.Result r = EncodecBenchmark.run(CompressionConfig.musicgen32k(), 500, 3, 1);
        System.out.println(r);
        assertTrue(r.wholeMedianMs() > 0 && r.chunkedMedianMs() > 0, r.toString());
    }
}
