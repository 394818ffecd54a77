package org.lockey.model.silentcipher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.lockey.io.Json;

import com.fasterxml.jackson.databind.JsonNode;

/** The detection rule by message periods and its {@code config.json} form. */
class DetectThresholdTest {
    static final DetectThreshold RULE = new DetectThreshold(List.of(new DetectThreshold.Step(2, 0.89),
            new DetectThreshold.Step(5, 0.72), new DetectThreshold.Step(23, 0.60)));

    @Test
    void theThresholdIsTheLastStepAtOrBelowThePeriodsAndNoneBelowTheFirst() {
        assertEquals(Double.POSITIVE_INFINITY, RULE.at(1));
        assertEquals(0.89, RULE.at(2));
        assertEquals(0.89, RULE.at(4));
        assertEquals(0.72, RULE.at(5));
        assertEquals(0.72, RULE.at(22));
        assertEquals(0.60, RULE.at(23));
        assertEquals(0.60, RULE.at(1000));
        assertEquals("0.89 from 2 periods, 0.72 from 5, 0.60 from 23", RULE.describe());
        assertEquals(0.6, DetectThreshold.uniform(0.6).at(WatermarkDetector.MIN_PERIODS));
        assertEquals("0.60", DetectThreshold.uniform(0.6).describe());
    }

    @Test
    void aReadingIsReportedWhenFoundAndConfidentEnoughForItsPeriods() {
        PayloadCodec.Decoded shortClip = new PayloadCodec.Decoded(true, new int[8], new boolean[16], 0.80, 3, "");
        PayloadCodec.Decoded longClip = new PayloadCodec.Decoded(true, new int[8], new boolean[16], 0.80, 6, "");
        PayloadCodec.Decoded noMessage = new PayloadCodec.Decoded(false, new int[0], new boolean[0], 0.99, 30, "x");
        assertFalse(RULE.reports(shortClip));      // 0.80 < 0.89 at 3 periods
        assertTrue(RULE.reports(longClip));        // 0.80 >= 0.72 at 6 periods
        assertFalse(RULE.reports(noMessage));
        assertTrue(DetectThreshold.uniform(0.8).reports(shortClip));
    }

    @Test
    void stepsMustIncreaseAndThresholdsLieInTheUnitInterval() {
        assertThrows(LockeyException.class, () -> new DetectThreshold(List.of()));
        assertThrows(LockeyException.class, () -> new DetectThreshold(List.of(new DetectThreshold.Step(5, 0.7),
                new DetectThreshold.Step(5, 0.6))));
        assertThrows(LockeyException.class, () -> new DetectThreshold.Step(2, 1.2));
        assertThrows(LockeyException.class, () -> new DetectThreshold.Step(0, 0.5));
    }

    @Test
    void configJsonReadsTheRuleOrTheOneThreshold() throws Exception {
        Path cfg = Path.of("config.json");
        JsonNode rule = Json.tree("{\"detect_threshold\": 0.89, \"detect_thresholds\": [{\"min_periods\": 2, "
                + "\"threshold\": 0.89}, {\"min_periods\": 5, \"threshold\": 0.72}, {\"min_periods\": 23, "
                + "\"threshold\": 0.6}]}");
        assertEquals(RULE, WatermarkModel.detectThreshold(rule, cfg));
        assertEquals(DetectThreshold.uniform(0.7), WatermarkModel.detectThreshold(Json.tree(
                "{\"detect_threshold\": 0.7}"), cfg));
        assertEquals(DetectThreshold.uniform(WatermarkModel.DEFAULT_DETECT_THRESHOLD),
                WatermarkModel.detectThreshold(Json.tree("{}"), cfg));
        LockeyException differs = assertThrows(LockeyException.class, () -> WatermarkModel.detectThreshold(
                Json.tree("{\"detect_threshold\": 0.6, \"detect_thresholds\": [{\"min_periods\": 2, "
                        + "\"threshold\": 0.89}]}"), cfg));
        assertTrue(differs.getMessage().startsWith("config.json: 'detect_threshold' 0.6 differs"), differs.getMessage());
        LockeyException order = assertThrows(LockeyException.class, () -> WatermarkModel.detectThreshold(
                Json.tree("{\"detect_thresholds\": [{\"min_periods\": 5, \"threshold\": 0.7}, {\"min_periods\": 2, "
                        + "\"threshold\": 0.9}]}"), cfg));
        assertTrue(order.getMessage().startsWith("config.json: detection thresholds must be given for increasing"),
                order.getMessage());
        assertThrows(LockeyException.class, () -> WatermarkModel.detectThreshold(
                Json.tree("{\"detect_thresholds\": [{\"threshold\": 0.7}]}"), cfg));
    }
}
