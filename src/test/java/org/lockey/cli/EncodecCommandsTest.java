package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.audio.Audio;
import org.lockey.audio.Wav;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.encodec.RvqConfig;

/** import encodec, codec encode and codec decode on a small random model. */
class EncodecCommandsTest {
    @TempDir
    Path dir;

    @Test
    void importEncodeDecodeRoundTrip() throws Exception {
        CompressionConfig small = new CompressionConfig(32000,
                CompressionConfig.musicgen32k().seanet().withSize(16, 4).withDepth(1, 1), new RvqConfig(2, 32, 16));
        Map<String, Tensor> weights = new LinkedHashMap<>(Encodec.random(small, 3, true).weights());
        Path ckpt = dir.resolve("ckpt.safetensors");
        SafeTensors.write(ckpt, weights, Map.of());
        Path config = dir.resolve("encodec.json");
        Files.writeString(config, small.toJson().toString());
        Path model = dir.resolve("model");
        MainTest.Run r = MainTest.run("import", "encodec", "--checkpoint", ckpt.toString(), "--config", config.toString(),
                "--out", model.toString());
        assertEquals(0, r.code(), r.err());

        float[] x = new float[2 * 32000 + 123];                   // 101 frames: the decode streams three chunks
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.4 * Math.sin(2 * Math.PI * 330 * i / 32000.0));
        }
        Path wav = dir.resolve("in.wav");
        Wav.writePcm16(wav, Audio.mono(x, 32000));
        Path codes = dir.resolve("codes.safetensors");
        r = MainTest.run("codec", "encode", "--model", model.toString(), "--in", wav.toString(), "--out", codes.toString());
        assertEquals(0, r.code(), r.err());
        Tensor c = SafeTensors.read(codes).get("codes");
        long frames = (x.length + 639) / 640;
        assertEquals(java.util.Arrays.toString(new long[] {1, 2, frames}), java.util.Arrays.toString(c.shape()));
        for (long v : c.toLongArray()) {
            assertTrue(v >= 0 && v < 32, "code " + v);
        }
        Path out = dir.resolve("out.wav");
        r = MainTest.run("codec", "decode", "--model", model.toString(), "--in", codes.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(frames * 640, Wav.read(out).frames());
        // the streamed file is the one a whole decode writes, byte for byte
        Path whole = dir.resolve("whole.wav");
        Wav.writePcm16(whole, Audio.mono(Encodec.load(model).decode(EncodecCommands.Decode.readCodes(codes)), 32000));
        org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(out));
    }

    @Test
    void codesOutsideTheCodebookAreRejected() throws Exception {
        CompressionConfig small = new CompressionConfig(32000,
                CompressionConfig.musicgen32k().seanet().withSize(16, 4).withDepth(1, 1), new RvqConfig(2, 32, 16));
        Path ckpt = dir.resolve("ckpt.safetensors");
        SafeTensors.write(ckpt, Encodec.random(small, 3, false).weights(), Map.of());
        Path config = dir.resolve("encodec.json");
        Files.writeString(config, small.toJson().toString());
        Path model = dir.resolve("model");
        assertEquals(0, MainTest.run("import", "encodec", "--checkpoint", ckpt.toString(), "--config",
                config.toString(), "--out", model.toString()).code());
        Path codes = dir.resolve("bad.safetensors");
        SafeTensors.write(codes, java.util.List.of(Tensor.ofLongs("codes", new long[] {0, 1, 99, 2}, 1, 2, 2)), Map.of());
        MainTest.Run r = MainTest.run("codec", "decode", "--model", model.toString(), "--in", codes.toString(), "--out",
                dir.resolve("o.wav").toString());
        assertEquals(Command.USAGE, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("99") || r.err().contains("outside"), r.err());
    }
}
