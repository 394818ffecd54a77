package org.lockey.data;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.SplittableRandom;

import javax.sound.midi.MidiMessage;
import javax.sound.midi.MidiSystem;
import javax.sound.midi.MidiUnavailableException;
import javax.sound.midi.Receiver;
import javax.sound.midi.ShortMessage;
import javax.sound.midi.Synthesizer;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;

import org.lockey.LockeyException;

/**
 * Seeded procedural music, rendered offline by the JDK's built-in MIDI synthesiser (Gervill, with
 * its synthetic "Emergency GM sound set"), so the reference music can be regenerated on any machine with
 * a JDK and redistributed without restriction. Bit-exact only with the same sound bank: Gervill builds the
 * bank on first use, differently on each machine, and caches it in {@code ~/.gervill}
 * (reference-data/README.md, "Regenerating the music").
 *
 * <p>Each clip: a tempo of 84-136 bpm, a major or minor key, a four-chord progression (one chord per
 * bar), a melody instrument playing a chord-tone-biased random walk over the scale, a chord
 * instrument, a bass line, and drums in about two clips out of three. The audio is mono 16-bit at
 * the requested rate, peak-normalised to -3 dBFS with 20 ms fades.
 *
 * <p>Gervill's offline rendering ({@code AudioSynthesizer.openStream}) is not an exported API:
 * the JVM needs {@code --add-exports java.desktop/com.sun.media.sound=ALL-UNNAMED}, which the
 * {@code ./lockey} launcher passes.
 */
public final class MusicGenerator {
    private static final int[] MAJOR = {0, 2, 4, 5, 7, 9, 11};
    private static final int[] MINOR = {0, 2, 3, 5, 7, 8, 10};
    /** Progressions as scale degrees (0 = I). */
    private static final int[][] PROGRESSIONS = {{0, 4, 5, 3}, {0, 5, 3, 4}, {0, 3, 4, 0}, {5, 3, 0, 4},
            {0, 3, 5, 4}, {1, 4, 0, 0}};
    private static final int[] MELODY_PROGRAMS = {0, 4, 11, 24, 40, 56, 71, 73, 80};
    private static final int[] CHORD_PROGRAMS = {0, 19, 48, 49, 88, 5};
    private static final int[] BASS_PROGRAMS = {32, 33, 34, 38};
    private static final int DRUMS = 9;

    private MusicGenerator() {
    }

    /** One timed MIDI event (microseconds from the start). */
    private record Event(long micros, MidiMessage message) {
    }

    /** Renders {@code seconds} of music for {@code seed} at {@code sampleRate} Hz: mono samples in [-1, 1]. */
    public static float[] render(long seed, double seconds, int sampleRate) {
        java.util.List<Event> events = compose(seed, seconds);
        short[] pcm = synthesize(events, seconds, sampleRate);
        return finish(pcm, sampleRate);
    }

    private static java.util.List<Event> compose(long seed, double seconds) {
        SplittableRandom rng = new SplittableRandom(seed);
        java.util.List<Event> ev = new java.util.ArrayList<>();
        double bpm = 84 + rng.nextInt(53);
        long beat = Math.round(60e6 / bpm);
        boolean minor = rng.nextBoolean();
        int[] scale = minor ? MINOR : MAJOR;
        int root = 48 + rng.nextInt(12);
        int[] prog = PROGRESSIONS[rng.nextInt(PROGRESSIONS.length)];
        int melodyProgram = MELODY_PROGRAMS[rng.nextInt(MELODY_PROGRAMS.length)];
        int chordProgram = CHORD_PROGRAMS[rng.nextInt(CHORD_PROGRAMS.length)];
        int bassProgram = BASS_PROGRAMS[rng.nextInt(BASS_PROGRAMS.length)];
        boolean drums = rng.nextInt(3) != 0;
        ev.add(new Event(0, msg(ShortMessage.PROGRAM_CHANGE, 0, melodyProgram, 0)));
        ev.add(new Event(0, msg(ShortMessage.PROGRAM_CHANGE, 1, chordProgram, 0)));
        ev.add(new Event(0, msg(ShortMessage.PROGRAM_CHANGE, 2, bassProgram, 0)));
        ev.add(new Event(0, msg(ShortMessage.CONTROL_CHANGE, 1, 7, 70)));   // chords quieter than the melody
        ev.add(new Event(0, msg(ShortMessage.CONTROL_CHANGE, 2, 7, 90)));
        long total = Math.round(seconds * 1e6);
        int bars = (int) Math.ceil(total / (4.0 * beat)) + 1;
        int degree = 7 + rng.nextInt(3);                                     // melody position, in scale steps
        for (int bar = 0; bar < bars; bar++) {
            long t0 = bar * 4L * beat;
            int chordDegree = prog[bar % prog.length];
            int[] chord = {chordDegree, chordDegree + 2, chordDegree + 4};
            for (int c : chord) {
                note(ev, 1, root + 12 + pitch(scale, c), 55 + rng.nextInt(15), t0, t0 + 4 * beat - beat / 8);
            }
            for (int b = 0; b < 4; b++) {
                int bassDeg = b % 2 == 0 ? chordDegree : chordDegree + (rng.nextBoolean() ? 4 : 2);
                note(ev, 2, root - 12 + pitch(scale, bassDeg), 80 + rng.nextInt(20), t0 + b * beat,
                        t0 + (b + 1) * beat - beat / 6);
            }
            for (int e = 0; e < 8; e++) {
                long t = t0 + e * beat / 2;
                if (rng.nextInt(5) == 0) {
                    continue;                                                // a rest
                }
                int step = rng.nextInt(5) - 2;
                degree = Math.max(4, Math.min(16, degree + step));
                if (e % 2 == 0 && rng.nextInt(3) != 0) {
                    degree = nearestChordTone(degree, chord);
                }
                long len = rng.nextInt(4) == 0 ? beat : beat / 2;
                note(ev, 0, root + 12 + pitch(scale, degree), 80 + rng.nextInt(35), t, t + len - beat / 16);
            }
            if (drums) {
                for (int e = 0; e < 8; e++) {
                    long t = t0 + e * beat / 2;
                    note(ev, DRUMS, 42, 50 + rng.nextInt(30), t, t + beat / 4);
                    if (e % 4 == 0) {
                        note(ev, DRUMS, 36, 100 + rng.nextInt(20), t, t + beat / 2);
                    }
                    if (e % 4 == 2) {
                        note(ev, DRUMS, 38, 90 + rng.nextInt(25), t, t + beat / 2);
                    }
                }
            }
        }
        ev.removeIf(e -> e.micros() > total + 4 * beat);
        ev.sort(java.util.Comparator.comparingLong(Event::micros));
        return ev;
    }

    private static int nearestChordTone(int degree, int[] chord) {
        int best = degree;
        int bestDist = Integer.MAX_VALUE;
        for (int c : chord) {
            for (int octave = -14; octave <= 14; octave += 7) {
                int cand = c + octave;
                int d = Math.abs(cand - degree);
                if (d < bestDist && cand >= 4 && cand <= 16) {
                    best = cand;
                    bestDist = d;
                }
            }
        }
        return best;
    }

    private static int pitch(int[] scale, int degree) {
        int octave = Math.floorDiv(degree, 7);
        return 12 * octave + scale[Math.floorMod(degree, 7)];
    }

    private static void note(java.util.List<Event> ev, int channel, int key, int velocity, long on, long off) {
        ev.add(new Event(on, msg(ShortMessage.NOTE_ON, channel, key, Math.min(127, velocity))));
        ev.add(new Event(off, msg(ShortMessage.NOTE_OFF, channel, key, 0)));
    }

    private static ShortMessage msg(int command, int channel, int d1, int d2) {
        try {
            return new ShortMessage(command, channel, d1, d2);
        } catch (javax.sound.midi.InvalidMidiDataException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static short[] synthesize(java.util.List<Event> events, double seconds, int sampleRate) {
        Synthesizer synth;
        try {
            synth = MidiSystem.getSynthesizer();
        } catch (MidiUnavailableException e) {
            throw new LockeyException("the JDK's MIDI synthesiser is unavailable: " + e.getMessage());
        }
        AudioFormat format = new AudioFormat(sampleRate, 16, 1, true, false);
        AudioInputStream in;
        try {
            Method open = Class.forName("com.sun.media.sound.AudioSynthesizer")
                    .getMethod("openStream", AudioFormat.class, Map.class);
            in = (AudioInputStream) open.invoke(synth, format, null);
        } catch (IllegalAccessException | java.lang.reflect.InaccessibleObjectException e) {
            throw new LockeyException("offline MIDI rendering needs the JVM flag "
                    + "--add-exports java.desktop/com.sun.media.sound=ALL-UNNAMED (the ./lockey launcher sets it)");
        } catch (ReflectiveOperationException e) {
            throw new LockeyException("this JDK's MIDI synthesiser cannot render offline (" + e + ")");
        }
        try {
            Receiver r = synth.getReceiver();
            for (Event e : events) {
                r.send(e.message(), e.micros());
            }
            int n = (int) Math.round(seconds * sampleRate);
            byte[] buf = in.readNBytes(2 * n);
            short[] pcm = new short[n];
            for (int i = 0; i < buf.length / 2; i++) {
                pcm[i] = (short) ((buf[2 * i] & 0xff) | (buf[2 * i + 1] << 8));
            }
            return pcm;
        } catch (MidiUnavailableException | IOException e) {
            throw new LockeyException("MIDI rendering failed: " + e.getMessage());
        } finally {
            synth.close();
        }
    }

    private static float[] finish(short[] pcm, int sampleRate) {
        float[] x = new float[pcm.length];
        float peak = 1e-9f;
        for (int i = 0; i < pcm.length; i++) {
            x[i] = pcm[i] / 32768f;
            peak = Math.max(peak, Math.abs(x[i]));
        }
        float gain = (float) (Math.pow(10, -3 / 20.0) / peak);
        int fade = Math.min(x.length / 2, sampleRate / 50);
        for (int i = 0; i < x.length; i++) {
            float g = gain;
            if (i < fade) {
                g *= i / (float) fade;
            } else if (i >= x.length - fade) {
                g *= (x.length - 1 - i) / (float) fade;
            }
            x[i] *= g;
        }
        return x;
    }
}
