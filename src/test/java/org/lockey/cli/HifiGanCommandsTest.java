package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.audio.Audio;
import org.lockey.audio.Wav;

/** import hifigan and vocode on the small golden generator. */
class HifiGanCommandsTest {
    @TempDir
    Path dir;
    Path model;

    @BeforeEach
    void importGoldenGenerator() throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"resblock\": \"2\", \"upsample_rates\": [8,8,2,2], \"upsample_kernel_sizes\": "
                + "[16,16,4,4], \"upsample_initial_channel\": 32, \"resblock_kernel_sizes\": [3,7,11], "
                + "\"resblock_dilation_sizes\": [[1,2],[2,6],[3,12]], \"num_mels\": 80, \"sampling_rate\": 22050, "
                + "\"n_fft\": 1024, \"hop_size\": 256, \"win_size\": 1024, \"fmin\": 0, \"fmax\": 8000}");
        model = dir.resolve("model");
        MainTest.Run r = MainTest.run("import", "hifigan", "--config", config.toString(), "--checkpoint",
                "golden/hifigan_generator_resblock2.weights.safetensors", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void vocodesAWavToTheFrameCountTimesHop() {
        float[] x = new float[22050];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 220 * i / 22050.0));
        }
        Path in = dir.resolve("in.wav");
        Wav.writePcm16(in, Audio.mono(x, 22050));
        Path out = dir.resolve("out.wav");
        MainTest.Run r = MainTest.run("vocode", "--model", model.toString(), "--in", in.toString(), "--out",
                out.toString(), "--chunk", "32");
        assertEquals(0, r.code(), r.err());
        Audio a = Wav.read(out);
        assertEquals(22050, a.sampleRate());
        assertEquals(22050 / 256 * 256, a.frames());
    }

    @Test
    void vocodesSilenceAndRefusesShortAndWrongRateInputWithOneLine() {
        // digital silence is a clip like any other (as generate takes it): a constant log-mel, a finite output
        Path silent = dir.resolve("silent.wav");
        Wav.writePcm16(silent, Audio.mono(new float[4000], 22050));
        Path o = dir.resolve("o.wav");
        MainTest.Run r = MainTest.run("vocode", "--model", model.toString(), "--in", silent.toString(), "--out",
                o.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(4000 / 256 * 256, Wav.read(o).frames());
        Path shortClip = dir.resolve("short.wav");
        Wav.writePcm16(shortClip, Audio.mono(new float[300], 22050));
        r = MainTest.run("vocode", "--model", model.toString(), "--in", shortClip.toString(), "--out",
                dir.resolve("o2.wav").toString());
        assertEquals(Command.USAGE, r.code());
        assertEquals("lockey vocode: " + shortClip + ": 13.6 ms of audio is shorter than one mel frame of the model"
                + " (385 samples at 22050 Hz, 17.5 ms)", r.err().strip());
        Path rate = dir.resolve("rate.wav");
        Wav.writePcm16(rate, Audio.mono(new float[] {0.1f, 0.2f, 0.3f}, 16000));
        r = MainTest.run("vocode", "--model", model.toString(), "--in", rate.toString(), "--out",
                dir.resolve("o.wav").toString(), "--no-resample");
        assertTrue(r.err().contains("16000 Hz") && r.code() == Command.USAGE, r.err());
        r = MainTest.run("vocode", "--model", model.toString(), "--out", dir.resolve("o.wav").toString());
        assertTrue(r.err().contains("exactly one of --in"), r.err());
    }
}
