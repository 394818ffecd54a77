package org.lockey.metric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.Codecs;
import org.lockey.distortion.Distortion;
import org.lockey.distortion.Ffmpeg;
import org.lockey.distortion.GaussianNoise;
import org.lockey.distortion.Identity;
import org.lockey.model.silentcipher.DetectThreshold;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.train.TinyWatermark;

/**
 * The evaluation loop on a tiny model, against the same measurement written out here step by step
 * (payload drawn from (seed, clip), embed, distort, decode, {@link BitAccuracy#aligned}, mean over the
 * clips), so a wrong payload, distortion stream, offset or mean makes it fail; unavailable columns are
 * left out; detection counts the clips whose payload comes back exactly.
 */
class WatermarkEvalTest {
    static final long SEED = 1;
    static final double MAX_SECONDS = 10;

    /** The payload of clip c as the class comment documents it: bits from stream 7 of (seed, c). */
    static boolean[] payload(int bits, long seed, int c) {
        SplittableRandom r = AudioDataset.rng(seed, c, 7);
        boolean[] b = new boolean[bits];
        for (int k = 0; k < b.length; k++) {
            b[k] = r.nextBoolean();
        }
        return b;
    }

    @Test
    void accuraciesAreTheMeanAlignedAccuracyOfEachDistortedClip(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        WatermarkModel m = TinyWatermark.model(data, tmp.resolve("m"), 1);
        AudioDataset ds = AudioDataset.load(data, null, 8000);
        List<Distortion> columns = List.of(new Identity(), GaussianNoise.tableI());
        Map<String, Double> acc = WatermarkEval.bitAccuracy(m, ds, List.of(columns.get(0), columns.get(1),
                Codecs.os(new Ffmpeg(Path.of("/nonexistent/ffmpeg"))).mp3(128)), SEED, MAX_SECONDS);
        assertEquals(List.of("orig", "gaus"), List.copyOf(acc.keySet()), "the unavailable codec is left out");

        // The same measurement by hand: the 1-s clips are shorter than MAX_SECONDS, so none is cut or skipped.
        SilentCipher sc = m.silentCipher();
        Map<String, Double> want = new LinkedHashMap<>();
        for (Distortion d : columns) {
            double sum = 0;
            for (int c = 0; c < ds.size(); c++) {
                boolean[] bits = payload(m.payloadBits(), SEED, c);
                float[] y = sc.embed(ds.clip(c), m.codec().symbols(bits), m.config().messageSdr()).watermarked();
                float[] z = d.apply(y, m.sampleRate(), AudioDataset.rng(SEED, c, 8));
                sum += BitAccuracy.aligned(sc.decode(z).frameClasses(), bits, 0);
            }
            want.put(d.name(), sum / ds.size());
        }
        assertEquals(want.get("orig"), acc.get("orig"), 1e-12, "orig");
        assertEquals(want.get("gaus"), acc.get("gaus"), 1e-12, "gaus");
    }

    @Test
    void payloadsFollowTheDocumentedDrawAndDifferPerClip(@TempDir Path tmp) {
        Path data = TinyWatermark.data(tmp);
        WatermarkModel m = TinyWatermark.model(data, tmp.resolve("m"), 1);
        for (int c = 0; c < 4; c++) {
            assertArrayEquals(payload(m.payloadBits(), SEED, c), WatermarkEval.payload(m, SEED, c), "clip " + c);
        }
        assertFalse(Arrays.equals(WatermarkEval.payload(m, SEED, 0), WatermarkEval.payload(m, SEED, 1)));
        assertFalse(Arrays.equals(WatermarkEval.payload(m, 1, 0), WatermarkEval.payload(m, 2, 0)));
    }

    @Test
    void detectionCountsTheClipsWhosePayloadComesBackExactly(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        WatermarkModel m = TinyWatermark.model(data, tmp.resolve("m"), 1);
        AudioDataset ds = AudioDataset.load(data, null, 8000);
        WatermarkEval.Detection d = WatermarkEval.detection(m, ds, true, SEED, MAX_SECONDS);

        SilentCipher sc = m.silentCipher();
        PayloadCodec codec = m.codec();
        int found = 0;
        int correct = 0;
        double[] conf = new double[ds.size()];
        for (int c = 0; c < ds.size(); c++) {
            boolean[] bits = payload(m.payloadBits(), SEED, c);
            float[] y = sc.embed(ds.clip(c), codec.symbols(bits), m.config().messageSdr()).watermarked();
            PayloadCodec.Decoded dec = codec.decode(sc.decode(y).frameClasses());
            conf[c] = dec.confidence();
            found += dec.found() ? 1 : 0;
            correct += dec.found() && Arrays.equals(dec.bits(), bits) ? 1 : 0;
        }
        Arrays.sort(conf);
        assertEquals(4, d.clips());
        assertArrayEquals(conf, d.confidences(), 1e-12);
        assertEquals(found, d.found());
        assertEquals(correct, d.correct());
        assertEquals(d.found(), d.detected(DetectThreshold.uniform(0)));
        assertEquals(0, WatermarkEval.detection(m, ds, false, SEED, MAX_SECONDS).correct(),
                "unwatermarked clips are never counted correct");
    }
}
