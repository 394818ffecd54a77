package org.lockey.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;

/**
 * The recipe of the shipped models in {@code reference-data/models/}: the exact project commands (with
 * their seeds and step counts) that produced them, in order. {@code ./lockey demo --from-scratch} runs it;
 * {@code reference-data/models/README.md} lists the same commands (a test keeps the two equal).
 *
 * <p>Each step trains into {@code RUNS/<name>} and then copies its product (without checkpoints) into
 * {@code MODELS/<ship-as>}, through a temporary directory and a rename. A step whose product is already
 * in MODELS is skipped, and a step whose run directory holds a checkpoint resumes it, so a killed rebuild
 * continues where it stopped.
 */
final class DemoRecipe {
    /** Where the run directories go, in the arguments below. */
    static final String RUNS = "{runs}";
    /** Where the shipped models go, in the arguments below. */
    static final String MODELS = "{models}";

    /**
     * One command of the recipe.
     *
     * @param title   what it builds
     * @param args    the command line (placeholders {@link #RUNS}, {@link #MODELS})
     * @param product the directory (under RUNS) holding the finished model, or null when there is nothing
     *                to copy (the command writes straight into MODELS, or a later step finishes its run)
     * @param shipAs  the name in MODELS of what this step leads to: when it exists, the step is skipped
     */
    record Step(String title, List<String> args, String product, String shipAs) {
        /** The arguments with the placeholders resolved. */
        List<String> resolved(Path runs, Path models) {
            return args.stream().map(a -> a.replace(RUNS, runs.toString()).replace(MODELS, models.toString())).toList();
        }

        /** The run directory ({@code --out}) of a training step ({@code train ...}, {@code train lockey}), or null. */
        Path runDir(Path runs, Path models) {
            List<String> r = resolved(runs, models);
            int i = r.indexOf("--out");
            boolean training = r.get(0).equals("train");
            return !training || i < 0 ? null : Path.of(r.get(i + 1));
        }
    }

    /** What a branch's fine-tune reads and writes: base model, watermark, registry, data, run, crop. */
    private record Branch(String base, String watermark, String registry, String data, String run, String cropFrames) {
    }

    /** HiFi-GAN: 64 mel frames (0.74 s) per crop. */
    private static final Branch SPEECH = new Branch("hifigan", "watermark-22k", "registry-hifigan.json",
            "reference-data/speech", "lockey-hifigan", "64");
    /** The HiFi-GAN branch: registry, base vocoder, 22.05 kHz watermark, keyed fine-tune. */
    static final List<Step> HIFIGAN = List.of(
            new Step("demo key registry (16 valid 16-bit keys: docs/results.md, why not 655)",
                    List.of("keys", "init", "--bits", "16", "--valid", "16", "--seed", "2024",
                            "--model-id", "lockey-hifigan-demo", "--out", MODELS + "/registry-hifigan.json"),
                    null, "registry-hifigan.json"),
            new Step("base HiFi-GAN (64 channels, mel loss, 650 steps)",
                    List.of("train", "vocoder", "--data", "reference-data/speech", "--config",
                            "docs/configs/hifigan_demo.json", "--out", RUNS + "/hifigan", "--steps", "650",
                            "--adversarial-start", "100000", "--checkpoint-every", "50"),
                    "hifigan/model", "hifigan"),
            new Step("22.05 kHz SilentCipher watermark (carrier width 4, decoder 16 x 3, 400 steps)",
                    List.of("train", "watermark", "--rate", "22050", "--data", "reference-data/speech",
                            "--out", RUNS + "/watermark-22k", "--carrier-width", "4", "--channels", "16",
                            "--layers", "3", "--batch-size", "8", "--crop-seconds", "0.5", "--lr", "5e-3",
                            "--sdr", "10", "--steps", "400", "--checkpoint-every", "25", "--validate-every", "100",
                            "--seed", "1"),
                    "watermark-22k", "watermark-22k"),
            new Step("keyed HiFi-GAN, phase 1 (key warm-up, payload clock, watermark-heavy weights, 550 steps)",
                    finetune(SPEECH, "550", new LossWeights("0.3", "10", "0.01", "0.1"), Phase.FROM_BASE),
                    null, "lockey-hifigan"),
            new Step("keyed HiFi-GAN, phase 2 (fresh Adam, fidelity and invalid-key weights, to step 1000)",
                    finetune(SPEECH, "1000", new LossWeights("0.05", "1", "0.001", "0.01"), Phase.RESUMED_WITH_FRESH_ADAM),
                    "lockey-hifigan/model", "lockey-hifigan"));

    /**
     * The Encodec branch: the small 32 kHz codec, the 32 kHz watermark and its two quieter stages (30 dB), the
     * 655-key registry, the keyed fine-tune (issue 17's recipe, run e1 of docs/results.md).
     */
    static final List<Step> ENCODEC = List.of(
            new Step("small 32 kHz Encodec (seeded encoder, k-means codebooks, decoder fitted 600 steps)",
                    List.of("train", "codec-decoder", "--data", "reference-data/music", "--out", RUNS + "/encodec",
                            "--preset", "small", "--steps", "600", "--batch-size", "4", "--crop-seconds", "1.0",
                            "--checkpoint-every", "50", "--validate-every", "100", "--seed", "1"),
                    "encodec", "encodec"),
            new Step("32 kHz SilentCipher watermark (carrier width 4, decoder 16 x 3, 400 steps)",
                    List.of("train", "watermark", "--rate", "32000", "--data", "reference-data/music",
                            "--out", RUNS + "/watermark-32k", "--carrier-width", "4", "--channels", "16",
                            "--layers", "3", "--batch-size", "8", "--crop-seconds", "0.5", "--lr", "5e-3",
                            "--sdr", "10", "--steps", "400", "--checkpoint-every", "25", "--validate-every", "100",
                            "--seed", "1"),
                    "watermark-32k", "watermark-32k"),
            new Step("quieter 32 kHz watermark, stage 1 (SDR 10 -> 27 dB over 1000 steps, 1600 steps)",
                    List.of("train", "watermark", "--rate", "32000", "--data", "reference-data/music",
                            "--out", RUNS + "/watermark-32k-q", "--init", MODELS + "/watermark-32k",
                            "--carrier-width", "4", "--channels", "16", "--layers", "3", "--batch-size", "8",
                            "--crop-seconds", "0.5", "--lr", "2e-3", "--sdr", "27", "--sdr-from", "10",
                            "--sdr-ramp", "1000", "--steps", "1600", "--checkpoint-every", "25",
                            "--validate-every", "100", "--seed", "2"),
                    "watermark-32k-q", "training/watermark-32k-q"),
            new Step("quieter 32 kHz watermark, stage 2 (SDR 27 -> 30 dB over 400 steps, 1000 steps)",
                    List.of("train", "watermark", "--rate", "32000", "--data", "reference-data/music",
                            "--out", RUNS + "/watermark-32k-q2", "--init", MODELS + "/training/watermark-32k-q",
                            "--carrier-width", "4", "--channels", "16", "--layers", "3", "--batch-size", "8",
                            "--crop-seconds", "0.5", "--lr", "2e-3", "--sdr", "30", "--sdr-from", "27",
                            "--sdr-ramp", "400", "--steps", "1000", "--checkpoint-every", "25",
                            "--validate-every", "100", "--seed", "3"),
                    "watermark-32k-q2", "training/watermark-32k-q2"),
            new Step("key registry of the Encodec branch (the paper's 655 valid 16-bit keys, `keys init` defaults)",
                    List.of("keys", "init", "--seed", "2024", "--out", MODELS + "/registry-encodec.json"),
                    null, "registry-encodec.json"),
            new Step("keyed Encodec (655 keys: 2000-step key warm-up, then 3000 steps with the verified injection, "
                    + "payload clock and loss balancer)",
                    List.of("train", "lockey", "--base", MODELS + "/encodec", "--watermark",
                            MODELS + "/training/watermark-32k-q2", "--registry", MODELS + "/registry-encodec.json",
                            "--data", "reference-data/music", "--out", RUNS + "/lockey-encodec", "--batch-size", "2",
                            "--crop-frames", "50", "--key-dim", "16", "--key-hidden", "256", "--payload-clock",
                            "--injection-form", "verified", "--key-shape", "0", "--key-warmup", "2000",
                            "--key-lr-scale", "0", "--gate-lr-scale", "100", "--clock-lr-scale", "20", "--lr", "5e-4",
                            "--lambda-wm", "1", "--lambda-p", "4", "--lambda-s", "1", "--invalid-share", "2",
                            "--steps", "3000", "--validate-every", "100", "--checkpoint-every", "50", "--seed", "1"),
                    "lockey-encodec/model", "lockey-encodec"));

    /** Every step, HiFi-GAN branch first. */
    static final List<Step> ALL = java.util.stream.Stream.concat(HIFIGAN.stream(), ENCODEC.stream()).toList();

    /** Where a fine-tuning phase starts. */
    private enum Phase {
        /** From the base generator, after a 1000-step key warm-up. */
        FROM_BASE,
        /** From the previous phase's checkpoint, with a fresh Adam state. */
        RESUMED_WITH_FRESH_ADAM
    }

    /** The lambdas of one phase, as typed: {@code --lambda-wm}, {@code --lambda-p}, {@code --lambda-s}, {@code --lambda-v}. */
    private record LossWeights(String watermark, String waveform, String spectral, String verification) {
    }

    /** The fine-tune of one branch up to {@code steps}, with the loss weights of one phase (both branches alike). */
    private static List<String> finetune(Branch b, String steps, LossWeights w, Phase phase) {
        boolean resume = phase == Phase.RESUMED_WITH_FRESH_ADAM;
        List<String> a = new ArrayList<>(List.of("train", "lockey", "--base", MODELS + "/" + b.base(), "--watermark",
                MODELS + "/" + b.watermark(), "--registry", MODELS + "/" + b.registry(), "--data",
                b.data(), "--out", RUNS + "/" + b.run(), "--batch-size", "2", "--crop-frames", b.cropFrames(),
                "--key-dim", "16", "--key-hidden", "64", "--lr", "5e-4", "--payload-clock", "--design", "paper"));
        if (!resume) {
            a.addAll(List.of("--key-warmup", "1000"));
        }
        a.addAll(List.of("--steps", steps, "--validate-every", resume ? "50" : "100", "--checkpoint-every", "50", "--lambda-wm",
                w.watermark(), "--lambda-p", w.waveform(), "--lambda-s", w.spectral(), "--lambda-v", w.verification(),
                "--tau-period", "200", "--seed", "1"));
        if (resume) {
            a.addAll(List.of("--resume", "--reset-optimizer"));
        }
        return List.copyOf(a);
    }

    private DemoRecipe() {
    }

    /** The command line of a step as a user types it (for the README and {@code --dry-run}). */
    static String commandLine(Step s, String runs, String models) {
        return commandLine(s.args().stream().map(a -> a.replace(RUNS, runs).replace(MODELS, models)).toList());
    }

    private static String commandLine(List<String> args) {
        StringBuilder b = new StringBuilder("./lockey");
        for (String v : args) {
            b.append(' ').append(v.isEmpty() || v.contains(" ") ? "'" + v + "'" : v);
        }
        return b.toString();
    }

    /**
     * Runs the recipe: each step whose product is not yet in {@code models}, then its copy.
     *
     * @return the wall time of every step run, in seconds (skipped steps have none)
     */
    static List<Double> run(List<Step> steps, Path runs, Path models, Consumer<String> log) throws IOException {
        Files.createDirectories(runs);
        Files.createDirectories(models);
        List<Double> times = new ArrayList<>();
        int n = 0;
        for (Step s : steps) {
            n++;
            Path shipped = models.resolve(s.shipAs());
            if (Files.exists(shipped)) {
                log.accept(String.format(Locale.ROOT, "[%d/%d] %s: already in %s, skipped", n, steps.size(), s.title(), shipped));
                continue;
            }
            List<String> args = new ArrayList<>(s.resolved(runs, models));
            Path runDir = s.runDir(runs, models);
            if (runDir != null && Files.exists(runDir.resolve("checkpoint.safetensors"))) {
                if (!args.contains("--resume")) {
                    args.add("--resume");
                }
            } else if (runDir != null && Files.exists(runDir)) {
                throw new LockeyException(runDir + ": a run directory without a checkpoint is in the way; remove it");
            }
            log.accept(String.format(Locale.ROOT, "[%d/%d] %s%n      %s", n, steps.size(), s.title(), commandLine(args)));
            long t0 = System.nanoTime();
            int code = Main.run(args.toArray(new String[0]));
            if (code != Command.OK) {
                throw new LockeyException("step " + n + " (" + s.title() + ") failed with exit code " + code);
            }
            if (s.product() != null) {
                ship(runs.resolve(s.product()), shipped);
            }
            double sec = (System.nanoTime() - t0) / 1e9;
            times.add(sec);
            log.accept(String.format(Locale.ROOT, "      done in %.1f min", sec / 60));
        }
        return times;
    }

    /** Copies a model directory without its checkpoints and run lock, through a temporary sibling and a rename. */
    static void ship(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new LockeyException(from + ": the step did not produce a model directory");
        }
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        AtomicFiles.deleteTree(tmp);
        Files.createDirectories(tmp);
        copyWithoutCheckpoints(from, tmp);
        Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Copies a directory tree (a keyed model holds its watermark model in a subdirectory), without run state. */
    private static void copyWithoutCheckpoints(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith("checkpoint") || name.equals(RunDirectoryLock.FILE)) {
                    continue;                   // a run's state, not part of the model
                }
                if (Files.isDirectory(f)) {
                    copyWithoutCheckpoints(f, Files.createDirectories(to.resolve(name)));
                } else if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
