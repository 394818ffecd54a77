package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./lockey train vocoder}: help, one-line errors, and a one-step run on two reference clips. */
class TrainVocoderCommandTest {
    @TempDir
    Path dir;

    private Path tinyConfig() throws Exception {
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, "{\"resblock\": \"1\", \"upsample_rates\": [8,8,2,2], \"upsample_kernel_sizes\": [16,16,4,4],"
                + " \"upsample_initial_channel\": 16, \"resblock_kernel_sizes\": [3], \"resblock_dilation_sizes\": [[1,3,5]],"
                + " \"segment_size\": 8192, \"batch_size\": 16}");
        return config;
    }

    private Path data() throws Exception {
        Path d = Files.createDirectories(dir.resolve("speech"));
        Files.copy(Path.of("reference-data/speech/000.wav"), d.resolve("000.wav"));
        return d;
    }

    @Test
    void helpNamesEveryOption() {
        MainTest.Run r = MainTest.run("train", "vocoder", "--help");
        assertEquals(0, r.code());
        for (String o : new String[] {"--data", "--config", "--out", "--segment-size", "--batch-size", "--steps",
                "--checkpoint-every", "--resume", "--seed", "--discriminator-channel-divisor", "--adversarial-start",
                "--init-generator", "--init-discriminator", "--resume"}) {
            assertTrue(r.out().contains(o), o + " in " + r.out());
        }
    }

    @Test
    void errorsAreOneLine() throws Exception {
        Path data = data();
        MainTest.Run noConfig = MainTest.run("train", "vocoder", "--data", data.toString(), "--out", dir.resolve("r").toString());
        assertEquals(Command.USAGE, noConfig.code());
        assertTrue(noConfig.err().contains("--config"), noConfig.err());
        MainTest.Run noCk = MainTest.run("train", "vocoder", "--data", data.toString(), "--out", dir.resolve("r").toString(),
                "--resume");
        assertEquals(Command.USAGE, noCk.code());
        assertTrue(noCk.err().contains("no checkpoint to resume"), noCk.err());
        assertEquals(1, noCk.err().strip().lines().count(), noCk.err());
        MainTest.Run noData = MainTest.run("train", "vocoder", "--data", dir.resolve("none").toString(), "--config",
                tinyConfig().toString(), "--out", dir.resolve("r").toString());
        assertEquals(Command.USAGE, noData.code());
        assertTrue(noData.err().contains("not a directory"), noData.err());
        MainTest.Run badDivisor = MainTest.run("train", "vocoder", "--data", data.toString(), "--config", tinyConfig().toString(),
                "--out", dir.resolve("r").toString(), "--discriminator-channel-divisor", "16");
        assertEquals(Command.USAGE, badDivisor.code());
        assertTrue(badDivisor.err().contains("divisor"), badDivisor.err());
    }

    @Test
    void trainsOneStepAndRefusesToOverwriteTheRun() throws Exception {
        Path data = data();
        Path run = dir.resolve("run");
        String[] args = {"train", "vocoder", "--data", data.toString(), "--config", tinyConfig().toString(), "--out",
                run.toString(), "--segment-size", "1024", "--batch-size", "1", "--steps", "1",
                "--discriminator-channel-divisor", "8"};
        MainTest.Run r = MainTest.run(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("trained 1 steps (0 -> 1)"), r.out());
        assertTrue(r.out().contains("validation mel L1"), r.out());
        assertTrue(Files.exists(run.resolve("checkpoint.safetensors")));
        assertTrue(Files.exists(run.resolve("model/model.safetensors")));
        assertTrue(Files.readString(run.resolve("model/config.json")).contains("\"segment_size\" : 1024"));
        MainTest.Run again = MainTest.run(args);
        assertEquals(Command.USAGE, again.code());
        assertTrue(again.err().contains("--resume"), again.err());
        MainTest.Run other = MainTest.run("train", "vocoder", "--data", data.toString(), "--config", tinyConfig().toString(),
                "--out", run.toString(), "--segment-size", "2048", "--batch-size", "1", "--steps", "2", "--resume");
        assertEquals(Command.USAGE, other.code());
        assertTrue(other.err().contains("another config"), other.err());
    }
}
