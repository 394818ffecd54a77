package org.lockey.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import org.lockey.LockeyException;
import org.lockey.audio.MelSpectrogram;
import org.lockey.audio.Resampler;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.Distortion;
import org.lockey.eval.DetectionCalibration.Negative;
import org.lockey.eval.DetectionCalibration.Payload;
import org.lockey.eval.DetectionCalibration.Positive;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.lockey.KeyedEncodec;
import org.lockey.model.lockey.KeyedHifiGan;
import org.lockey.model.lockey.KeyedModelDir;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.WatermarkDetector;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.train.Progress;

/**
 * The measurement behind {@code eval detection} (issue 18, part 3): the detection rule ({@link WatermarkDetector})
 * read on never-watermarked segments and on watermarked ones, for {@link DetectionCalibration} to sweep.
 *
 * <p>Never-watermarked segments, for every length of {@link Settings#lengths}: crops of each clean stream
 * (speech, music: every clip of every split, concatenated in file order at the model's rate, so that a crop may
 * be longer than one clip and may span a splice) at seeded random offsets; one segment of digital silence; white
 * and pink noise at -60 dBFS RMS and at full scale (peak 1); and the outputs of each keyed generator with seeded
 * invalid keys (outside its registry's valid set when a registry is given, else uniform), resampled to the
 * model's rate. Watermarked segments: crops of each clean stream, a seeded random payload embedded at the given
 * SDR, then every Table I distortion. Every random choice comes from (seed, segment index).
 */
public final class DetectionEval {
    /** RMS of the low-level noise, dBFS. */
    public static final double LOW_NOISE_DBFS = -60;
    /** Decodings between two garbage collections (see {@link #run}). */
    private static final int GC_EVERY = 25;
    /** Attempts at a watermarked crop that is not digital silence (nothing can be embedded in silence). */
    private static final int CROP_ATTEMPTS = 10;

    private DetectionEval() {
    }

    /** The colour of a noise segment. */
    public enum NoiseColour {
        /** Gaussian white noise. */
        WHITE,
        /** White noise through Paul Kellet's economy pink filter (-3 dB per octave above ~10 Hz at 44.1 kHz). */
        PINK
    }

    /** The level of a noise segment. */
    public enum NoiseLevel {
        /** RMS {@value #LOW_NOISE_DBFS} dBFS. */
        LOW,
        /** Scaled so that its peak is 1 (full scale). */
        FULL_SCALE
    }

    /**
     * What to measure.
     *
     * @param lengths            segment lengths in seconds
     * @param cleanPerLength     never-watermarked crops per clean stream and length
     * @param noisePerLength     segments per noise colour, level and length
     * @param keyedPerLength     invalid-key outputs per keyed model and length
     * @param positivesPerLength watermarked crops per clean stream and length (each decoded after every distortion)
     * @param distortions        the Table I columns applied to the watermarked crops
     * @param sdrDb              the SDR the payloads are embedded at (the model's message_sdr)
     * @param seed               the seed of every random choice
     */
    public record Settings(List<Double> lengths, int cleanPerLength, int noisePerLength, int keyedPerLength,
            int positivesPerLength, List<Distortion> distortions, double sdrDb, long seed) {
        public Settings {
            lengths = List.copyOf(lengths);
            distortions = List.copyOf(distortions);
            if (lengths.isEmpty() || lengths.stream().anyMatch(l -> !(l > 0))) {
                throw new LockeyException("segment lengths must be positive seconds, got " + lengths);
            }
            if (cleanPerLength < 0 || noisePerLength < 0 || keyedPerLength < 0 || positivesPerLength < 0) {
                throw new LockeyException("segment counts must be >= 0");
            }
        }
    }

    /**
     * Clean audio of one kind as one stream.
     *
     * @param name       its name in reports ({@code speech}, {@code music})
     * @param samples    mono samples at {@code sampleRate}
     * @param sampleRate Hz
     */
    public record CleanStream(String name, float[] samples, int sampleRate) {
        /** Every clip of {@code data}, concatenated in file order. */
        public static CleanStream of(String name, AudioDataset data) {
            int n = 0;
            for (int i = 0; i < data.size(); i++) {
                n += data.clip(i).length;
            }
            float[] all = new float[n];
            int at = 0;
            for (int i = 0; i < data.size(); i++) {
                float[] c = data.clip(i);
                System.arraycopy(c, 0, all, at, c.length);
                at += c.length;
            }
            return new CleanStream(name, all, data.sampleRate());
        }

        /** A crop of {@code seconds} at a random offset. */
        float[] crop(double seconds, SplittableRandom rng) {
            int n = (int) Math.round(seconds * sampleRate);
            if (n > samples.length) {
                throw new LockeyException(String.format(Locale.ROOT, "%s: %.1f s of audio, fewer than a %.1f-s segment",
                        name, samples.length / (double) sampleRate, seconds));
            }
            int start = rng.nextInt(samples.length - n + 1);
            return java.util.Arrays.copyOfRange(samples, start, start + n);
        }
    }

    /** A keyed generator: G(x, k) for a clip at its rate. */
    @FunctionalInterface
    public interface Generation {
        float[] generate(float[] clip, Key key);
    }

    /**
     * A keyed generator whose invalid-key outputs are never-watermarked audio.
     *
     * @param name       its name in reports (the model directory's name)
     * @param sampleRate its rate
     * @param keyBits    its key size
     * @param generation G(x, k)
     * @param input      the clean audio it regenerates, at its rate
     * @param registry   its key registry, whose valid set the invalid keys avoid; empty: keys drawn uniformly
     */
    public record KeyedModel(String name, int sampleRate, int keyBits, Generation generation, CleanStream input,
            Optional<KeyRegistry> registry) {
        /** A key outside the valid set (uniform when there is no registry). */
        Key invalidKey(SplittableRandom rng) {
            if (registry.isPresent()) {
                return registry.get().randomInvalid(rng);
            }
            long mask = keyBits == 64 ? -1L : (1L << keyBits) - 1;
            return new Key(keyBits, rng.nextLong() & mask);
        }

        /**
         * Loads a keyed model directory (a train lockey run or its {@code model/}) as {@code generate} does: a keyed
         * HiFi-GAN regenerates {@code speech}, a keyed Encodec {@code music}, each loaded at the model's rate.
         */
        public static KeyedModel load(Path model, Optional<KeyRegistry> registry, Path speech, Path music) {
            KeyedModelDir found = KeyedModelDir.of(model);
            Path dir = found.dir();
            String kind = found.kind();
            String name = model.toAbsolutePath().normalize().getFileName().toString();
            KeyedModel m;
            if (kind.equals(KeyedHifiGan.KIND)) {
                KeyedHifiGan g = KeyedHifiGan.load(dir);
                int rate = g.generatorConfig().mel().samplingRate();
                MelSpectrogram mel = new MelSpectrogram(g.generatorConfig().melConfig());
                m = new KeyedModel(name, rate, g.keyConfig().keyBits(),
                        (clip, key) -> g.generateChunked(mel.apply(clip), key, HifiGan.DEFAULT_CHUNK_FRAMES),
                        CleanStream.of("speech", AudioDataset.load(speech, null, rate)), registry);
            } else if (kind.equals(KeyedEncodec.KIND)) {
                KeyedEncodec g = KeyedEncodec.load(dir);
                m = new KeyedModel(name, g.sampleRate(), g.keyConfig().keyBits(),
                        (clip, key) -> g.generate(g.encode(clip), key),
                        CleanStream.of("music", AudioDataset.load(music, null, g.sampleRate())), registry);
            } else {
                throw new LockeyException(dir + ": not a keyed model (kind '" + kind + "')");
            }
            if (registry.isPresent() && registry.get().bits() != m.keyBits()) {
                throw new LockeyException(model + ": its keys have " + m.keyBits() + " bits, its registry's "
                        + registry.get().bits());
            }
            return m;
        }
    }

    /**
     * What the rule read.
     *
     * @param negatives   every never-watermarked segment
     * @param positives   every watermarked segment after every available distortion
     * @param unavailable why a distortion could not run (it has no positives)
     */
    public record Measurement(List<Negative> negatives, List<Positive> positives, Map<String, String> unavailable) {
        public Measurement {
            negatives = List.copyOf(negatives);
            positives = List.copyOf(positives);
            unavailable = Map.copyOf(unavailable);
        }
    }

    /** The decodings {@link #run} will make (the progress line's total). */
    public static long decodings(Settings s, int cleanStreams, int keyedModels) {
        long available = s.distortions().stream().filter(d -> d.unavailable().isEmpty()).count();
        long perLength = (long) cleanStreams * s.cleanPerLength() + 1 + 4L * s.noisePerLength()
                + (long) keyedModels * s.keyedPerLength() + cleanStreams * s.positivesPerLength() * available;
        return perLength * s.lengths().size();
    }

    /** Measures (a progress line with ETA on stderr, one unit per decoding). */
    public static Measurement run(WatermarkModel wm, List<CleanStream> clean, List<KeyedModel> keyed, Settings s) {
        for (CleanStream c : clean) {
            if (c.sampleRate() != wm.sampleRate()) {
                throw new IllegalArgumentException(c.name() + " is at " + c.sampleRate() + " Hz, the model at "
                        + wm.sampleRate());
            }
        }
        WatermarkDetector detector = new WatermarkDetector(wm);
        SilentCipher sc = detector.silentCipher();
        int rate = wm.sampleRate();
        Progress progress = new Progress("eval detection", 0, decodings(s, clean.size(), keyed.size()));
        long[] done = {0};
        Runnable tick = () -> {
            progress.update(++done[0], Map.of());
            if (done[0] % GC_EVERY == 0) {
                // ND4J frees native arrays when their Java objects are collected; decodings allocate native arrays
                // while using little heap, so a collection now and then returns them (as VocoderTrainer). The growth
                // that once stopped runs out of memory was SameDiff's session array cache, off since nn.Inference
                // (docs/results.md, "Detection calibration (issue 18, part 3)")
                System.gc();
            }
        };
        List<Negative> negatives = new ArrayList<>();
        List<Positive> positives = new ArrayList<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        s.distortions().forEach(d -> d.unavailable().ifPresent(why -> unavailable.put(d.name(), why)));
        long segment = 0;
        for (double seconds : s.lengths()) {
            int n = (int) Math.round(seconds * rate);
            for (CleanStream c : clean) {
                for (int i = 0; i < s.cleanPerLength(); i++) {
                    negatives.add(negative(c.name(), seconds, detector.read(c.crop(seconds, rng(s, segment++)))));
                    tick.run();
                }
            }
            negatives.add(negative("silence", seconds, detector.read(new float[n])));
            tick.run();
            for (NoiseColour colour : NoiseColour.values()) {
                for (NoiseLevel level : NoiseLevel.values()) {
                    for (int i = 0; i < s.noisePerLength(); i++) {
                        float[] x = noise(colour, level, n, rng(s, segment++));
                        negatives.add(negative(noiseName(colour, level), seconds, detector.read(x)));
                        tick.run();
                    }
                }
            }
            for (KeyedModel k : keyed) {
                for (int i = 0; i < s.keyedPerLength(); i++) {
                    SplittableRandom r = rng(s, segment++);
                    float[] y = k.generation().generate(k.input().crop(seconds, r), k.invalidKey(r));
                    if (k.sampleRate() != rate) {
                        y = Resampler.resample(y, k.sampleRate(), rate);
                    }
                    negatives.add(negative("invalid key " + k.name(), seconds, detector.read(y)));
                    tick.run();
                }
            }
            for (CleanStream c : clean) {
                for (int i = 0; i < s.positivesPerLength(); i++) {
                    long id = segment++;
                    SplittableRandom r = rng(s, id);
                    float[] x = audibleCrop(c, seconds, r);
                    boolean[] bits = new boolean[wm.payloadBits()];
                    for (int b = 0; b < bits.length; b++) {
                        bits[b] = r.nextBoolean();
                    }
                    float[] y = sc.embed(x, bits, s.sdrDb()).watermarked();
                    for (Distortion d : s.distortions()) {
                        if (unavailable.containsKey(d.name())) {
                            continue;
                        }
                        float[] z = d.apply(y, rate, AudioDataset.rng(s.seed(), id, 8));
                        positives.add(positive(c.name(), seconds, d.name(), detector.read(z), bits));
                        tick.run();
                    }
                }
            }
        }
        return new Measurement(negatives, positives, unavailable);
    }

    private static SplittableRandom rng(Settings s, long segment) {
        return AudioDataset.rng(s.seed(), segment, 9);
    }

    private static float[] audibleCrop(CleanStream c, double seconds, SplittableRandom r) {
        for (int attempt = 0; attempt < CROP_ATTEMPTS; attempt++) {
            float[] x = c.crop(seconds, r);
            if (!WatermarkDetector.isSilent(x)) {
                return x;
            }
        }
        throw new LockeyException(c.name() + ": " + CROP_ATTEMPTS + " crops of " + seconds + " s were all silent");
    }

    static Negative negative(String source, double seconds, PayloadCodec.Decoded d) {
        return new Negative(source, seconds, d.found(), d.confidence());
    }

    static Positive positive(String source, double seconds, String distortion, PayloadCodec.Decoded d,
            boolean[] embedded) {
        Payload p = !d.found() ? Payload.NONE : java.util.Arrays.equals(d.bits(), embedded) ? Payload.RIGHT
                : Payload.WRONG;
        return new Positive(source, seconds, distortion, p, d.confidence());
    }

    /** The report name of a noise kind, e.g. {@code pink noise -60 dBFS}. */
    static String noiseName(NoiseColour colour, NoiseLevel level) {
        return colour.name().toLowerCase(Locale.ROOT) + " noise " + (level == NoiseLevel.LOW
                ? String.format(Locale.ROOT, "%.0f dBFS", LOW_NOISE_DBFS) : "full scale");
    }

    /** {@code n} samples of noise of a colour and level. */
    public static float[] noise(NoiseColour colour, NoiseLevel level, int n, SplittableRandom rng) {
        double[] x = new double[n];
        double b0 = 0;
        double b1 = 0;
        double b2 = 0;
        for (int i = 0; i < n; i++) {
            double w = rng.nextGaussian();
            if (colour == NoiseColour.PINK) {
                // Paul Kellet's economy filter: three one-pole sections approximating 1/f within 0.05 dB
                b0 = 0.99765 * b0 + w * 0.0990460;
                b1 = 0.96300 * b1 + w * 0.2965164;
                b2 = 0.57000 * b2 + w * 1.0526913;
                x[i] = b0 + b1 + b2 + w * 0.1848;
            } else {
                x[i] = w;
            }
        }
        double scale;
        if (level == NoiseLevel.LOW) {
            double power = 0;
            for (double v : x) {
                power += v * v;
            }
            scale = Math.pow(10, LOW_NOISE_DBFS / 20) / Math.sqrt(power / Math.max(1, n));
        } else {
            double peak = 0;
            for (double v : x) {
                peak = Math.max(peak, Math.abs(v));
            }
            scale = 1 / Math.max(peak, 1e-30);
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (x[i] * scale);
        }
        return out;
    }
}
