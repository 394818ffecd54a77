package org.lockey.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.Distortions;
import org.lockey.io.AtomicFiles;
import org.lockey.io.Json;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.lockey.KeyedHifiGan;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.train.Checkpoint;
import org.lockey.train.Curriculum;
import org.lockey.train.FinetuneRun;
import org.lockey.train.LockeyLoss;
import org.lockey.train.LockeyTrainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The key-size experiment of the paper's Fig. 4 (§V, "scalability"): SDR_valid and SDR_invalid as a function of
 * the total number of keys 2^K, the number of valid keys fixed.
 *
 * <p>For each key size K: a seeded registry of {@code valid} K-bit keys ({@link KeyRegistry#create}); a keyed
 * HiFi-GAN fine-tuned from the base model with the first-phase recipe of the shipped keyed model
 * ({@link #recipe}: payload clock, key warm-up, loss weights of {@code reference-data/models/README.md}) for a
 * short, configurable number of steps; then Table II's measurement on the test split ({@link Table2#run},
 * clean column only) and the verification head's accuracy on every valid key and {@value #VERIFIER_INVALID}
 * seeded invalid keys. The watermark model is the given one carrying K-bit payloads
 * ({@link WatermarkModel#withPayloadBits}).
 *
 * <p>Each size trains into {@code OUT/runs/k<K>/} (a {@code train lockey} run directory, plus the size's
 * {@code registry.json} and, once measured, {@value #RESULT_FILE}). A size whose result exists is not run
 * again; a size whose run finished training is only measured; a size whose run holds a checkpoint resumes it.
 * The tables are rewritten after every size, so a killed run loses at most the size it was on.
 */
public final class KeySize {
    /** The measured figures of one size, in its run directory. */
    public static final String RESULT_FILE = "keysize-result.json";
    /** Seeded invalid keys on which the verification head is measured. */
    public static final int VERIFIER_INVALID = 256;
    /** Mel frames per crop in the recipe (0.74 s). */
    public static final int RECIPE_CROP_FRAMES = 64;
    /** Steps between checkpoints: how much a killed size loses at most (it does not change the weights). */
    public static final int CHECKPOINT_EVERY = 25;
    /** Seed of the fine-tuning (data order, crops, key draws, key-module initialisation), as in the recipe. */
    public static final long TRAINING_SEED = 1;
    /** Seed of Table II's invalid keys (its default). */
    public static final long EVAL_SEED = 1;

    private KeySize() {
    }

    /**
     * What to run.
     *
     * @param base      the base HiFi-GAN (the teacher and starting point)
     * @param watermark the watermark model (any payload size: it is re-tagged for each K)
     * @param data      speech with splits (train for fine-tuning, valid for its validation, test for the figures)
     * @param sizes     key sizes K in bits, in the order they are run
     * @param valid     valid keys per registry (the same for every K)
     * @param steps     fine-tuning steps per size
     * @param keyWarmup key warm-up steps before fine-tuning (the recipe: 1000)
     * @param clips     test clips measured
     * @param keys      valid keys per clip measured, and as many invalid keys (Table II's {@code --keys})
     * @param minutes   time budget: no size starts once it is spent (null = none)
     * @param seed      seed of the registries
     * @param out       output directory
     */
    public record Settings(Path base, Path watermark, Path data, List<Integer> sizes, int valid, long steps,
            int keyWarmup, int clips, int keys, Double minutes, long seed, Path out) {
        public Settings {
            sizes = List.copyOf(sizes);
            if (sizes.isEmpty()) {
                throw new LockeyException("--sizes: no key size given");
            }
            if (valid < 1) {
                throw new LockeyException("--valid must be at least 1, got " + valid);
            }
            for (int k : sizes) {
                checkSize(k, valid);
            }
            if (steps < 1) {
                throw new LockeyException("--steps must be at least 1, got " + steps);
            }
            if (keyWarmup < 0) {
                throw new LockeyException("--key-warmup must be 0 or more, got " + keyWarmup);
            }
            if (clips < 1 || keys < 1) {
                throw new LockeyException("--clips and --keys must be at least 1");
            }
            if (minutes != null && !(minutes >= 0)) {
                throw new LockeyException("--minutes must be 0 or more, got " + minutes);
            }
        }
    }

    /** A key size K can be run with {@code valid} valid keys: 1 <= K <= 64 and at least one invalid key. */
    static void checkSize(int k, int valid) {
        if (k < 1 || k > 64) {
            throw new LockeyException("--sizes: key size " + k + " is outside 1..64 bits");
        }
        if (k < 63 && (1L << k) <= valid) {
            throw new LockeyException("--sizes: " + k + "-bit keys give " + (1L << k) + " keys, no room for "
                    + valid + " valid keys and any invalid one");
        }
    }

    /**
     * Parses {@code --sizes}: comma-separated whole numbers of bits, each in 1..64, none twice.
     *
     * @throws LockeyException naming the bad entry
     */
    public static List<Integer> parseSizes(String csv) {
        Set<Integer> sizes = new LinkedHashSet<>();
        for (String part : (csv == null ? "" : csv).split(",", -1)) {
            String p = part.strip();
            if (p.isEmpty()) {
                throw new LockeyException("--sizes: '" + csv + "' has an empty entry; give e.g. 8,16,32");
            }
            int k;
            try {
                k = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new LockeyException("--sizes: '" + p + "' is not a whole number of bits");
            }
            if (k < 1 || k > 64) {
                throw new LockeyException("--sizes: key size " + k + " is outside 1..64 bits");
            }
            if (!sizes.add(k)) {
                throw new LockeyException("--sizes: " + k + " is listed twice");
            }
        }
        return List.copyOf(sizes);
    }

    /**
     * The fine-tuning settings of every size: the first phase of the shipped keyed HiFi-GAN
     * ({@code reference-data/models/README.md}, {@code cli.DemoRecipe}: batch 2, key dim 16, key hidden 64,
     * Adam 5e-4, payload clock, tau0 0.005 doubling every 200 steps, lambda_wm 0.3, lambda_p 10, lambda_s 0.01,
     * lambda_v 0.1, seed 1) with {@code steps} steps and {@code keyWarmup} warm-up steps; validation only at the
     * end (the figures come from the test split).
     */
    public static LockeyTrainer.Config recipe(long steps, int keyWarmup, double sdrDb) {
        return new LockeyTrainer.Config(new LockeyTrainer.Run(2, steps, CHECKPOINT_EVERY, 0, TRAINING_SEED, 5e-4),
                new Curriculum(0.005, 200, Double.POSITIVE_INFINITY), new LockeyLoss.Lambdas(0.3, 10, 0.01, 0.1), sdrDb,
                new LockeyTrainer.KeyPath(16, 64, LockeyTrainer.PayloadClock.ON, keyWarmup),
                new LockeyTrainer.ValidationSet(LockeyTrainer.VALIDATION_CLIPS, LockeyTrainer.VALIDATION_KEYS),
                LockeyTrainer.Design.PAPER);
    }

    /**
     * Mel frames per crop for K-bit keys: the recipe's {@value #RECIPE_CROP_FRAMES}, or more when those hold
     * fewer watermark frames than one payload period (K above 32 with the 22.05 kHz watermark).
     */
    public static int cropFrames(int bits, SilentCipherConfig wm, int samplesPerFrame) {
        int period = new PayloadCodec(bits).period();
        int frames = RECIPE_CROP_FRAMES;
        while (wm.frames(frames * samplesPerFrame) < period) {
            frames += 16;
        }
        return frames;
    }

    /** The registry of K-bit keys: {@code valid} keys drawn with {@code seed}, model id {@code keysize-k<K>}. */
    public static KeyRegistry registry(int bits, int valid, long seed) {
        return KeyRegistry.create("keysize-k" + bits, bits, valid, seed);
    }

    /**
     * The figures of one size.
     *
     * @param bits             K
     * @param validKeys        valid keys in the registry
     * @param steps            fine-tuning steps
     * @param keyWarmup        key warm-up steps
     * @param cropFrames       mel frames per training crop
     * @param sdrValid         Table II's SDR_valid (dB), test split
     * @param sdrInvalid       Table II's SDR_invalid (dB)
     * @param bitAccuracy      bit accuracy of the key decoded from valid-key outputs, no distortion
     * @param verifierValid    share of the valid keys the verification head calls valid
     * @param verifierInvalid  share of {@value #VERIFIER_INVALID} seeded invalid keys it calls invalid
     * @param trainSeconds     wall time of the fine-tuning (this process's part of it; 0 when it was done earlier)
     * @param evalSeconds      wall time of the measurement
     */
    public record Row(int bits, int validKeys, long steps, int keyWarmup, int cropFrames, double sdrValid,
            double sdrInvalid, double bitAccuracy, double verifierValid, double verifierInvalid, double trainSeconds,
            double evalSeconds) {
        ObjectNode toJson(Settings s) {
            ObjectNode o = Json.object();
            o.put("key_bits", bits).put("valid_keys", validKeys).put("steps", steps).put("key_warmup", keyWarmup)
                    .put("crop_frames", cropFrames).put("sdr_valid", sdrValid).put("sdr_invalid", sdrInvalid)
                    .put("bit_accuracy", bitAccuracy).put("verifier_valid", verifierValid)
                    .put("verifier_invalid", verifierInvalid).put("train_seconds", trainSeconds)
                    .put("eval_seconds", evalSeconds).put("clips", s.clips()).put("keys", s.keys())
                    .put("registry_seed", s.seed());
            return o;
        }

        static Row fromJson(JsonNode o) {
            return new Row(o.path("key_bits").asInt(), o.path("valid_keys").asInt(), o.path("steps").asLong(),
                    o.path("key_warmup").asInt(), o.path("crop_frames").asInt(), o.path("sdr_valid").asDouble(),
                    o.path("sdr_invalid").asDouble(), o.path("bit_accuracy").asDouble(),
                    o.path("verifier_valid").asDouble(), o.path("verifier_invalid").asDouble(),
                    o.path("train_seconds").asDouble(), o.path("eval_seconds").asDouble());
        }
    }

    /**
     * What a call did.
     *
     * @param rows       the figures of every size done, in --sizes order (this call's and earlier ones')
     * @param ranNow     sizes trained or measured by this call
     * @param notStarted sizes left out because the time budget was spent
     * @param table      the table written to {@code keysize.md/.csv/.json}
     */
    public record Outcome(List<Row> rows, List<Integer> ranNow, List<Integer> notStarted, ResultTable table) {
    }

    /** The run directory of size K. */
    public static Path runDir(Path out, int bits) {
        return out.resolve("runs").resolve("k" + bits);
    }

    /** Runs every size that is not done yet and fits the time budget; writes the tables and the plot. */
    public static Outcome run(Settings s, Consumer<String> log) {
        long t0 = System.nanoTime();
        if (FinetuneRun.isEncodec(s.base())) {
            throw new LockeyException(s.base() + ": eval keysize runs the keyed HiFi-GAN recipe; give a HiFi-GAN --base");
        }
        WatermarkModel wm = WatermarkModel.load(s.watermark());
        HifiGanConfig gen = HifiGanConfig.load(s.base().resolve(HifiGan.CONFIG_FILE));
        if (wm.sampleRate() != gen.mel().samplingRate()) {
            throw new LockeyException(s.watermark() + ": the watermark model runs at " + wm.sampleRate()
                    + " Hz but the base generator at " + gen.mel().samplingRate() + " Hz");
        }
        List<Row> rows = new ArrayList<>();
        List<Integer> ranNow = new ArrayList<>();
        List<Integer> notStarted = new ArrayList<>();
        int n = 0;
        for (int k : s.sizes()) {
            n++;
            Path dir = runDir(s.out(), k);
            Optional<Row> done = readResult(dir, s, k);
            if (done.isPresent()) {
                rows.add(done.get());
                log.accept(String.format(Locale.ROOT, "[%d/%d] k%d: measured earlier (%s), skipped", n,
                        s.sizes().size(), k, dir.resolve(RESULT_FILE)));
                continue;
            }
            double spent = (System.nanoTime() - t0) / 60e9;
            if (s.minutes() != null && spent >= s.minutes()) {
                notStarted.add(k);
                log.accept(String.format(Locale.ROOT, "[%d/%d] k%d: not started, the --minutes %s budget is spent "
                        + "(%.1f min)", n, s.sizes().size(), k, fmt(s.minutes()), spent));
                continue;
            }
            log.accept(String.format(Locale.ROOT, "[%d/%d] k%d: %d valid keys of %d bits (2^%d keys) in %s", n,
                    s.sizes().size(), k, s.valid(), k, k, dir));
            rows.add(runSize(s, k, wm, gen, dir, log));
            ranNow.add(k);
            write(s, rows, List.of());
        }
        ResultTable t = write(s, rows, notStarted);
        return new Outcome(rows, ranNow, notStarted, t);
    }

    private static String fmt(double minutes) {
        return minutes == Math.rint(minutes) ? Long.toString((long) minutes) : Double.toString(minutes);
    }

    /** The stored result of size K, if it was measured with these settings; an error if with others. */
    static Optional<Row> readResult(Path dir, Settings s, int bits) {
        Path f = dir.resolve(RESULT_FILE);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        JsonNode o;
        try {
            o = Json.read(f);
        } catch (IOException e) {
            throw new LockeyException(f + ": unreadable result (" + AtomicFiles.reason(e)
                    + "); remove it to measure again");
        } catch (LockeyException e) {
            throw new LockeyException(e.getMessage() + "; remove it to measure again", e);
        }
        Row r = Row.fromJson(o);
        boolean same = r.bits() == bits && r.validKeys() == s.valid() && r.steps() == s.steps()
                && r.keyWarmup() == s.keyWarmup() && o.path("clips").asInt() == s.clips()
                && o.path("keys").asInt() == s.keys() && o.path("registry_seed").asLong() == s.seed();
        if (!same) {
            throw new LockeyException(f + ": measured with other settings (steps " + r.steps() + ", valid "
                    + r.validKeys() + ", key warm-up " + r.keyWarmup() + ", clips " + o.path("clips").asInt()
                    + ", keys " + o.path("keys").asInt() + ", seed " + o.path("registry_seed").asLong()
                    + "); choose another --out");
        }
        return Optional.of(r);
    }

    /** Trains (or resumes, or skips a finished training) and measures size K. */
    static Row runSize(Settings s, int k, WatermarkModel wm16, HifiGanConfig gen, Path dir, Consumer<String> log) {
        KeyRegistry registry = registry(k, s.valid(), s.seed());
        Path regFile = dir.resolve("registry.json");
        if (Files.exists(regFile)) {
            KeyRegistry stored = KeyRegistry.load(regFile);
            if (!stored.validKeys().equals(registry.validKeys())) {
                throw new LockeyException(regFile + ": holds other valid keys than --valid " + s.valid() + " --seed "
                        + s.seed() + " give; choose another --out");
            }
        } else {
            registry.save(regFile);
        }
        WatermarkModel wm = wm16.withPayloadBits(k);
        double sdr = wm.config().messageSdr();
        LockeyTrainer.Config cfg = recipe(s.steps(), s.keyWarmup(), sdr);
        int crop = cropFrames(k, wm.config(), gen.samplesPerFrame());
        if (crop != RECIPE_CROP_FRAMES) {
            log.accept(String.format(Locale.ROOT, "k%d: crops of %d mel frames (the recipe's %d hold less than one "
                    + "%d-frame payload period)", k, crop, RECIPE_CROP_FRAMES, new PayloadCodec(k).period()));
        }
        Optional<Checkpoint> ck = Checkpoint.load(dir, LockeyTrainer.KIND);
        long trainStart = System.nanoTime();
        double trainSeconds = 0;
        if (ck.isPresent() && ck.get().step() > s.steps()) {
            throw new LockeyException(dir + ": trained to step " + ck.get().step() + ", beyond --steps " + s.steps()
                    + "; choose another --out");
        }
        if (ck.isPresent() && ck.get().step() == s.steps()
                && Files.exists(dir.resolve("model").resolve(KeyedHifiGan.MODEL_FILE))) {
            log.accept("k" + k + ": training finished earlier (step " + s.steps() + "), measuring only");
        } else {
            boolean resume = ck.isPresent();
            FinetuneRun ft = FinetuneRun.open(s.base(), s.watermark(), wm, registry, s.data(), crop,
                    FinetuneRun.HIFIGAN_INJECTION, cfg);
            ft.startOrResume(dir, resume ? FinetuneRun.Start.RESUME : FinetuneRun.Start.FRESH,
                    line -> log.accept("k" + k + ": " + line));
            log.accept(String.format(Locale.ROOT, "k%d: %s at step %d of %d", k, resume ? "resuming" : "fine-tuning",
                    ft.trainer().step(), s.steps()));
            ft.run(dir, line -> log.accept("k" + k + " validation " + line));
            trainSeconds = (System.nanoTime() - trainStart) / 1e9;
        }
        long evalStart = System.nanoTime();
        KeyedSystem sys = KeyedSystem.load(dir.resolve("model"), s.base());
        AudioDataset test = AudioDataset.load(s.data(), "test", sys.sampleRate());
        Table2.Result t2 = Table2.run(sys, registry, test, s.clips(), s.keys(), List.of(Distortions.byName("orig")),
                sdr, EVAL_SEED);
        double[] verifier = verifier(KeyedHifiGan.load(dir.resolve("model")), registry);
        double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
        Row row = new Row(k, s.valid(), s.steps(), s.keyWarmup(), crop, t2.sdrValid(), t2.sdrInvalid(),
                t2.accuracy().get("orig"), verifier[0], verifier[1], trainSeconds, evalSeconds);
        Json.writePretty(dir.resolve(RESULT_FILE), row.toJson(s));
        log.accept(String.format(Locale.ROOT, "k%d: SDR_valid %.2f dB, SDR_invalid %.2f dB, bit accuracy %.3f, "
                + "verifier %.3f / %.3f (trained %.1f min, measured %.0f s)", k, row.sdrValid(), row.sdrInvalid(),
                row.bitAccuracy(), row.verifierValid(), row.verifierInvalid(), trainSeconds / 60, evalSeconds));
        return row;
    }

    /**
     * The verification head's accuracy: {valid keys called valid, seeded invalid keys called invalid} over every
     * valid key and {@value #VERIFIER_INVALID} invalid keys.
     */
    static double[] verifier(KeyedHifiGan model, KeyRegistry registry) {
        List<Key> valid = registry.validKeys();
        SplittableRandom r = new SplittableRandom(EVAL_SEED + 7);
        List<Key> invalid = new ArrayList<>();
        for (int i = 0; i < VERIFIER_INVALID; i++) {
            invalid.add(registry.randomInvalid(r));
        }
        return new double[] {share(model, valid, true), share(model, invalid, false)};
    }

    private static double share(KeyedHifiGan model, List<Key> keys, boolean valid) {
        int right = 0;
        for (int from = 0; from < keys.size(); from += 64) {
            Key[] chunk = keys.subList(from, Math.min(keys.size(), from + 64)).toArray(new Key[0]);
            double[] p = model.validity(chunk);
            for (double v : p) {
                right += (v > 0.5) == valid ? 1 : 0;
            }
        }
        return right / (double) keys.size();
    }

    /** The table of the sizes done, in --sizes order. */
    public static ResultTable table(Settings s, List<Row> rows, List<Integer> notStarted) {
        ResultTable t = new ResultTable(String.format(Locale.ROOT, "Fig. 4: SDR against the total number of keys "
                + "(%d valid keys; SDR in dB, test split, no distortion)", s.valid()),
                List.of("Key bits K", "Total keys", "Valid keys", "Steps", "SDR Valid", "SDR Invalid",
                        "Bit accuracy", "Verifier valid", "Verifier invalid", "Train min"), 4);
        for (Row r : rows) {
            t.row(List.of(Integer.toString(r.bits()), totalKeys(r.bits()), Integer.toString(r.validKeys()),
                    Long.toString(r.steps()), r.sdrValid(), r.sdrInvalid(), r.bitAccuracy(), r.verifierValid(),
                    r.verifierInvalid(), r.trainSeconds() / 60));
        }
        t.note(String.format(Locale.ROOT, "Each row: a keyed HiFi-GAN fine-tuned from %s for its step count with the "
                + "first-phase recipe of the shipped keyed model (payload clock, key warm-up %d steps, lambda_wm 0.3, "
                + "lambda_p 10, lambda_s 0.01, lambda_v 0.1, Adam 5e-4, batch 2), measured as eval table2 on %s test "
                + "clip(s) x %d valid and %d invalid keys; verifier on every valid key and %d seeded invalid keys. "
                + "Train min is this size's fine-tuning wall time (0 when it was trained by an earlier call).",
                s.base(), s.keyWarmup(), s.clips() == Integer.MAX_VALUE ? "all" : Integer.toString(s.clips()), s.keys(),
                s.keys(), VERIFIER_INVALID));
        if (!notStarted.isEmpty()) {
            t.note("Not started, the --minutes " + fmt(s.minutes()) + " budget being spent (sizes that fit the time "
                    + "given): " + notStarted.stream().map(k -> "K=" + k).toList());
        }
        return t;
    }

    /** 2^K written out (exact up to 64 bits). */
    static String totalKeys(int bits) {
        return new java.math.BigInteger("2").pow(bits).toString();
    }

    /** Writes keysize.md/.csv/.json and keysize.png (when at least one size is done) into OUT. */
    static ResultTable write(Settings s, List<Row> rows, List<Integer> notStarted) {
        List<Row> ordered = new ArrayList<>(rows);
        ordered.sort((a, b) -> Integer.compare(s.sizes().indexOf(a.bits()), s.sizes().indexOf(b.bits())));
        ResultTable t = table(s, ordered, notStarted);
        t.write(s.out(), "keysize");
        if (!ordered.isEmpty()) {
            List<Row> byBits = new ArrayList<>(ordered);
            byBits.sort((a, b) -> Integer.compare(a.bits(), b.bits()));
            double[] x = byBits.stream().mapToDouble(Row::bits).toArray();
            Plots.xy(s.out().resolve("keysize.png"), String.format(Locale.ROOT,
                    "SDR against key size, %d valid keys (%d fine-tuning steps each)", s.valid(), s.steps()),
                    "key bits K (log2 of the total number of keys)", "SDR (dB)",
                    List.of(new Plots.Series("SDR_valid", x, byBits.stream().mapToDouble(Row::sdrValid).toArray(), true),
                            new Plots.Series("SDR_invalid", x, byBits.stream().mapToDouble(Row::sdrInvalid).toArray(),
                                    true)), Double.NaN, Double.NaN, 4, "0.0#");
        }
        return t;
    }
}
