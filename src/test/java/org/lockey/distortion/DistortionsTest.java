package org.lockey.distortion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;

/** The Table I registry: order, lookup, and the contract shared by every column. */
class DistortionsTest {
    @Test
    void columnsAreTableIsInOrder() {
        assertEquals(List.of("eq", "gaus", "mp3_64k", "mp3_128k", "mp3_256k", "ogg_64k", "ogg_128k", "ogg_256k",
                "quant", "resamp", "time_jit", "orig"), Distortions.names());
        assertEquals("ogg_128k", Distortions.byName("ogg_128k").name());
        assertEquals(List.of("orig", "mp3_128k"),
                Distortions.parse("orig, mp3_128k").stream().map(Distortion::name).toList());
        LockeyException e = assertThrows(LockeyException.class, () -> Distortions.byName("mp3_96k"));
        assertTrue(e.getMessage().contains("eq, gaus") && e.getMessage().contains("aac_64k"), e.getMessage());
    }

    @Test
    void aacAndOpusAreOptInColumnsOutsideTableI() {
        List<String> optIn = List.of("aac_64k", "aac_128k", "opus_32k", "opus_64k");
        assertEquals(optIn, Distortions.optInNames());
        assertTrue(Distortions.names().stream().noneMatch(optIn::contains), "the paper's table stays as it is");
        assertEquals(List.of("orig", "aac_128k", "opus_32k"),
                Distortions.parse("orig,aac_128k,opus_32k").stream().map(Distortion::name).toList());
        assertEquals(48000, ((LossyCodec) Distortions.byName("opus_64k")).codecRate());
    }

    @Test
    void everyColumnKeepsLengthLeavesItsInputAloneAndReproducesItsSeed() {
        float[] x = Signals.mix(11025, 22050, 8);
        float[] copy = x.clone();
        for (Distortion d : Distortions.tableI()) {
            if (d.unavailable().isPresent()) {
                System.out.println("[distortions] " + d.unavailable().get());
                continue;
            }
            float[] a = d.apply(x, 22050, new SplittableRandom(42));
            float[] b = d.apply(x, 22050, new SplittableRandom(42));
            assertEquals(x.length, a.length, d.name());
            assertArrayEquals(a, b, d.name() + " with the same seed");
            assertArrayEquals(copy, x, d.name() + " modified its input");
            assertTrue(d.description().length() > 10, d.name());
        }
    }

    @Test
    void origIsTheIdentity() {
        float[] x = Signals.mix(1000, 22050, 1);
        float[] y = new Identity().apply(x, 22050, new SplittableRandom(1));
        assertArrayEquals(x, y);
        assertTrue(x != y);
    }
}
