package org.lockey.data;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import javax.sound.midi.InvalidMidiDataException;
import javax.sound.midi.MidiMessage;
import javax.sound.midi.MidiSystem;
import javax.sound.midi.MidiUnavailableException;
import javax.sound.midi.Receiver;
import javax.sound.midi.ShortMessage;
import javax.sound.midi.Soundbank;
import javax.sound.midi.Synthesizer;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;

import org.lockey.LockeyException;

/**
 * Seeded procedural music, rendered offline by the JDK's built-in MIDI synthesiser (Gervill), so the
 * reference music can be regenerated on any machine with a JDK and redistributed without restriction.
 * Two sound banks:
 * <ul>
 *   <li>{@link #render(long, double, int)}: Gervill's default bank, its synthetic "Emergency GM sound set"
 *       ({@code music/}). Bit-exact only with the same bank: Gervill builds it on first use, differently on
 *       each machine, and caches it in {@code ~/.gervill} (reference-data/README.md).</li>
 *   <li>{@link #render(long, double, int, Soundbank)}: one SoundFont loaded explicitly
 *       ({@link #loadSoundbank}; {@code music-sf2/} uses {@link #DEFAULT_SOUNDFONT}), with every synthesiser
 *       property set explicitly and the default bank never loaded, so the same seed and file give the same
 *       samples on every machine with the same JDK.</li>
 * </ul>
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
    /** The SoundFont of {@code music-sf2/}: TimGM6mb, a 6 MB General MIDI bank (GPL-2). */
    public static final Path DEFAULT_SOUNDFONT = Path.of("/usr/share/sounds/sf2/TimGM6mb.sf2");
    /** The Debian package that installs {@link #DEFAULT_SOUNDFONT}. */
    public static final String SOUNDFONT_PACKAGE = "timgm6mb-soundfont";

    private MusicGenerator() {
    }

    /** One timed MIDI event (microseconds from the start). */
    private record Event(long micros, MidiMessage message) {
    }

    /**
     * Renders {@code seconds} of music for {@code seed} at {@code sampleRate} Hz with Gervill's default sound
     * bank: mono samples in [-1, 1].
     */
    public static float[] render(long seed, double seconds, int sampleRate) {
        java.util.List<Event> events = compose(seed, seconds);
        short[] pcm = synthesize(events, seconds, sampleRate, null);
        return finish(pcm, sampleRate);
    }

    /**
     * Renders the composition of {@code seed} (the same notes as {@link #render(long, double, int)}) with
     * the instruments of {@code bank} only.
     */
    public static float[] render(long seed, double seconds, int sampleRate, Soundbank bank) {
        java.util.List<Event> events = compose(seed, seconds);
        short[] pcm = synthesize(events, seconds, sampleRate, java.util.Objects.requireNonNull(bank, "bank"));
        return finish(pcm, sampleRate);
    }

    /**
     * Reads a SoundFont (or another bank format the JDK reads). A missing file stops with one line naming
     * the Debian package of {@link #DEFAULT_SOUNDFONT}.
     */
    public static Soundbank loadSoundbank(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new LockeyException(file + ": SoundFont not found: install the Debian package " + SOUNDFONT_PACKAGE
                    + " (apt-get install " + SOUNDFONT_PACKAGE + ")" + (file.equals(DEFAULT_SOUNDFONT) ? ""
                    : " for " + DEFAULT_SOUNDFONT + ", or name another file"));
        }
        try {
            return MidiSystem.getSoundbank(file.toFile());
        } catch (InvalidMidiDataException | IOException e) {
            throw new LockeyException(file + ": not a sound bank the JDK can read (" + e.getMessage() + ")");
        }
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

    /**
     * Every property of Gervill's {@code AudioSynthesizer.openStream}, given explicitly: a property left out
     * would be read from the user's Java preferences ({@code /com/sun/media/sound/softsynthesizer}), which
     * differ between machines. The values are Gervill's defaults, except that the default sound bank (the
     * machine-dependent "Emergency" bank) is not loaded.
     */
    private static Map<String, Object> explicitProperties(AudioFormat format) {
        Map<String, Object> p = new java.util.LinkedHashMap<>();
        p.put("interpolation", "linear");
        p.put("control rate", 147f);
        p.put("format", format);
        p.put("latency", 120000L);
        p.put("device id", 0);
        p.put("max polyphony", 64);
        p.put("reverb", true);
        p.put("chorus", true);
        p.put("auto gain control", true);
        p.put("large mode", false);
        p.put("midi channels", 16);
        p.put("jitter correction", true);
        p.put("light reverb", true);
        p.put("load default soundbank", false);
        return p;
    }

    private static short[] synthesize(java.util.List<Event> events, double seconds, int sampleRate, Soundbank bank) {
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
            in = (AudioInputStream) open.invoke(synth, format, bank == null ? null : explicitProperties(format));
        } catch (IllegalAccessException | java.lang.reflect.InaccessibleObjectException e) {
            throw new LockeyException("offline MIDI rendering needs the JVM flag "
                    + "--add-exports java.desktop/com.sun.media.sound=ALL-UNNAMED (the ./lockey launcher sets it)");
        } catch (ReflectiveOperationException e) {
            throw new LockeyException("this JDK's MIDI synthesiser cannot render offline (" + e + ")");
        }
        try {
            if (bank != null && !synth.loadAllInstruments(bank)) {
                throw new LockeyException("the JDK's MIDI synthesiser cannot use the sound bank '" + bank.getName() + "'");
            }
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
