package org.lockey.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.cli.MainTest;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.Distortions;
import org.lockey.eval.KeyedSystem;
import org.lockey.eval.Probe;
import org.lockey.eval.Table2;
import org.lockey.model.lockey.KeyRegistry;

/**
 * {@code eval table2} and {@code eval probe} with {@code --engine spark} (clip x key pairs spread over the executors)
 * write the serial commands' tables byte for byte, on the shipped keyed HiFi-GAN with keys issued in a temporary
 * registry; and the figures are those of {@code Table2.run} / {@code Probe.run}, the loops the demo runs.
 */
class SparkEvalTest {
    @TempDir
    Path dir;

    private static final String DATA = "reference-data/speech";

    @Test
    void table2OnSparkIsTheSerialTable() throws IOException {
        Corpus c = Corpus.get();
        String[] args = {"eval", "table2", "--model", Corpus.MODEL.toString(), "--base", Corpus.BASE.toString(),
            "--registry", c.registry.toString(), "--data", DATA, "--clips", "2", "--keys", "2", "--distortions",
            "orig,gaus,mp3_128k"};
        MainTest.Run serial = MainTest.run(with(args, "--out", dir.resolve("serial").toString()));
        assertEquals(0, serial.code(), serial.out() + serial.err());
        MainTest.Run spark = MainTest.run(with(args, "--out", dir.resolve("spark").toString(), "--engine", "spark",
                "--master", "local[2]"));
        assertEquals(0, spark.code(), spark.out() + spark.err());
        for (String f : new String[] {"table2.json", "table2.csv", "table2.md"}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("serial").resolve(f)),
                    Files.readAllBytes(dir.resolve("spark").resolve(f)), f);
        }

        KeyedSystem sys = KeyedSystem.load(Corpus.MODEL, Corpus.BASE);
        Table2.Result loop = Table2.run(sys, KeyRegistry.load(c.registry),
                AudioDataset.load(Path.of(DATA), "test", sys.sampleRate()), 2, 2,
                Distortions.parse("orig,gaus,mp3_128k"), sys.watermark().config().messageSdr(), 1);
        String json = Files.readString(dir.resolve("spark/table2.json"));
        assertTrue(json.contains(Double.toString(loop.sdrValid())), loop + "\n" + json);
        assertTrue(json.contains(Double.toString(loop.sdrInvalid())), loop + "\n" + json);
    }

    @Test
    void probeOnSparkIsTheSerialProbe() throws IOException {
        Corpus c = Corpus.get();
        String[] args = {"eval", "probe", "--model", Corpus.MODEL.toString(), "--base", Corpus.BASE.toString(),
            "--registry", c.registry.toString(), "--data", DATA, "--clips", "2", "--max-valid", "2", "--invalid", "3", "--seconds", "1.5"};
        MainTest.Run serial = MainTest.run(with(args, "--out", dir.resolve("serial").toString()));
        assertEquals(0, serial.code(), serial.out() + serial.err());
        MainTest.Run spark = MainTest.run(with(args, "--out", dir.resolve("spark").toString(), "--engine", "spark",
                "--master", "local[2]"));
        assertEquals(0, spark.code(), spark.out() + spark.err());
        for (String f : new String[] {"probe.json", "probe.csv", "probe-keys.csv"}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("serial").resolve(f)),
                    Files.readAllBytes(dir.resolve("spark").resolve(f)), f);
        }

        KeyedSystem sys = KeyedSystem.load(Corpus.MODEL, Corpus.BASE);
        Probe.Result loop = Probe.run(sys, KeyRegistry.load(c.registry),
                AudioDataset.load(Path.of(DATA), "test", sys.sampleRate()),
                new Probe.Plan(2, 2, 3, 1.5, sys.watermark().config().messageSdr(), 1));
        String keys = Files.readString(dir.resolve("spark/probe-keys.csv"));
        for (Probe.KeyStats s : loop.keys()) {
            assertTrue(keys.contains("," + s.min() + "," + s.mean() + "," + s.max()), s + "\n" + keys);
        }
    }

    private static String[] with(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
