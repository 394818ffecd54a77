package org.lockey.audio;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;

/**
 * WAV (RIFF/WAVE) files: read into {@link Audio}, write 8/16/24/32-bit PCM or 32/64-bit IEEE float.
 *
 * <p><b>Reading</b> accepts {@code WAVE_FORMAT_PCM} (8-bit unsigned, 16/24/32-bit signed),
 * {@code WAVE_FORMAT_IEEE_FLOAT} (32/64-bit) and {@code WAVE_FORMAT_EXTENSIBLE} with either of these
 * sub-formats, any channel count and any rate. Chunks other than {@code fmt } and {@code data} are
 * skipped, in any order, with RIFF's pad byte after odd-sized chunks (a missing pad byte at the very
 * end of the file is tolerated). Integer samples are scaled by {@code 1 / 2^(bits-1)} (8-bit:
 * {@code (u - 128) / 128}), the convention of libsndfile and {@code soundfile}, so full scale is
 * [-1, 1). A RIFF or data size of {@code 0xFFFFFFFF} (written by streaming encoders that could not
 * seek back) means "up to the end of the file"; a RIFF size of 0 likewise. Bytes of a trailing
 * partial frame are ignored.
 *
 * <p>Every size the file claims is checked against the file's real size before anything is
 * allocated, so a truncated, corrupt, non-WAV or unsupported file fails with a one-line
 * {@link LockeyException} {@code "<path>: <problem>"} and never with an index or memory error; the
 * largest allocation is about 4 bytes per byte of sample data.
 *
 * <p><b>Writing</b> goes through {@link AtomicFiles} (temporary file, then rename), so a reader sees
 * the old file or the complete new one. PCM samples are {@code round(x * 2^(bits-1))} clipped to the
 * integer range (so 1.0 becomes the largest positive code; NaN becomes 0) — reading back gives the
 * input exactly whenever it was already on that grid. Float formats store the values unchanged. Files
 * with more than two channels use {@code WAVE_FORMAT_EXTENSIBLE} (channel mask 0, unassigned);
 * float files carry the {@code fact} chunk the format requires.
 */
public final class Wav {
    /** Sample encodings {@link #write} can produce (and {@link #read} accepts). */
    public enum Encoding {
        /** 8-bit unsigned PCM (offset 128). */
        PCM_U8(FORMAT_PCM, 8),
        /** 16-bit signed PCM, the usual CD-style format. */
        PCM_16(FORMAT_PCM, 16),
        /** 24-bit signed PCM. */
        PCM_24(FORMAT_PCM, 24),
        /** 32-bit signed PCM. */
        PCM_32(FORMAT_PCM, 32),
        /** 32-bit IEEE float, stores float samples exactly. */
        FLOAT_32(FORMAT_FLOAT, 32),
        /** 64-bit IEEE float. */
        FLOAT_64(FORMAT_FLOAT, 64);

        final int formatTag;
        final int bits;

        Encoding(int formatTag, int bits) {
            this.formatTag = formatTag;
            this.bits = bits;
        }

        /** Bytes per sample. */
        public int bytes() {
            return bits / 8;
        }

        static Encoding of(int formatTag, int bits) {
            for (Encoding e : values()) {
                if (e.formatTag == formatTag && e.bits == bits) {
                    return e;
                }
            }
            return null;
        }
    }

    static final int FORMAT_PCM = 1;
    static final int FORMAT_FLOAT = 3;
    static final int FORMAT_EXTENSIBLE = 0xFFFE;
    /** Bytes 2..15 of the KSDATAFORMAT_SUBTYPE GUIDs (the first two bytes are the format tag). */
    private static final byte[] GUID_TAIL = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00,
        0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71};
    private static final long UNKNOWN_SIZE = 0xFFFFFFFFL;
    /** Samples decoded per read while streaming the data chunk. */
    private static final int BLOCK_BYTES = 1 << 20;

    private Wav() {
    }

    /** Where the sample data is and how it is encoded. */
    private record Format(Encoding encoding, int channels, int sampleRate) {
    }

    /**
     * Reads a WAV file.
     *
     * @throws LockeyException {@code "<path>: <problem>"} if the file is missing, unreadable, not a
     *         WAV file, truncated, inconsistent or in an unsupported sample format
     */
    public static Audio read(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(ch, path);
        } catch (NoSuchFileException e) {
            throw new LockeyException(path + ": no such file");
        } catch (IOException e) {
            throw new LockeyException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static Audio read(FileChannel ch, Path path) throws IOException {
        long size = ch.size();
        if (size < 12) {
            throw bad(path, "not a WAV file (only " + size + " bytes)");
        }
        ByteBuffer head = readAt(ch, 0, 12, path);
        String riff = fourCc(head, 0);
        String wave = fourCc(head, 8);
        if (riff.equals("RIFX") || riff.equals("RF64") || riff.equals("BW64")) {
            throw bad(path, "unsupported WAV variant '" + riff + "' (only little-endian RIFF)");
        }
        if (!riff.equals("RIFF") || !wave.equals("WAVE")) {
            throw bad(path, "not a WAV file (no RIFF/WAVE header)");
        }
        long riffSize = u32(head, 4);
        long end;
        if (riffSize == UNKNOWN_SIZE || riffSize == 0) {
            end = size;
        } else {
            end = 8 + riffSize;
            if (end > size) {
                throw bad(path, "truncated (the RIFF header declares " + end + " bytes, the file has "
                        + size + ")");
            }
        }
        Format format = null;
        long dataPos = -1;
        long dataSize = -1;
        long pos = 12;
        while (pos + 8 <= end) {
            ByteBuffer h = readAt(ch, pos, 8, path);
            String id = fourCc(h, 0);
            long chunkSize = u32(h, 4);
            long body = pos + 8;
            if (chunkSize == UNKNOWN_SIZE && id.equals("data")) {
                chunkSize = end - body;
            }
            if (chunkSize > end - body) {
                throw bad(path, "truncated (chunk '" + printable(id) + "' at byte " + pos + " declares "
                        + chunkSize + " bytes, " + (end - body) + " remain)");
            }
            if (id.equals("fmt ")) {
                if (format != null) {
                    throw bad(path, "two 'fmt ' chunks");
                }
                format = parseFormat(ch, body, chunkSize, path);
            } else if (id.equals("data")) {
                if (dataPos >= 0) {
                    throw bad(path, "two 'data' chunks");
                }
                dataPos = body;
                dataSize = chunkSize;
            }
            pos = body + chunkSize + (chunkSize & 1);
        }
        if (format == null) {
            throw bad(path, "no 'fmt ' chunk");
        }
        if (dataPos < 0) {
            throw bad(path, "no 'data' chunk");
        }
        return decode(ch, dataPos, dataSize, format, path);
    }

    private static Format parseFormat(FileChannel ch, long body, long chunkSize, Path path) throws IOException {
        if (chunkSize < 16) {
            throw bad(path, "'fmt ' chunk of " + chunkSize + " bytes is too short (needs 16)");
        }
        ByteBuffer f = readAt(ch, body, (int) Math.min(chunkSize, 40), path);
        int tag = u16(f, 0);
        int channels = u16(f, 2);
        long rate = u32(f, 4);
        int blockAlign = u16(f, 12);
        int bits = u16(f, 14);
        if (tag == FORMAT_EXTENSIBLE) {
            if (chunkSize < 40 || u16(f, 16) < 22) {
                throw bad(path, "WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is too short");
            }
            int subTag = u16(f, 24);
            for (int i = 0; i < GUID_TAIL.length; i++) {
                if (f.get(26 + i) != GUID_TAIL[i]) {
                    throw bad(path, "unsupported WAVE_FORMAT_EXTENSIBLE sub-format (unknown GUID)");
                }
            }
            tag = subTag;
        }
        if (tag != FORMAT_PCM && tag != FORMAT_FLOAT) {
            throw bad(path, String.format("unsupported sample format 0x%04X (only PCM and IEEE float)", tag));
        }
        Encoding enc = Encoding.of(tag, bits);
        if (enc == null) {
            throw bad(path, "unsupported " + (tag == FORMAT_PCM ? "PCM" : "IEEE float") + " sample size of "
                    + bits + " bits");
        }
        if (channels < 1) {
            throw bad(path, "0 channels");
        }
        if (rate < 1 || rate > Integer.MAX_VALUE) {
            throw bad(path, "invalid sample rate " + rate);
        }
        if (blockAlign != channels * enc.bytes()) {
            throw bad(path, "inconsistent block size " + blockAlign + " for " + channels + " channels of "
                    + bits + " bits");
        }
        return new Format(enc, channels, (int) rate);
    }

    private static Audio decode(FileChannel ch, long dataPos, long dataSize, Format fmt, Path path)
            throws IOException {
        int channels = fmt.channels();
        int sampleBytes = fmt.encoding().bytes();
        int frameBytes = channels * sampleBytes;
        long frames = dataSize / frameBytes;
        if (frames > Integer.MAX_VALUE - 8) {
            throw bad(path, "too long (" + frames + " frames per channel; at most " + (Integer.MAX_VALUE - 8)
                    + " are supported)");
        }
        long bytesNeeded = frames * channels * Float.BYTES;
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (bytesNeeded > available) {
            throw bad(path, "too large to load (" + frames + " frames x " + channels + " channels need "
                    + (bytesNeeded >> 20) + " MiB, about " + (available >> 20) + " MiB are free)");
        }
        int n = (int) frames;
        float[][] out = new float[channels][n];
        int framesPerBlock = Math.max(1, BLOCK_BYTES / frameBytes);
        int done = 0;
        while (done < n) {
            int count = Math.min(framesPerBlock, n - done);
            ByteBuffer b = readAt(ch, dataPos + (long) done * frameBytes, count * frameBytes, path);
            int p = 0;
            for (int i = 0; i < count; i++) {
                for (int c = 0; c < channels; c++) {
                    out[c][done + i] = sample(b, p, fmt.encoding());
                    p += sampleBytes;
                }
            }
            done += count;
        }
        return new Audio(out, fmt.sampleRate());
    }

    private static float sample(ByteBuffer b, int p, Encoding e) {
        switch (e) {
            case PCM_U8:
                return ((b.get(p) & 0xFF) - 128) / 128f;
            case PCM_16:
                return b.getShort(p) / 32768f;
            case PCM_24: {
                int v = (b.get(p) & 0xFF) | (b.get(p + 1) & 0xFF) << 8 | b.get(p + 2) << 16;
                return v / 8388608f;
            }
            case PCM_32:
                return (float) (b.getInt(p) / 2147483648.0);
            case FLOAT_32:
                return b.getFloat(p);
            case FLOAT_64:
                return (float) b.getDouble(p);
            default:
                throw new AssertionError(e);
        }
    }

    /** Writes 16-bit PCM (clipped, rounded). */
    public static void writePcm16(Path path, Audio audio) {
        write(path, audio, Encoding.PCM_16);
    }

    /** Writes 32-bit IEEE float (exact). */
    public static void writeFloat32(Path path, Audio audio) {
        write(path, audio, Encoding.FLOAT_32);
    }

    /**
     * Writes {@code audio} atomically in the given encoding.
     *
     * @throws LockeyException {@code "<path>: <problem>"} if the file cannot be written or the audio
     *         does not fit the 4 GiB limit of RIFF
     */
    public static void write(Path path, Audio audio, Encoding encoding) {
        byte[] header = header(path, audio.channelCount(), audio.sampleRate(), audio.frames(), encoding);
        long dataSize = (long) audio.channelCount() * encoding.bytes() * audio.frames();
        AtomicFiles.write(path, out -> {
            out.write(header);
            writeSamples(out, audio, encoding);
            if ((dataSize & 1) == 1) {
                out.write(0);
            }
        });
    }

    /** Receives the samples of a streamed write ({@link #writeStreamed}), in order, in pieces of any length. */
    public interface SampleSink {
        /** Writes {@code samples[from, to)}. */
        void write(float[] samples, int from, int to) throws IOException;

        /**
         * This sink as a consumer of whole pieces, for producers that hand audio to a {@code Consumer} (an I/O error is
         * rethrown as {@link java.io.UncheckedIOException}).
         */
        default java.util.function.Consumer<float[]> wholePieces() {
            return piece -> {
                try {
                    write(piece, 0, piece.length);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
        }
    }

    /** Produces the samples of a streamed write into its sink. */
    @FunctionalInterface
    public interface SampleSource {
        void writeTo(SampleSink sink) throws IOException;
    }

    /**
     * Writes a one-channel clip of exactly {@code frames} samples that {@code source} produces piece by piece, so that
     * a long output is never held whole: the same file as {@link #write(Path, Audio, Encoding)} of those samples,
     * written atomically (nothing appears at {@code path} if the source fails or gives another number of samples).
     */
    public static void writeStreamed(Path path, int sampleRate, int frames, Encoding encoding, SampleSource source) {
        byte[] header = header(path, 1, sampleRate, frames, encoding);
        long dataSize = (long) encoding.bytes() * frames;
        AtomicFiles.write(path, out -> {
            out.write(header);
            ByteBuffer b = ByteBuffer.allocate(BLOCK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            long[] written = {0};
            source.writeTo((samples, from, to) -> {
                if (written[0] + (to - from) > frames) {
                    throw new IllegalStateException(path + ": the source gives more than the " + frames
                            + " samples declared");
                }
                for (int i = from; i < to; i++) {
                    if (b.remaining() < encoding.bytes()) {
                        out.write(b.array(), 0, b.position());
                        b.clear();
                    }
                    putSample(b, samples[i], encoding);
                }
                written[0] += to - from;
            });
            out.write(b.array(), 0, b.position());
            if (written[0] != frames) {
                throw new IllegalStateException(path + ": the source gave " + written[0] + " of the " + frames
                        + " samples declared");
            }
            if ((dataSize & 1) == 1) {
                out.write(0);
            }
        });
    }

    /** The RIFF header up to the data chunk's size field, checked against the format's limits. */
    private static byte[] header(Path path, int channels, int sampleRate, int frames, Encoding encoding) {
        if (channels > 0xFFFF) {
            throw new LockeyException(path + ": " + channels + " channels do not fit a WAV file (max 65535)");
        }
        long frameBytes = (long) channels * encoding.bytes();
        long dataSize = frameBytes * frames;
        boolean extensible = channels > 2;
        boolean isFloat = encoding.formatTag == FORMAT_FLOAT;
        int fmtSize = extensible ? 40 : isFloat ? 18 : 16;
        int factSize = isFloat ? 12 : 0;
        long riffSize = 4 + (8 + fmtSize) + factSize + 8 + dataSize + (dataSize & 1);
        if (riffSize > 0xFFFFFFFFL - 8) {
            throw new LockeyException(path + ": " + frames + " frames of " + channels
                    + " channels exceed the 4 GiB limit of a WAV file");
        }
        if (frameBytes > 0xFFFF) {
            throw new LockeyException(path + ": " + channels + " channels of " + encoding.bits
                    + " bits exceed the WAV block size limit");
        }
        ByteBuffer h = ByteBuffer.allocate(12 + 8 + fmtSize + factSize + 8).order(ByteOrder.LITTLE_ENDIAN);
        h.put(ascii("RIFF")).putInt((int) riffSize).put(ascii("WAVE"));
        h.put(ascii("fmt ")).putInt(fmtSize);
        h.putShort((short) (extensible ? FORMAT_EXTENSIBLE : encoding.formatTag));
        h.putShort((short) channels);
        h.putInt(sampleRate);
        h.putInt((int) (sampleRate * frameBytes));
        h.putShort((short) frameBytes);
        h.putShort((short) encoding.bits);
        if (extensible) {
            h.putShort((short) 22).putShort((short) encoding.bits).putInt(0);
            h.putShort((short) encoding.formatTag).put(GUID_TAIL);
        } else if (isFloat) {
            h.putShort((short) 0);
        }
        if (isFloat) {
            h.put(ascii("fact")).putInt(4).putInt(frames);
        }
        h.put(ascii("data")).putInt((int) dataSize);
        return h.array();
    }

    private static void writeSamples(OutputStream out, Audio audio, Encoding e) throws IOException {
        int channels = audio.channelCount();
        int frames = audio.frames();
        int frameBytes = channels * e.bytes();
        int framesPerBlock = Math.max(1, BLOCK_BYTES / frameBytes);
        ByteBuffer b = ByteBuffer.allocate(framesPerBlock * frameBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < frames; start += framesPerBlock) {
            int count = Math.min(framesPerBlock, frames - start);
            b.clear();
            for (int i = start; i < start + count; i++) {
                for (int c = 0; c < channels; c++) {
                    putSample(b, audio.channels()[c][i], e);
                }
            }
            out.write(b.array(), 0, b.position());
        }
    }

    /** One sample in encoding {@code e}, little-endian. */
    private static void putSample(ByteBuffer b, float x, Encoding e) {
        switch (e) {
            case PCM_U8 -> b.put((byte) (quantize(x, 8) + 128));
            case PCM_16 -> b.putShort((short) quantize(x, 16));
            case PCM_24 -> {
                int v = quantize(x, 24);
                b.put((byte) v).put((byte) (v >> 8)).put((byte) (v >> 16));
            }
            case PCM_32 -> b.putInt(quantize(x, 32));
            case FLOAT_32 -> b.putFloat(x);
            case FLOAT_64 -> b.putDouble(x);
            default -> throw new AssertionError(e);
        }
    }

    /** {@code round(x * 2^(bits-1))} (half to even) clipped to {@code [-2^(bits-1), 2^(bits-1) - 1]}; NaN to 0. */
    static int quantize(float x, int bits) {
        if (Float.isNaN(x)) {
            return 0;
        }
        double full = Math.scalb(1.0, bits - 1);
        double v = Math.rint(x * full);
        return (int) Math.max(-full, Math.min(full - 1, v));
    }

    private static ByteBuffer readAt(FileChannel ch, long pos, int n, Path path) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw bad(path, "truncated (unexpected end of file at byte " + (pos + b.position()) + ")");
            }
        }
        return b;
    }

    private static String fourCc(ByteBuffer b, int off) {
        byte[] id = new byte[4];
        for (int i = 0; i < 4; i++) {
            id[i] = b.get(off + i);
        }
        return new String(id, StandardCharsets.ISO_8859_1);
    }

    private static String printable(String id) {
        StringBuilder s = new StringBuilder();
        for (char c : id.toCharArray()) {
            s.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return s.toString();
    }

    private static long u32(ByteBuffer b, int off) {
        return b.getInt(off) & 0xFFFFFFFFL;
    }

    private static int u16(ByteBuffer b, int off) {
        return b.getShort(off) & 0xFFFF;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static LockeyException bad(Path path, String problem) {
        return new LockeyException(path + ": " + problem);
    }
}
