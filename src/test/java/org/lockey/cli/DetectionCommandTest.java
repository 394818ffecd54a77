package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.eval.DetectionReport;
import org.lockey.model.silentcipher.DetectThreshold;
import org.lockey.model.silentcipher.WatermarkModel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code eval detection} end to end on a few short segments with the shipped 22.05 kHz watermark model. */
class DetectionCommandTest {
    static final Path SHIPPED = Path.of("reference-data/models/watermark-22k");

    @TempDir
    Path dir;

    @Test
    void writesTheReportWithRatesInTheUnitIntervalAndStoresTheThreshold() throws Exception {
        Path model = dir.resolve("wm");
        Files.createDirectories(model);
        for (String f : List.of(WatermarkModel.CONFIG_FILE, WatermarkModel.MODEL_FILE)) {
            Files.copy(SHIPPED.resolve(f), model.resolve(f));
        }
        String shippedConfig = Files.readString(SHIPPED.resolve(WatermarkModel.CONFIG_FILE));
        Path out = dir.resolve("out");
        MainTest.Run r = MainTest.run("eval", "detection", "--watermark", model.toString(), "--out", out.toString(),
                "--lengths", "1,2", "--segments", "2", "--noise-segments", "1", "--keyed-segments", "0",
                "--positives", "1", "--distortions", "orig,gaus", "--target-fp", "0.5", "--rule", "uniform",
                "--write-threshold");
        assertEquals(Command.OK, r.code(), r.out() + r.err());
        for (String f : List.of("detection.md", "detection.csv", "detection.json", "detection-readings.csv")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        JsonNode j = new ObjectMapper().readTree(out.resolve("detection.json").toFile());
        // per length: 2 sources x 2 crops + 1 silence + 4 noise kinds x 1 = 9; two lengths
        assertEquals(18, j.get("negatives").asInt());
        // 2 sources x 1 crop x 2 lengths, each after 2 distortions
        assertEquals(8, j.get("positives").asInt());
        JsonNode sweep = j.get("sweep").get("rows");
        assertEquals(66, sweep.size());
        for (JsonNode row : sweep) {
            for (String c : List.of("fp_rate", "fp_upper95", "tp_orig", "tp_gaus", "min_tp")) {
                double v = row.get(c).asDouble();
                assertTrue(v >= 0 && v <= 1, c + " = " + v + " at " + row.get("threshold"));
            }
        }
        // with a 50 % target some threshold qualifies; it is the first row whose rate is at most 0.5
        double chosen = j.get("chosen_threshold").asDouble();
        for (JsonNode row : sweep) {
            if (row.get("fp_rate").asDouble() <= 0.5) {
                assertEquals(row.get("threshold").asDouble(), chosen, 0);
                break;
            }
        }
        // every reading: a header, 18 negatives, 8 positives; the from-length table has one row per length
        List<String> readings = Files.readAllLines(out.resolve("detection-readings.csv"));
        assertEquals("kind,source,seconds,distortion,payload,found,confidence", readings.get(0));
        assertEquals(1 + 18 + 8, readings.size());
        assertEquals(18, readings.stream().filter(l -> l.startsWith("negative,")).count());
        assertEquals(2, j.get("from_length").get("rows").size());
        // the same readings twice, pooled, without decoding: every count doubles, every rate and the choice stay
        Path again = dir.resolve("again");
        Path readingsFile = out.resolve("detection-readings.csv");
        MainTest.Run pooled = MainTest.run("eval", "detection", "--watermark", model.toString(), "--out",
                again.toString(), "--readings", readingsFile.toString(), readingsFile.toString(), "--target-fp", "0.5");
        assertEquals(Command.OK, pooled.code(), pooled.out() + pooled.err());
        JsonNode p = new ObjectMapper().readTree(again.resolve("detection.json").toFile());
        assertEquals(36, p.get("negatives").asInt());
        assertEquals(16, p.get("positives").asInt());
        assertEquals(chosen, p.get("chosen_threshold").asDouble(), 0);
        for (int i = 0; i < sweep.size(); i++) {
            JsonNode a = sweep.get(i);
            JsonNode b = p.get("sweep").get("rows").get(i);
            assertEquals(2 * a.get("false_positives").asInt(), b.get("false_positives").asInt());
            for (String c : List.of("fp_rate", "tp_orig", "tp_gaus")) {
                assertEquals(a.get(c).asDouble(), b.get(c).asDouble(), 1e-12, c);
            }
        }
        List<String> csv = Files.readAllLines(out.resolve("detection.csv"));
        assertEquals("threshold,false_positives,fp_rate,fp_upper95,tp_orig,tp_gaus,min_tp", csv.get(0));
        assertEquals(67, csv.size());
        String md = Files.readString(out.resolve("detection.md"));
        assertTrue(md.contains("| silence | 1.000 | 1 | 0 | 0.000 | 0 |"), md);
        // --write-threshold changed only detect_threshold, in the copy; the shipped model is untouched
        JsonNode cfg = new ObjectMapper().readTree(model.resolve(WatermarkModel.CONFIG_FILE).toFile());
        assertEquals(chosen, cfg.get("detect_threshold").asDouble(), 0);
        assertEquals(DetectThreshold.uniform(chosen), WatermarkModel.load(model).detectThreshold());
        JsonNode before = new ObjectMapper().readTree(shippedConfig);
        ((com.fasterxml.jackson.databind.node.ObjectNode) before).put("detect_threshold", chosen);
        assertEquals(before, cfg);
        assertEquals(shippedConfig, Files.readString(SHIPPED.resolve(WatermarkModel.CONFIG_FILE)));

        // the rule by length (the default) on the same readings: each length's threshold worked out here from the
        // readings file alone, the smallest of the grid at which at most half of that length's negatives report
        MainTest.Run byLength = MainTest.run("eval", "detection", "--watermark", model.toString(), "--out",
                dir.resolve("by-length").toString(), "--readings", readingsFile.toString(), "--target-fp", "0.5",
                "--write-threshold");
        assertEquals(Command.OK, byLength.code(), byLength.out() + byLength.err());
        var steps = WatermarkModel.load(model).detectThreshold().steps();
        // 22,050 Hz, hop 1024, period 9: 1 s pads to 22,528 samples = 23 frames = 2 periods; 2 s: 45 frames = 5
        assertEquals(List.of(2, 5), steps.stream().map(DetectThreshold.Step::minPeriods).toList());
        assertEquals(smallestWithHalfOrFewer(readings, "1.0"), steps.get(0).threshold(), 1e-9);
        assertEquals(smallestWithHalfOrFewer(readings, "2.0"), steps.get(1).threshold(), 1e-9);
        JsonNode written = new ObjectMapper().readTree(model.resolve(WatermarkModel.CONFIG_FILE).toFile());
        assertEquals(steps.get(0).threshold(), written.get("detect_threshold").asDouble(), 0);
        assertEquals(2, written.get("detect_thresholds").size());
    }

    /** The smallest threshold of 0.30, 0.31, ..., 0.95 at which at most half of the negatives of one length report. */
    private static double smallestWithHalfOrFewer(List<String> readings, String seconds) {
        List<String[]> negatives = readings.stream().skip(1).map(l -> l.split(",", -1))
                .filter(c -> c[0].equals("negative") && c[2].equals(seconds)).toList();
        for (int i = 30; i <= 95; i++) {
            double t = i / 100.0;
            long reported = negatives.stream()
                    .filter(c -> Boolean.parseBoolean(c[5]) && Double.parseDouble(c[6]) >= t).count();
            if (reported <= negatives.size() / 2.0) {
                return t;
            }
        }
        return Double.NaN;
    }

    @Test
    void badInputGetsOneLine() throws Exception {
        MainTest.Run lengths = MainTest.run("eval", "detection", "--watermark", SHIPPED.toString(), "--out",
                dir.resolve("o").toString(), "--lengths", "1,0");
        assertEquals(Command.USAGE, lengths.code());
        assertTrue(lengths.err().contains("--lengths: 0 is not a positive number of seconds"), lengths.err());
        assertEquals(1, lengths.err().strip().lines().count(), lengths.err());
        MainTest.Run registries = MainTest.run("eval", "detection", "--watermark", SHIPPED.toString(), "--out",
                dir.resolve("o").toString(), "--registry", "a.json");
        assertEquals(Command.USAGE, registries.code());
        assertTrue(registries.err().contains("1 registries for 0 --keyed models"), registries.err());
        MainTest.Run notAModel = MainTest.run("eval", "detection", "--watermark", dir.toString(), "--out",
                dir.resolve("o").toString());
        assertEquals(Command.USAGE, notAModel.code());
        assertTrue(notAModel.err().contains(dir + ": not a model directory"), notAModel.err());
        Path notReadings = dir.resolve("x.csv");
        Files.writeString(notReadings, DetectionReport.READINGS_HEADER + "\nnegative,a,1,,,true\n");
        MainTest.Run badReadings = MainTest.run("eval", "detection", "--watermark", SHIPPED.toString(), "--out",
                dir.resolve("o").toString(), "--readings", notReadings.toString());
        assertEquals(Command.USAGE, badReadings.code());
        assertTrue(badReadings.err().contains(notReadings + ":2: not a reading (6 fields, not 7)"), badReadings.err());
        assertEquals(1, badReadings.err().strip().lines().count(), badReadings.err());
        assertFalse(Files.exists(dir.resolve("o")), "nothing written on bad input");
    }
}
