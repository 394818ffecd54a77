package org.lockey.distortion;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

import javax.sound.sampled.AudioFormat;

import org.lockey.LockeyException;

import de.sciss.jump3r.lowlevel.LameEncoder;
import de.sciss.jump3r.mp3.Encoder;
import de.sciss.jump3r.mp3.VBRTag;
import de.sciss.jump3r.mpg.Common;
import de.sciss.jump3r.mpg.Interface;
import de.sciss.jump3r.mpg.MPGLib;

/**
 * MP3 in pure Java: jump3r ({@code de.sciss:jump3r}, a port of LAME 3.98.4 and its mpglib decoder),
 * the MP3 engine of the {@link CodecBackend#MAVEN} backend.
 *
 * <p>Exactly what ffmpeg's libmp3lame does with {@code -b:a <N>k} on a two-channel input: constant
 * bit rate, joint stereo, LAME's default quality {@value #QUALITY}, and the output rate forced to
 * the input rate (LAME alone would drop 64 kbit/s to 24 kHz; ffmpeg sets the output rate). Samples
 * go in as 32-bit integers (no 16-bit rounding) and come out of the decoder unclipped as floats.
 * The decoded stream starts {@value #DECODED_DELAY} samples late: mpglib here decodes LAME's tag
 * frame as one frame of silence (1152), then come the encoder delay (576) and the decoder delay
 * (528 + 1); they are cut, so the lag {@link Alignment} measures afterwards is 0.
 *
 * <p>jump3r fills static tables when an encoder or decoder starts, so round trips are serialised.
 */
public final class Jump3rMp3 implements CodecEngine {
    /** LAME's quality switch (0 best .. 9 fastest): 3, the library's default, which ffmpeg keeps. */
    public static final int QUALITY = 3;
    /** Samples of the decoded stream before the first input sample (tag frame, encoder and decoder delay). */
    public static final int DECODED_DELAY = 1152 + Encoder.ENCDELAY + 528 + 1;
    /** Samples per MPEG-1 layer III frame, and the decoder's output per call. */
    private static final int FRAME = 1152;
    private static final Object JUMP3R_STATIC_TABLES = new Object();

    @Override
    public String encoder() {
        return "LAME 3.98.4 in pure Java (jump3r " + LameEncoder.class.getPackage().getImplementationVersion() + ")";
    }

    @Override
    public Optional<String> problem() {
        return Optional.empty();
    }

    @Override
    public float[] roundTrip(float[] x, int sampleRate, int kbps) {
        synchronized (JUMP3R_STATIC_TABLES) {
            float[] decoded = decode(encode(x, sampleRate, kbps));
            return Arrays.copyOfRange(decoded, Math.min(DECODED_DELAY, decoded.length), decoded.length);
        }
    }

    /** The MP3 stream of {@code x} as two equal channels at {@code kbps} kbit/s CBR. */
    static byte[] encode(float[] x, int sampleRate, int kbps) {
        AudioFormat pcm = new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, sampleRate, 32, 2, 8, sampleRate, false);
        LameEncoder enc = new LameEncoder(pcm, kbps, LameEncoder.CHANNEL_MODE_JOINT_STEREO, QUALITY, false);
        try {
            // again with a target format: it fixes the output rate to the input's (as ffmpeg does)
            enc.setFormat(pcm, new AudioFormat(sampleRate, 16, 2, true, false));
            if (enc.getEffectiveBitRate() != kbps || enc.getEffectiveSampleRate() != sampleRate) {
                throw new LockeyException("LAME (jump3r) cannot encode " + kbps + " kbit/s at " + sampleRate
                        + " Hz (it chose " + enc.getEffectiveBitRate() + " kbit/s at " + enc.getEffectiveSampleRate()
                        + " Hz)");
            }
            ByteBuffer samples = ByteBuffer.allocate(x.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : x) {
                int s = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Math.round(v * 2147483648.0)));
                samples.putInt(s).putInt(s);
            }
            byte[] in = samples.array();
            ByteArrayOutputStream mp3 = new ByteArrayOutputStream(x.length * kbps / 300 + 8192);
            // LAME's worst case per call: 1.25 samples + 7200 bytes
            int chunk = enc.getPCMBufferSize();
            byte[] out = new byte[chunk / 8 * 5 / 4 + 7200];
            for (int off = 0; off < in.length; off += chunk) {
                mp3.write(out, 0, enc.encodeBuffer(in, off, Math.min(chunk, in.length - off), out));
            }
            mp3.write(out, 0, enc.encodeFinish(out));
            return mp3.toByteArray();
        } finally {
            enc.close();
        }
    }

    /** The mean of the decoded channels of an MP3 stream, scaled to [-1, 1] (unclipped). */
    static float[] decode(byte[] mp3) {
        MPGLib mpg = new MPGLib();
        Interface intf = new Interface();
        Common common = new Common();
        mpg.setModules(intf, common);
        intf.setModules(new VBRTag(), common);
        MPGLib.mpstr_tag hip = mpg.hip_decode_init();
        float[] left = new float[FRAME];
        float[] right = new float[FRAME];
        float[] y = new float[FRAME * 64];
        int n = 0;
        try {
            // the whole stream goes in with the first call (which may return no samples: it parses the tag frame);
            // later calls (length 0) drain it frame by frame until the decoder needs more data
            int got = mpg.hip_decode1_unclipped(hip, mp3, 0, mp3.length, left, right);
            do {
                if (got < 0) {
                    throw new LockeyException("jump3r cannot decode its own MP3 stream (frame after sample " + n + ")");
                }
                if (n + got > y.length) {
                    y = Arrays.copyOf(y, 2 * y.length);
                }
                for (int i = 0; i < got; i++) {
                    y[n + i] = (left[i] + right[i]) / (2 * 32768f);
                }
                n += got;
                got = mpg.hip_decode1_unclipped(hip, mp3, 0, 0, left, right);
            } while (got != 0);
        } finally {
            mpg.hip_decode_exit(hip);
        }
        return Arrays.copyOf(y, n);
    }
}
