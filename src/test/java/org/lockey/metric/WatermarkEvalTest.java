package org.lockey.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.Codecs;
import org.lockey.distortion.Ffmpeg;
import org.lockey.distortion.GaussianNoise;
import org.lockey.distortion.Identity;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.train.TinyWatermark;

/** The evaluation loop on a tiny model: accuracies in range, unavailable columns left out, detection counts. */
class WatermarkEvalTest {
    @Test
    void accuraciesPerDistortionAndDetectionCounts(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        WatermarkModel m = TinyWatermark.model(data, tmp.resolve("m"), 1);
        AudioDataset ds = AudioDataset.load(data, null, 8000);
        Map<String, Double> acc = WatermarkEval.bitAccuracy(m, ds, List.of(new Identity(), GaussianNoise.tableI(),
                Codecs.os(new Ffmpeg(Path.of("/nonexistent/ffmpeg"))).mp3(128)), 1, 10);
        assertEquals(List.of("orig", "gaus"), List.copyOf(acc.keySet()), "the unavailable codec is left out");
        acc.values().forEach(a -> assertTrue(a >= 0 && a <= 1, "accuracy " + a));
        WatermarkEval.Detection d = WatermarkEval.detection(m, ds, true, 1, 10);
        assertEquals(4, d.clips());
        assertTrue(d.correct() <= d.found() && d.found() <= d.clips());
        assertEquals(d.found(), d.detected(0));
        assertEquals(0, WatermarkEval.detection(m, ds, false, 1, 10).correct());
    }
}
