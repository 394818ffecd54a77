package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.audio.Audio;
import org.lockey.audio.Wav;

/** The keyed Encodec's generate refuses inputs longer than it takes, in one line naming the file and the limit. */
class GenerateLimitsTest {
    @TempDir
    Path dir;

    @Test
    void aKeyedEncodecInputOverTheLimitIsRefusedBeforeItIsEncoded() throws Exception {
        int rate = 32000;
        int seconds = LockeyCommands.Generate.MAX_KEYED_ENCODEC_SECONDS + 1;
        float[] x = new float[seconds * rate];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.1 * Math.sin(2 * Math.PI * 440 * i / rate));
        }
        Path in = dir.resolve("long.wav");
        Wav.writePcm16(in, Audio.mono(x, rate));
        Path key = dir.resolve("key");
        Files.writeString(key, "aa0c\n");
        Path out = dir.resolve("out.wav");
        MainTest.Run r = MainTest.run("generate", "--model", "reference-data/models/lockey-encodec", "--key-file",
                key.toString(), "--in", in.toString(), "--out", out.toString());
        assertEquals(Command.USAGE, r.code(), r.err());
        assertEquals("lockey generate: " + in + ": " + seconds + ".0 s is longer than the keyed Encodec generates at once ("
                + LockeyCommands.Generate.MAX_KEYED_ENCODEC_SECONDS + " s: it holds the input, its codes and the output"
                + " whole); cut the input into parts", r.err().strip());
        assertFalse(Files.exists(out));
    }
}
