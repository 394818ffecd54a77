package org.lockey.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Resampler;
import org.lockey.audio.Wav;

/**
 * A set of mono clips at one sampling rate, for training and evaluation: every {@code *.wav}
 * under a directory, or — when a {@code splits.tsv} lies in the directory or its parent (as in
 * {@code reference-data/}) — the files of one split under that directory. Clips at another rate are
 * resampled on load with {@link Resampler}; multi-channel files are mixed to mono.
 *
 * <p>Order and crops are pure functions of (seed, step), so a resumed run sees exactly the data the
 * uninterrupted run would have seen: {@link #index} walks a fresh seeded permutation each epoch and
 * {@link #crop} draws its offset from a generator the caller seeds with (seed, step, position).
 */
public final class AudioDataset {
    private final Path root;
    private final int sampleRate;
    private final List<String> names;
    private final List<float[]> clips;

    private AudioDataset(Path root, int sampleRate, List<String> names, List<float[]> clips) {
        this.root = root;
        this.sampleRate = sampleRate;
        this.names = names;
        this.clips = clips;
    }

    /**
     * Loads the clips of {@code split} ("train", "valid", "test"; null = all files) under {@code dir}
     * at {@code sampleRate}.
     */
    public static AudioDataset load(Path dir, String split, int sampleRate) {
        if (!Files.isDirectory(dir)) {
            throw new LockeyException(dir + ": not a directory of audio files");
        }
        List<Path> files = files(dir, split);
        List<String> names = new ArrayList<>();
        List<float[]> clips = new ArrayList<>();
        for (Path f : files) {
            float[] x = readClip(f, sampleRate);
            if (x.length == 0) {
                continue;
            }
            names.add(dir.toAbsolutePath().normalize().relativize(f.toAbsolutePath().normalize()).toString());
            clips.add(x);
        }
        if (clips.isEmpty()) {
            throw new LockeyException(dir + ": every .wav file is empty");
        }
        return new AudioDataset(dir, sampleRate, Collections.unmodifiableList(names), Collections.unmodifiableList(clips));
    }

    /**
     * Clips held in memory (for benchmarks and tests), named {@code clip-0}, {@code clip-1}, ...;
     * {@link #root()} is {@code root}, which need not exist.
     */
    public static AudioDataset of(Path root, int sampleRate, List<float[]> clips) {
        if (clips.isEmpty() || clips.stream().anyMatch(c -> c.length == 0)) {
            throw new LockeyException("an in-memory dataset needs at least one non-empty clip");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < clips.size(); i++) {
            names.add("clip-" + i);
        }
        return new AudioDataset(root, sampleRate, Collections.unmodifiableList(names), List.copyOf(clips));
    }

    /**
     * The files {@link #load} reads, in its order (a split of {@code dir}, or every .wav file under it when {@code
     * split} is null), without reading them: what the corpus engines hand out one by one.
     *
     * @throws LockeyException no .wav file
     */
    public static List<Path> files(Path dir, String split) {
        if (!Files.isDirectory(dir)) {
            throw new LockeyException(dir + ": not a directory of audio files");
        }
        List<Path> files = split == null ? allWavs(dir) : splitFiles(dir, split);
        if (files.isEmpty()) {
            throw new LockeyException(dir + ": no .wav files" + (split == null ? "" : " in split '" + split + "'"));
        }
        return files;
    }

    /** One clip as {@link #load} reads it: its mono mix at {@code sampleRate} (empty for a file without samples). */
    public static float[] readClip(Path f, int sampleRate) {
        Audio a = Wav.read(f);
        float[] x = a.mono();
        if (a.sampleRate() != sampleRate) {
            x = Resampler.resample(x, a.sampleRate(), sampleRate);
        }
        return x;
    }

    private static List<Path> allWavs(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav")).sorted().toList();
        } catch (IOException e) {
            throw new LockeyException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    private static List<Path> splitFiles(Path dir, String split) {
        Path splits = Files.exists(dir.resolve("splits.tsv")) ? dir.resolve("splits.tsv")
                : dir.toAbsolutePath().getParent() != null && Files.exists(dir.toAbsolutePath().getParent().resolve("splits.tsv"))
                        ? dir.toAbsolutePath().getParent().resolve("splits.tsv") : null;
        if (splits == null) {
            // No split list: every file is in every split (a plain directory of clips).
            return allWavs(dir);
        }
        Path base = splits.getParent().toAbsolutePath().normalize();
        Path under = dir.toAbsolutePath().normalize();
        List<Path> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(splits)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] cols = line.split("\t");
                if (cols.length != 2) {
                    throw new LockeyException(splits + ": line '" + line + "' is not 'file<TAB>split'");
                }
                Path f = base.resolve(cols[0]).normalize();
                if (cols[1].equals(split) && f.startsWith(under)) {
                    out.add(f);
                }
            }
        } catch (IOException e) {
            throw new LockeyException(splits + ": cannot read (" + e.getMessage() + ")");
        }
        Collections.sort(out);
        return out;
    }

    public Path root() {
        return root;
    }

    public int sampleRate() {
        return sampleRate;
    }

    /** Number of clips. */
    public int size() {
        return clips.size();
    }

    /** The clip's path relative to the root. */
    public String name(int i) {
        return names.get(i);
    }

    /** The clip's samples (do not modify). */
    public float[] clip(int i) {
        return clips.get(i);
    }

    /** Total seconds of audio. */
    public double seconds() {
        return clips.stream().mapToLong(c -> c.length).sum() / (double) sampleRate;
    }

    /**
     * The clip for batch position {@code b} of step {@code step}: examples are drawn epoch by epoch
     * from a permutation seeded by (seed, epoch), {@code batch} per step.
     */
    public int index(long seed, long step, int batch, int b) {
        long n = size();
        long k = step * batch + b;
        long epoch = k / n;
        int pos = (int) (k % n);
        int[] perm = new int[(int) n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + epoch);
        for (int i = perm.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm[pos];
    }

    /**
     * A crop of {@code length} samples at a random offset (zero-padded at the end when the clip is
     * shorter), upstream HiFi-GAN's {@code MelDataset} way.
     */
    public float[] crop(int i, int length, SplittableRandom rng) {
        float[] x = clips.get(i);
        float[] out = new float[length];
        if (x.length <= length) {
            System.arraycopy(x, 0, out, 0, x.length);
        } else {
            int start = rng.nextInt(x.length - length + 1);
            System.arraycopy(x, start, out, 0, length);
        }
        return out;
    }

    /** A generator for (seed, step, stream): independent streams per purpose (crops, keys, distortions). */
    public static SplittableRandom rng(long seed, long step, int stream) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + stream);
    }
}
