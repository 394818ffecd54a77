package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class ResultTableTest {
    @TempDir
    Path dir;

    @Test
    void writesTheSameNumbersInEveryForm() throws Exception {
        ResultTable t = new ResultTable("Table II", List.of("Models", "SDR Valid", "orig"), 1)
                .row(List.of("HiFi-GAN", 25.954, 0.99)).row(List.of("Encodec", 23.2, Double.NaN)).note("n/a: no model");
        t.write(dir, "table2");
        String md = Files.readString(dir.resolve("table2.md"));
        assertTrue(md.contains("| HiFi-GAN | 25.95 | 0.990 |"), md);
        assertTrue(md.contains("| Encodec | 23.20 | n/a |"), md);
        JsonNode j = new ObjectMapper().readTree(dir.resolve("table2.json").toFile());
        assertEquals(25.954, j.get("rows").get(0).get("SDR Valid").asDouble(), 0);
        assertTrue(j.get("rows").get(1).get("orig").isNull());
        List<String> csv = Files.readAllLines(dir.resolve("table2.csv"));
        assertEquals("Models,SDR Valid,orig", csv.get(0));
        assertEquals("\"HiFi-GAN\",25.954,0.99", csv.get(1));
        assertEquals(23.2, t.value(1, "SDR Valid"), 0);
    }

    @Test
    void countsArePrintedWithoutDecimals() {
        ResultTable t = new ResultTable("counts", List.of("source", "segments", "rate"), 1)
                .row(List.of("speech", 26, 0.5)).row(List.of("music", 1200L, 12.0));
        assertTrue(t.markdown().contains("| speech | 26 | 0.500 |"), t.markdown());
        assertTrue(t.markdown().contains("| music | 1200 | 12.00 |"), t.markdown());
    }

    @Test
    void plotsArePngImages() throws Exception {
        Path png = dir.resolve("p.png");
        Plots.xy(png, "SDR per key", "key", "SDR (dB)", List.of(
                new Plots.Series("mean", new double[] {1, 2, 3}, new double[] {20, 25, 22}, true),
                new Plots.Series("min", new double[] {1, 2, 3}, new double[] {18, 21, 20}, false)));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(520, img.getHeight());
    }
}
