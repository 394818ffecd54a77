package org.lockey.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

class WavTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------- a WAV builder independent of Wav

    /** Little-endian byte assembly for hand-made files. */
    static final class Bytes {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes ascii(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Bytes u16(int v) {
            out.write(v & 0xFF);
            out.write((v >> 8) & 0xFF);
            return this;
        }

        Bytes u32(long v) {
            u16((int) (v & 0xFFFF));
            return u16((int) ((v >> 16) & 0xFFFF));
        }

        Bytes raw(byte... b) {
            out.writeBytes(b);
            return this;
        }

        byte[] get() {
            return out.toByteArray();
        }
    }

    /** A chunk with its pad byte. */
    static byte[] chunk(String id, byte[] body) {
        Bytes b = new Bytes().ascii(id).u32(body.length).raw(body);
        if (body.length % 2 == 1) {
            b.raw((byte) 0);
        }
        return b.get();
    }

    static byte[] riff(byte[]... chunks) {
        Bytes body = new Bytes().ascii("WAVE");
        for (byte[] c : chunks) {
            body.raw(c);
        }
        byte[] b = body.get();
        return new Bytes().ascii("RIFF").u32(b.length).raw(b).get();
    }

    static byte[] fmt(int tag, int channels, int rate, int bits) {
        int block = channels * bits / 8;
        return chunk("fmt ", new Bytes().u16(tag).u16(channels).u32(rate).u32((long) rate * block).u16(block)
                .u16(bits).get());
    }

    static byte[] fmtExtensible(int subTag, int channels, int rate, int bits) {
        int block = channels * bits / 8;
        return chunk("fmt ", new Bytes().u16(0xFFFE).u16(channels).u32(rate).u32((long) rate * block).u16(block)
                .u16(bits).u16(22).u16(bits).u32(3).u16(subTag)
                .raw(new byte[] {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71})
                .get());
    }

    Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    // ---------------------------------------------------------------- decoding of hand-made files

    /** 8-bit unsigned PCM, stereo, with an odd-sized unknown chunk (pad byte) before the data. */
    @Test
    void readsPcm8WithOddChunkPadding() throws IOException {
        byte[] data = {0x00, (byte) 0x80, (byte) 0xFF, 0x40, (byte) 0xC0, 0x7F};
        Path p = file("u8.wav", riff(fmt(1, 2, 8000, 8), chunk("LIST", new byte[] {1, 2, 3}), chunk("data", data)));
        Audio a = Wav.read(p);
        assertEquals(8000, a.sampleRate());
        assertEquals(2, a.channelCount());
        assertArrayEquals(new float[] {-1f, 127 / 128f, 64 / 128f}, a.channels()[0]);
        assertArrayEquals(new float[] {0f, -64 / 128f, -1 / 128f}, a.channels()[1]);
    }

    /** 16-bit PCM, mono, odd rate; data chunk before fmt chunk, trailing unknown chunk. */
    @Test
    void readsPcm16ChunksInAnyOrder() throws IOException {
        byte[] data = new Bytes().u16(0x8000).u16(0x7FFF).u16(0).u16(0xFFFF).u16(0x4000).get();
        Path p = file("s16.wav", riff(chunk("data", data), fmt(1, 1, 12345, 16), chunk("junk", new byte[7])));
        Audio a = Wav.read(p);
        assertEquals(12345, a.sampleRate());
        assertArrayEquals(new float[] {-1f, 32767 / 32768f, 0f, -1 / 32768f, 0.5f}, a.channels()[0]);
    }

    /** 24-bit PCM mono with an odd data size (3 samples = 9 bytes + pad) and a missing final pad byte. */
    @Test
    void readsPcm24OddDataSize() throws IOException {
        byte[] data = {0x00, 0x00, (byte) 0x80, (byte) 0xFF, (byte) 0xFF, 0x7F, 0x01, 0x00, 0x00};
        byte[] withPad = riff(fmt(1, 1, 44100, 24), chunk("data", data));
        Audio a = Wav.read(file("s24.wav", withPad));
        assertArrayEquals(new float[] {-1f, 8388607 / 8388608f, 1 / 8388608f}, a.channels()[0]);
        // many writers omit the pad byte after the last chunk (and count the RIFF size without it)
        byte[] noPad = java.util.Arrays.copyOf(withPad, withPad.length - 1);
        ByteBuffer.wrap(noPad).order(ByteOrder.LITTLE_ENDIAN).putInt(4, noPad.length - 8);
        assertArrayEquals(a.channels()[0], Wav.read(file("s24nopad.wav", noPad)).channels()[0]);
    }

    /** 32-bit PCM, 3 channels, through WAVE_FORMAT_EXTENSIBLE. */
    @Test
    void readsPcm32Extensible() throws IOException {
        byte[] data = new Bytes().u32(0x80000000L).u32(0x40000000L).u32(1).get();
        Audio a = Wav.read(file("s32.wav", riff(fmtExtensible(1, 3, 96000, 32), chunk("data", data))));
        assertEquals(3, a.channelCount());
        assertEquals(-1f, a.channels()[0][0]);
        assertEquals(0.5f, a.channels()[1][0]);
        assertEquals((float) (1 / 2147483648.0), a.channels()[2][0]);
    }

    /** IEEE float 32 (plain tag, with fact chunk) and float 64 (extensible). */
    @Test
    void readsFloat32AndFloat64() throws IOException {
        ByteBuffer f = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.25f).putFloat(-1.5f).putFloat(1e-7f);
        Audio a = Wav.read(file("f32.wav", riff(fmt(3, 1, 16000, 32),
                chunk("fact", new Bytes().u32(3).get()), chunk("data", f.array()))));
        assertArrayEquals(new float[] {0.25f, -1.5f, 1e-7f}, a.channels()[0]);
        ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-0.75);
        Audio b = Wav.read(file("f64.wav", riff(fmtExtensible(3, 2, 22050, 64), chunk("data", d.array()))));
        assertEquals(2, b.channelCount());
        assertEquals(0.1f, b.channels()[0][0]);
        assertEquals(-0.75f, b.channels()[1][0]);
    }

    /** Streaming writers leave RIFF/data sizes at 0xFFFFFFFF: read to the end of the file; partial frames are dropped. */
    @Test
    void readsStreamingSizes() throws IOException {
        byte[] data = new Bytes().u16(0x4000).u16(0xC000).u16(0x2000).raw((byte) 7).get();
        byte[] b = new Bytes().ascii("RIFF").u32(0xFFFFFFFFL).ascii("WAVE").raw(fmt(1, 2, 8000, 16))
                .ascii("data").u32(0xFFFFFFFFL).raw(data).get();
        Audio a = Wav.read(file("stream.wav", b));
        assertArrayEquals(new float[] {0.5f}, a.channels()[0]);
        assertArrayEquals(new float[] {-0.5f}, a.channels()[1]);
    }

    // ---------------------------------------------------------------- writing

    static Audio randomAudio(long seed, int channels, int frames, int sr) {
        Random r = new Random(seed);
        float[][] ch = new float[channels][frames];
        for (float[] c : ch) {
            for (int i = 0; i < frames; i++) {
                c[i] = (float) (r.nextGaussian() * 0.4);
            }
        }
        if (frames > 2) {
            ch[0][0] = 1.0f; // full scale and beyond: clipped in PCM, kept in float
            ch[0][1] = -1.7f;
            ch[channels - 1][frames - 1] = 3.25f;
        }
        return new Audio(ch, sr);
    }

    /** What a PCM write-then-read must return: round to the 2^(bits-1) grid, clip to the code range. */
    static float expectedPcm(float x, int bits) {
        double full = Math.pow(2, bits - 1);
        double code = Math.max(-full, Math.min(full - 1, Math.rint(x * full))) + 0.0; // -0.0 -> 0
        return (float) (code / full);
    }

    /** Every encoding, 1/2/3/6 channels, odd frame counts: read(write(x)) is x quantised as documented. */
    @Test
    void roundTripEveryEncoding() {
        int seed = 0;
        for (Wav.Encoding e : Wav.Encoding.values()) {
            for (int channels : new int[] {1, 2, 3, 6}) {
                for (int frames : new int[] {0, 1, 101}) {
                    Audio in = randomAudio(seed++, channels, frames, 8000 + seed);
                    Path p = dir.resolve("rt-" + e + "-" + channels + "-" + frames + ".wav");
                    Wav.write(p, in, e);
                    Audio out = Wav.read(p);
                    assertEquals(in.sampleRate(), out.sampleRate(), e + " rate");
                    assertEquals(channels, out.channelCount(), e + " channels");
                    for (int c = 0; c < channels; c++) {
                        float[] expect = new float[frames];
                        for (int i = 0; i < frames; i++) {
                            float x = in.channels()[c][i];
                            expect[i] = switch (e) {
                                case FLOAT_32, FLOAT_64 -> x;
                                default -> expectedPcm(x, e.bytes() * 8);
                            };
                        }
                        assertArrayEquals(expect, out.channels()[c], e + " " + channels + "ch, channel " + c);
                    }
                }
            }
        }
    }

    /** The 16-bit header and bytes are the canonical 44-byte layout with the expected codes. */
    @Test
    void pcm16ByteLayout() throws IOException {
        Path p = dir.resolve("layout.wav");
        Wav.writePcm16(p, Audio.mono(new float[] {0f, 1f, -1f, 0.5f, -2f, 1.5f / 32768f, Float.NaN}, 22050));
        byte[] b = Files.readAllBytes(p);
        byte[] expect = riff(fmt(1, 1, 22050, 16), chunk("data", new Bytes().u16(0).u16(0x7FFF).u16(0x8000)
                .u16(0x4000).u16(0x8000).u16(2).u16(0).get()));
        assertArrayEquals(expect, b);
    }

    /** Writes are atomic: no temporary file remains, and an existing file is replaced completely. */
    @Test
    void writeIsAtomicAndClean() throws IOException {
        Path p = dir.resolve("sub/out.wav");
        Wav.writeFloat32(p, Audio.mono(new float[1000], 16000));
        Wav.writeFloat32(p, Audio.mono(new float[] {0.5f}, 16000));
        assertArrayEquals(new float[] {0.5f}, Wav.read(p).channels()[0]);
        try (Stream<Path> s = Files.list(p.getParent())) {
            assertEquals(1, s.count(), "only the target file remains");
        }
    }

    /** mono() is the per-sample mean of the channels. */
    @Test
    void monoIsMeanOfChannels() {
        Audio a = new Audio(new float[][] {{1f, 0.5f, -1f}, {0f, 0.5f, 1f}, {0.5f, -1f, 0.25f}}, 8000);
        assertArrayEquals(new float[] {0.5f, 0f, 0.25f / 3}, a.mono(), 1e-7f);
        float[] single = {0.1f, 0.2f};
        assertArrayEquals(single, Audio.mono(single, 8000).mono());
        assertThrows(IllegalArgumentException.class, () -> new Audio(new float[][] {{1f}, {1f, 2f}}, 8000));
    }

    // ---------------------------------------------------------------- malformed input

    void assertRejected(String name, byte[] content, String expectedFragment) throws IOException {
        Path p = file(name, content);
        LockeyException e = assertThrows(LockeyException.class, () -> Wav.read(p), name);
        assertTrue(e.getMessage().startsWith(p + ": "), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expectedFragment), name + ": " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }

    @Test
    void rejectsMalformedFiles() throws IOException {
        byte[] data = chunk("data", new byte[8]);
        assertRejected("empty.wav", new byte[0], "not a WAV file");
        assertRejected("text.wav", "hello, this is not audio at all".getBytes(StandardCharsets.US_ASCII), "not a WAV file");
        assertRejected("avi.wav", new Bytes().ascii("RIFF").u32(4).ascii("AVI ").get(), "not a WAV file");
        assertRejected("rf64.wav", new Bytes().ascii("RF64").u32(0xFFFFFFFFL).ascii("WAVE").get(), "RF64");
        assertRejected("nofmt.wav", riff(data), "no 'fmt ' chunk");
        assertRejected("nodata.wav", riff(fmt(1, 1, 8000, 16)), "no 'data' chunk");
        assertRejected("adpcm.wav", riff(fmt(2, 1, 8000, 4), data), "0x0002");
        assertRejected("mulaw.wav", riff(fmt(7, 1, 8000, 8), data), "0x0007");
        assertRejected("pcm12.wav", riff(fmt(1, 1, 8000, 12), data), "12 bits");
        assertRejected("float16.wav", riff(fmt(3, 1, 8000, 16), data), "16 bits");
        assertRejected("zerochannels.wav", riff(fmt(1, 0, 8000, 16), data), "0 channels");
        assertRejected("zerorate.wav", riff(fmt(1, 1, 0, 16), data), "sample rate");
        assertRejected("shortfmt.wav", riff(chunk("fmt ", new byte[10]), data), "too short");
        byte[] badGuid = fmtExtensible(1, 1, 8000, 16);
        badGuid[8 + 30] ^= 0x55;
        assertRejected("guid.wav", riff(badGuid, data), "GUID");
        byte[] badAlign = fmt(1, 2, 8000, 16);
        badAlign[8 + 12] = 3;
        assertRejected("align.wav", riff(badAlign, data), "block size");
        assertRejected("twodata.wav", riff(fmt(1, 1, 8000, 16), data, data), "two 'data'");
        // a chunk claiming 2 GB in a tiny file: caught before allocating
        byte[] huge = new Bytes().ascii("RIFF").u32(0xFFFFFFFFL).ascii("WAVE").raw(fmt(1, 1, 8000, 16))
                .ascii("data").u32(0x7FFFFFF0L).raw(new byte[16]).get();
        assertRejected("huge.wav", huge, "truncated");
        byte[] whole = riff(fmt(1, 1, 8000, 16), data);
        assertRejected("cut.wav", java.util.Arrays.copyOf(whole, whole.length - 3), "truncated");
        LockeyException e = assertThrows(LockeyException.class, () -> Wav.read(dir.resolve("missing.wav")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    /** A valid file of a generated format, channel count and length. */
    byte[] validFile(int encodingIndex, int channels, int frames, long seed) throws IOException {
        Wav.Encoding e = Wav.Encoding.values()[encodingIndex];
        Path p = dir.resolve("valid.wav");
        Wav.write(p, randomAudio(seed, channels, frames, 16000), e);
        return Files.readAllBytes(p);
    }

    /** Property: every proper truncation of a valid file is rejected with a LockeyException, nothing else. */
    @Test
    void truncationsGiveLockeyException() {
        qt().withFixedSeed(4242L).withExamples(150)
                .forAll(integers().between(0, Wav.Encoding.values().length - 1), integers().between(1, 5),
                        integers().between(0, 40), longs().all())
                .checkAssert((enc, channels, frames, seed) -> {
                    try {
                        byte[] valid = validFile(enc, channels, frames, seed);
                        int cut = (int) Math.floorMod(seed, (long) valid.length);
                        Path p = file("trunc.wav", java.util.Arrays.copyOf(valid, cut));
                        LockeyException e = assertThrows(LockeyException.class, () -> Wav.read(p),
                                "cut at " + cut + " of " + valid.length);
                        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
                    } catch (IOException io) {
                        fail(io);
                    }
                });
    }

    /**
     * Property: random byte corruptions (biased to the header) give either a valid Audio or a
     * LockeyException — never another exception or an out-of-memory error.
     */
    @Test
    void corruptionsGiveAudioOrLockeyException() {
        qt().withFixedSeed(777L).withExamples(300)
                .forAll(integers().between(0, Wav.Encoding.values().length - 1), integers().between(1, 4),
                        integers().between(1, 6), longs().all())
                .checkAssert((enc, channels, hits, seed) -> {
                    try {
                        byte[] b = validFile(enc, channels, 7, seed);
                        Random r = new Random(seed);
                        for (int h = 0; h < hits; h++) {
                            int pos = r.nextInt(4) > 0 ? r.nextInt(Math.min(b.length, 80)) : r.nextInt(b.length);
                            b[pos] = r.nextBoolean() ? (byte) r.nextInt(256) : (byte) (r.nextBoolean() ? 0xFF : 0x7F);
                        }
                        Path p = file("corrupt.wav", b);
                        try {
                            Audio a = Wav.read(p);
                            assertTrue(a.channelCount() >= 1 && a.sampleRate() >= 1);
                            assertTrue((long) a.channelCount() * a.frames() * 1 <= b.length, "no more samples than bytes");
                        } catch (LockeyException expected) {
                            assertTrue(expected.getMessage().startsWith(p + ": "), expected.getMessage());
                        }
                    } catch (IOException io) {
                        fail(io);
                    }
                });
    }

    /**
     * A streamed write is byte for byte the file of the whole clip, whatever the pieces (including an odd data size,
     * which needs the pad byte); a source that gives another number of samples than declared leaves no file.
     */
    @Test
    void streamedWriteEqualsTheWholeWriteAndChecksItsLength() throws IOException {
        Random rng = new Random(5);
        for (Wav.Encoding e : new Wav.Encoding[] {Wav.Encoding.PCM_16, Wav.Encoding.PCM_U8, Wav.Encoding.FLOAT_32}) {
            int n = 300_001;                                            // odd: PCM_U8's data needs the pad byte
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (1.2 * rng.nextGaussian() / 3);          // some samples beyond [-1, 1]: clipped alike
            }
            Path whole = dir.resolve("whole-" + e + ".wav");
            Path streamed = dir.resolve("streamed-" + e + ".wav");
            Wav.write(whole, Audio.mono(x, 16000), e);
            Wav.writeStreamed(streamed, 16000, n, e, sink -> {
                for (int from = 0, piece = 1; from < n; from += piece, piece = piece * 3 + 1) {
                    sink.write(x, from, Math.min(n, from + piece));
                }
            });
            assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(streamed), e.toString());
        }
        Path shortOne = dir.resolve("short.wav");
        IllegalStateException fewer = assertThrows(IllegalStateException.class, () -> Wav.writeStreamed(shortOne,
                16000, 10, Wav.Encoding.PCM_16, sink -> sink.write(new float[9], 0, 9)));
        assertTrue(fewer.getMessage().contains("gave 9 of the 10 samples"), fewer.getMessage());
        assertThrows(IllegalStateException.class, () -> Wav.writeStreamed(shortOne, 16000, 10, Wav.Encoding.PCM_16,
                sink -> sink.write(new float[11], 0, 11)));
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains("short")), "no file, no temporary");
        }
    }
}
