package org.lockey.model.silentcipher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lockey.audio.Wav;

/**
 * Long clips are read in segments (bounded memory): on a watermarked clip of several segments, with a stretch of
 * digital silence inside, the segmented read finds the embedded payload and agrees with one decode of the whole clip
 * frame by frame almost everywhere (not exactly: BatchNorm uses the statistics of what it is given).
 */
class WatermarkDetectorTest {
    private static final Path SHIPPED = Path.of("reference-data/models/watermark-22k");
    private static WatermarkModel model;
    private static float[] marked;
    private static boolean[] payload;

    @BeforeAll
    static void embed() {
        model = WatermarkModel.load(SHIPPED);
        float[] speech = new float[0];
        for (String clip : new String[] {"000.wav", "001.wav", "002.wav"}) {
            float[] x = Wav.read(Path.of("reference-data/speech").resolve(clip)).mono();
            float[] joined = Arrays.copyOf(speech, speech.length + x.length);
            System.arraycopy(x, 0, joined, speech.length, x.length);
            speech = joined;
        }
        payload = PayloadCodec.bitsOf(0xb5e1L, model.payloadBits());
        marked = model.silentCipher().embed(speech, payload, model.config().messageSdr()).watermarked();
        // a second of digital silence in the middle: a segment of it has no level of its own
        Arrays.fill(marked, marked.length / 2, marked.length / 2 + model.sampleRate(), 0f);
    }

    @Test
    void aSegmentedReadFindsThePayloadAndFollowsTheWholeDecode() {
        int hop = model.config().hopLength();
        WatermarkDetector segmented = new WatermarkDetector(model, 1.5);
        int[] classes = segmented.frameClasses(marked);
        assertEquals((marked.length + hop - 1) / hop, classes.length, "one class per frame centred in the clip");
        int window = (int) (1.5 * model.sampleRate()) / hop * hop + 2 * WatermarkDetector.CONTEXT_FRAMES * hop;
        assertTrue(marked.length > 3 * window, "the clip spans several windows: " + marked.length);

        PayloadCodec.Decoded read = segmented.read(marked);
        assertTrue(read.found(), read.problem());
        assertArrayEquals(payload, read.bits());
        assertTrue(read.confidence() > 0.8, "confidence " + read.confidence());

        int[] whole = model.silentCipher().decode(marked).frameClasses();
        int same = 0;
        for (int t = 0; t < classes.length; t++) {
            same += classes[t] == whole[t] ? 1 : 0;
        }
        assertTrue(same >= 0.9 * classes.length, same + " of " + classes.length + " frames as the whole decode");
        // and a clip of one segment is decoded whole, exactly
        float[] shortClip = Arrays.copyOf(marked, window);
        assertArrayEquals(model.silentCipher().decode(shortClip).frameClasses(), segmented.frameClasses(shortClip));
    }

    /**
     * A watermarked clip cut to fewer than two whole periods is "no message", however clearly its one period reads:
     * with a single period every position's mode is its only frame, so any audio would be "found" at confidence 1.
     * From two periods on the same clip is read.
     */
    @Test
    void aClipOfFewerThanTwoPeriodsIsTooShortToTell() {
        WatermarkDetector detector = new WatermarkDetector(model);
        int period = model.config().messageLen();
        int hop = model.config().hopLength();
        int length = 2 * period * hop;                                   // the longest clip of fewer than two periods
        while (model.config().frames(length) >= 2 * period) {
            length -= hop;
        }
        float[] onePeriod = Arrays.copyOf(marked, length);
        assertTrue(model.config().frames(onePeriod.length) < 2 * period, "fewer than two periods");
        assertTrue(model.config().frames(onePeriod.length) >= period, "at least one period");
        PayloadCodec.Decoded shortRead = detector.read(onePeriod);
        assertTrue(!shortRead.found() && shortRead.problem().contains("too short"), shortRead.problem());
        assertEquals(0, shortRead.confidence());

        float[] threePeriods = Arrays.copyOf(marked, (3 * period + 2) * hop);
        PayloadCodec.Decoded read = detector.read(threePeriods);
        assertTrue(read.found(), read.problem());
        assertArrayEquals(payload, read.bits());
    }
}
