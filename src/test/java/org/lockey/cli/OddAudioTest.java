package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lockey.audio.Audio;
import org.lockey.audio.MelConfig;
import org.lockey.audio.Resampler;
import org.lockey.audio.Wav;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.model.hifigan.HifiGanConfig;

/**
 * Odd audio through every command that reads audio (issue 22, part 4): digital silence, a DC offset, a sine railed at
 * full scale, speech as 8-bit unsigned, 16-bit, 24-bit PCM, 32-bit float (plain and {@code WAVE_FORMAT_EXTENSIBLE}),
 * stereo, at 16, 44.1 and 48 kHz, 20 ms, one hop more than a second, 10 samples, an empty data chunk, a float file with
 * a NaN and an infinity, and a float file eight times over full scale. Every (command, input) either exits 0 with a
 * sensible output (the model's rate, the expected length, finite samples, a note when resampled; a watermark that
 * reads back) or a negative answer, or exits 2 with one stderr line that names the file and the problem.
 */
class OddAudioTest {
    @TempDir
    static Path dir;
    static Path keyHifiGan;
    static Path keyEncodec;
    static Path reference;
    static final String MODELS = "reference-data/models/";
    static final long PAYLOAD = 0xBEEF;

    /** The inputs; each is written at the command's model rate unless it names a rate of its own. */
    enum Input {
        SILENCE, DC, CLIPPED, PCM_U8, PCM_16, PCM_24, FLOAT, FLOAT_EXTENSIBLE, STEREO, RATE_16K, RATE_44K, RATE_48K,
        /** 20 ms: one mel frame of the HiFi-GAN, one frame of the Encodec, less than one message period. */
        SHORT,
        /** One second and 100 samples: not a whole number of frames. */
        ODD_LENGTH,
        /** 10 samples: shorter than one frame of any model (eval sdr compares them). */
        TINY,
        /** A data chunk of 0 bytes. */
        EMPTY,
        /** 32-bit float with a NaN at sample 100 and an infinity at sample 200. */
        NON_FINITE,
        /** 32-bit float at eight times the speech, peaks near 7. */
        LOUD_FLOAT;

        /** The rate the file is written at, for a command whose model runs at {@code modelRate}. */
        int rate(int modelRate) {
            return switch (this) {
                case RATE_16K -> 16000;
                case RATE_44K -> 44100;
                case RATE_48K -> 48000;
                default -> modelRate;
            };
        }

    }

    /** The commands, each with its model's rate and the length of the clips it is given. */
    enum Cmd {
        VOCODE(22050, 1), GENERATE_HIFIGAN(22050, 1), GENERATE_ENCODEC(32000, 1), CODEC_ENCODE(32000, 1),
        // watermark reading takes 3 s: a clip of one or two message periods gives chance decodes (docs/silentcipher.md)
        TRACE(22050, 3), EMBED_22K(22050, 3), EMBED_32K(32000, 3), DETECT_22K(22050, 3), DETECT_32K(32000, 3),
        /** eval sdr with 1 s of the speech at 22.05 kHz, 16-bit, as --ref and the input as --est. */
        SDR_EST(22050, 1),
        /** eval sdr with the input as --ref and that speech as --est. */
        SDR_REF(22050, 1);

        final int rate;
        final double seconds;

        Cmd(int rate, double seconds) {
            this.rate = rate;
            this.seconds = seconds;
        }

        String watermark() {
            return MODELS + (rate == 22050 ? "watermark-22k" : "watermark-32k");
        }

        /** The command's name as Main prints it in errors. */
        String typed() {
            return switch (this) {
                case VOCODE -> "vocode";
                case GENERATE_HIFIGAN, GENERATE_ENCODEC -> "generate";
                case CODEC_ENCODE -> "codec encode";
                case TRACE -> "trace";
                case EMBED_22K, EMBED_32K -> "watermark embed";
                case DETECT_22K, DETECT_32K -> "watermark detect";
                case SDR_EST, SDR_REF -> "eval sdr";
            };
        }

        String[] args(Path in, Path out) {
            String i = in.toString();
            String o = out.toString();
            return switch (this) {
                case VOCODE -> new String[] {"vocode", "--model", MODELS + "hifigan", "--in", i, "--out", o};
                case GENERATE_HIFIGAN -> new String[] {"generate", "--model", MODELS + "lockey-hifigan", "--key-file",
                    keyHifiGan.toString(), "--in", i, "--out", o};
                case GENERATE_ENCODEC -> new String[] {"generate", "--model", MODELS + "lockey-encodec", "--key-file",
                    keyEncodec.toString(), "--in", i, "--out", o};
                case CODEC_ENCODE -> new String[] {"codec", "encode", "--model", MODELS + "encodec", "--in", i, "--out",
                    o};
                case TRACE -> new String[] {"trace", "--model", MODELS + "lockey-hifigan", "--registry",
                    MODELS + "registry-hifigan.json", "--in", i};
                case EMBED_22K, EMBED_32K -> new String[] {"watermark", "embed", "--model", watermark(), "--in", i,
                    "--payload", "0xBEEF", "--out", o};
                case DETECT_22K, DETECT_32K -> new String[] {"watermark", "detect", "--model", watermark(), "--in", i};
                case SDR_EST -> new String[] {"eval", "sdr", "--ref", reference.toString(), "--est", i};
                case SDR_REF -> new String[] {"eval", "sdr", "--ref", i, "--est", reference.toString()};
            };
        }
    }

    @BeforeAll
    static void keysAndReference() throws Exception {
        keyHifiGan = dir.resolve("key-hifigan");
        Files.writeString(keyHifiGan, validKey("registry-hifigan.json") + "\n");
        keyEncodec = dir.resolve("key-encodec");
        Files.writeString(keyEncodec, validKey("registry-encodec.json") + "\n");
        reference = dir.resolve("reference.wav");
        Wav.writePcm16(reference, Audio.mono(speech(22050, 22050), 22050));
    }

    static String validKey(String registry) throws Exception {
        return org.lockey.io.Json.read(Path.of(MODELS + registry)).get("valid_keys").get(0).asText();
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (Cmd c : Cmd.values()) {
            for (Input i : Input.values()) {
                all.add(Arguments.of(c, i));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void oddAudio(Cmd cmd, Input input) throws Exception {
        int rate = input.rate(cmd.rate);
        Path in = write(input, rate, cmd.seconds);
        Path out = dir.resolve(cmd + "-" + input + (cmd == Cmd.CODEC_ENCODE ? ".safetensors" : "-out.wav"));
        MainTest.Run r = MainTest.run(cmd.args(in, out));
        String what = cmd + " " + input + ": exit " + r.code() + "\nstdout: " + r.out() + "\nstderr: " + r.err();
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat ") || r.err().contains("internal error"),
                what);
        String refusal = refusal(cmd, input);
        if (refusal != null) {
            assertEquals(Command.USAGE, r.code(), what);
            List<String> lines = r.err().strip().lines().toList();
            assertEquals(1, lines.size(), "one line: " + what);
            assertTrue(lines.get(0).startsWith("lockey " + cmd.typed() + ": " + in + ": "), "names the file: " + what);
            assertTrue(lines.get(0).contains(refusal), "says '" + refusal + "': " + what);
            assertFalse(Files.exists(out), "no output: " + what);
            return;
        }
        for (String line : r.err().strip().lines().toList()) {
            assertTrue(line.startsWith("note: ") || line.startsWith("warning: ") || line.startsWith("generate ["),
                    "only notes, warnings and progress on stderr: " + what);
        }
        int samples = (int) Math.round(cmd.seconds * rate);
        int atModelRate = new Resampler(rate, cmd.rate).outputLength(length(input, samples, rate));
        // the input goes to the model's rate; eval sdr takes the estimate to the reference's
        boolean resampled = rate != cmd.rate;
        String note = switch (cmd) {
            case SDR_EST -> "note: " + in + " resampled from " + rate + " Hz to the reference's 22050 Hz";
            case SDR_REF -> "note: " + reference + " resampled from 22050 Hz to the reference's " + rate + " Hz";
            default -> "note: " + in + " resampled from " + rate + " Hz to the model's " + cmd.rate + " Hz";
        };
        assertEquals(resampled, r.err().contains(note), "resampling note: " + what);
        switch (cmd) {
            case VOCODE, GENERATE_HIFIGAN -> {
                assertEquals(0, r.code(), what);
                // the keyed model has the front-end of its base: n_fft 1024, hop 256
                MelConfig mel = HifiGanConfig.load(Path.of(MODELS + "hifigan/config.json")).melConfig();
                assertWav(out, 22050, 1, mel.frames(atModelRate) * mel.hopSize(), what);
            }
            case GENERATE_ENCODEC -> {
                assertEquals(0, r.code(), what);
                assertWav(out, 32000, 1, atModelRate, what);          // the input's length, not whole frames
            }
            case CODEC_ENCODE -> {
                assertEquals(0, r.code(), what);
                SafeTensors codes = SafeTensors.read(out);
                Tensor t = codes.get("codes");
                assertEquals(List.of(1, 4, (atModelRate + 639) / 640), Arrays.stream(t.intShape()).boxed().toList(),
                        what);
                assertEquals(Integer.toString(atModelRate), codes.metadata().get("samples"), what);
            }
            case TRACE -> {
                assertEquals(LockeyCommands.Trace.NOT_FOUND, r.code(), what);
                assertTrue(r.out().strip().startsWith(in + ": no watermark found")
                        && r.out().strip().endsWith("not traced to a user"), what);
            }
            case DETECT_22K, DETECT_32K -> {
                assertEquals(Command.NEGATIVE, r.code(), what);
                assertTrue(r.out().startsWith(input == Input.SILENCE ? "no watermark found (the audio is silent)"
                        : "no watermark found"), what);
            }
            case EMBED_22K, EMBED_32K -> {
                assertEquals(0, r.code(), what);
                // embed keeps the input's rate, channels and length; the watermark is added to every channel
                assertWav(out, rate, input == Input.STEREO ? 2 : 1, length(input, samples, rate), what);
                MainTest.Run detect = MainTest.run("watermark", "detect", "--model", cmd.watermark(), "--in",
                        out.toString());
                boolean readsBack = detect.code() == 0 && detect.out().startsWith("payload 0xBEEF ");
                // the warning appears exactly when detect does not find the payload in the file written
                assertEquals(!readsBack, r.err().contains("warning: " + out + ": the payload does not read back"),
                        what + "\ndetect: " + detect.out());
                // speech in any format, rate or channel count carries it; DC, railed and over-full-scale audio may not
                if (input != Input.DC && input != Input.CLIPPED && input != Input.LOUD_FLOAT) {
                    assertTrue(readsBack, "reads back: " + what + "\ndetect: " + detect.out() + detect.err());
                }
                assertEquals(input == Input.CLIPPED || input == Input.LOUD_FLOAT, r.err().contains("clips in 16-bit"),
                        what);
            }
            case SDR_EST, SDR_REF -> {
                assertEquals(0, r.code(), what);
                double db = parseDb(r.out());
                assertFalse(Double.isNaN(db), what);
                double min = switch (input) {
                    case PCM_U8 -> 30;                 // 8-bit quantisation of speech: 34 dB
                    case PCM_24, FLOAT, FLOAT_EXTENSIBLE -> 85;   // against the 16-bit reference
                    case RATE_16K, RATE_44K, RATE_48K -> 25;     // the same speech resampled there and back
                    case PCM_16, SHORT, ODD_LENGTH, TINY -> Double.POSITIVE_INFINITY;   // the same samples
                    default -> Double.NEGATIVE_INFINITY;
                };
                assertTrue(db >= min, what);
                if (input == Input.STEREO) {
                    // the mix is 0.9 x the speech: an error of 0.1 of the speech (20 dB), or of the mix (19.08 dB)
                    assertEquals(cmd == Cmd.SDR_EST ? 20.0 : 20 * Math.log10(9), db, 0.05, what);
                }
                if (input == Input.SILENCE) {
                    assertEquals(0.0, db, 1e-9, "silence against speech: " + what);
                }
                assertEquals(input == Input.SHORT || input == Input.ODD_LENGTH || input == Input.TINY,
                        r.err().contains("note: lengths differ"), what);
            }
            default -> throw new AssertionError(cmd);
        }
    }

    /**
     * eval sdr compares the first samples of the longer clip: when that stretch of the reference is silent the ratio
     * is 0 / 0 (it printed "NaN dB") or 0 / x, and it is refused in one line naming the reference.
     */
    @Test
    void evalSdrRefusesASilentStretchOfTheReference() throws Exception {
        float[] ref = new float[22050];
        System.arraycopy(speech(22050, 22050 - 100), 0, ref, 100, 22050 - 100);     // 100 samples of silence first
        Path refFile = dir.resolve("late-start.wav");
        Wav.writePcm16(refFile, Audio.mono(ref, 22050));
        Path est = dir.resolve("ten-zeros.wav");
        Wav.writePcm16(est, Audio.mono(new float[10], 22050));
        MainTest.Run r = MainTest.run("eval", "sdr", "--ref", refFile.toString(), "--est", est.toString());
        assertEquals(Command.USAGE, r.code(), r.out() + r.err());
        assertEquals("lockey eval sdr: " + refFile + ": the reference is silent (all of the first 10 samples are zero);"
                + " the SDR is undefined", r.err().strip());
        assertEquals("", r.out());
    }

    /** The refusal of a clip shorter than one message period (9 frames for both watermark models). */
    static final String PERIOD = " ms of audio is shorter than one message period of 9 frames";

    /** The words the one-line refusal of {@code input} by {@code cmd} contains, or null when it is not refused. */
    static String refusal(Cmd cmd, Input input) {
        boolean watermark = switch (cmd) {
            case TRACE, EMBED_22K, EMBED_32K, DETECT_22K, DETECT_32K -> true;
            default -> false;
        };
        return switch (input) {
            case EMPTY -> "the audio is empty";
            case NON_FINITE -> "sample 100 is NaN; audio must be finite";
            case SHORT -> watermark ? PERIOD : null;
            case TINY -> watermark ? PERIOD : switch (cmd) {
                case VOCODE, GENERATE_HIFIGAN -> "0.5 ms of audio is shorter than one mel frame of the model (385 samples"
                        + " at 22050 Hz, 17.5 ms)";
                case GENERATE_ENCODEC, CODEC_ENCODE -> "0.3 ms of audio is shorter than one frame of the model (640"
                        + " samples at 32000 Hz, 20.0 ms)";
                default -> null;                    // eval sdr compares the 10 samples
            };
            case SILENCE -> cmd == Cmd.EMBED_22K || cmd == Cmd.EMBED_32K ? "the audio is silent; there is nothing to"
                    + " watermark" : cmd == Cmd.SDR_REF ? "the reference is silent" : null;
            default -> null;
        };
    }

    static void assertWav(Path out, int rate, int channels, int frames, String what) {
        Audio a = Wav.read(out);
        assertEquals(rate, a.sampleRate(), "rate: " + what);
        assertEquals(channels, a.channelCount(), "channels: " + what);
        assertEquals(frames, a.frames(), "length: " + what);
        double energy = 0;
        for (float[] ch : a.channels()) {
            for (float v : ch) {
                assertTrue(Float.isFinite(v), "finite: " + what);
                energy += v * v;
            }
        }
        assertTrue(energy > 0, "not all zero: " + what);
    }

    static double parseDb(String out) {
        String s = out.strip();
        assertTrue(s.endsWith(" dB") && s.lines().count() == 1, out);
        return Double.parseDouble(s.substring(0, s.length() - 3));
    }

    /** The input's samples per channel for a clip of {@code samples} at {@code rate}. */
    static int length(Input input, int samples, int rate) {
        return switch (input) {
            case SHORT -> rate / 50;
            case ODD_LENGTH -> samples + 100;
            case TINY -> 10;
            case EMPTY -> 0;
            default -> samples;
        };
    }

    /**
     * {@code n} samples from 0.2 s on of a reference speech clip (4.6 s at 22.05 kHz, 16-bit) at {@code rate}: the clip
     * itself at 22.05 kHz, resampled at the other rates, so eval sdr across rates measures the resampling.
     */
    static float[] speech(int rate, int n) {
        float[] speech = Wav.read(Path.of("reference-data/speech/000.wav")).channels()[0];
        float[] x = rate == 22050 ? speech : Resampler.resample(speech, 22050, rate);
        int from = rate / 5;                    // from 0.2 s on: the clip opens with a few samples of silence
        assertTrue(from + n <= x.length, "the speech clip is long enough");
        return Arrays.copyOfRange(x, from, from + n);
    }

    private static final Map<String, Path> WRITTEN = new HashMap<>();

    /** The file of {@code input} at {@code rate}, {@code seconds} long before the input's own length rule. */
    static synchronized Path write(Input input, int rate, double seconds) throws Exception {
        String name = input + "-" + rate + "-" + seconds + ".wav";
        Path p = WRITTEN.get(name);
        if (p != null) {
            return p;
        }
        p = dir.resolve(name);
        // the speech at 22.05 kHz, 1 s, is the reference's samples exactly, so eval sdr compares like with like
        int n = length(input, (int) Math.round(seconds * rate), rate);
        float[] x = speech(rate, n);
        switch (input) {
            case SILENCE -> Wav.writePcm16(p, Audio.mono(new float[n], rate));
            case DC -> {
                float[] dc = new float[n];
                Arrays.fill(dc, 0.5f);
                Wav.writePcm16(p, Audio.mono(dc, rate));
            }
            case CLIPPED -> {
                float[] c = new float[n];
                for (int i = 0; i < n; i++) {
                    c[i] = (float) Math.max(-1, Math.min(1, 4 * Math.sin(2 * Math.PI * 220 * i / rate)));
                }
                Wav.writePcm16(p, Audio.mono(c, rate));
            }
            case PCM_U8 -> Wav.write(p, Audio.mono(x, rate), Wav.Encoding.PCM_U8);
            case PCM_24 -> Wav.write(p, Audio.mono(x, rate), Wav.Encoding.PCM_24);
            case FLOAT -> Wav.write(p, Audio.mono(x, rate), Wav.Encoding.FLOAT_32);
            case FLOAT_EXTENSIBLE -> writeExtensibleFloat(p, x, rate);
            case STEREO -> {
                float[] right = new float[n];
                for (int i = 0; i < n; i++) {
                    right[i] = 0.8f * x[i];
                }
                Wav.writePcm16(p, new Audio(new float[][] {x, right}, rate));
            }
            case NON_FINITE -> {
                x[100] = Float.NaN;
                x[200] = Float.POSITIVE_INFINITY;
                Wav.writeFloat32(p, Audio.mono(x, rate));
            }
            case LOUD_FLOAT -> {
                for (int i = 0; i < n; i++) {
                    x[i] *= 8;
                }
                Wav.writeFloat32(p, Audio.mono(x, rate));
            }
            default -> Wav.writePcm16(p, Audio.mono(x, rate));      // PCM_16, the rates, SHORT, ODD_LENGTH, TINY, EMPTY
        }
        Audio back = Wav.read(p);
        assertEquals(n, back.frames(), name);
        assertEquals(rate, back.sampleRate(), name);
        WRITTEN.put(name, p);
        return p;
    }

    /**
     * One channel of 32-bit float as {@code WAVE_FORMAT_EXTENSIBLE} (sub-format IEEE float, channel mask front
     * centre), which {@link Wav} writes only for more than two channels.
     */
    static void writeExtensibleFloat(Path p, float[] x, int rate) throws Exception {
        int data = 4 * x.length;
        ByteBuffer b = ByteBuffer.allocate(12 + 8 + 40 + 12 + 8 + data).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii("RIFF")).putInt(4 + 48 + 12 + 8 + data).put(ascii("WAVE"));
        b.put(ascii("fmt ")).putInt(40).putShort((short) 0xFFFE).putShort((short) 1).putInt(rate).putInt(rate * 4)
                .putShort((short) 4).putShort((short) 32);
        b.putShort((short) 22).putShort((short) 32).putInt(4);
        b.putShort((short) 3).put(new byte[] {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA,
            0x00, 0x38, (byte) 0x9B, 0x71});
        b.put(ascii("fact")).putInt(4).putInt(x.length);
        b.put(ascii("data")).putInt(data);
        for (float v : x) {
            b.putFloat(v);
        }
        Files.write(p, b.array());
        assertEquals(0xFFFE, ByteBuffer.wrap(Files.readAllBytes(p), 20, 2).order(ByteOrder.LITTLE_ENDIAN).getShort()
                & 0xFFFF);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
