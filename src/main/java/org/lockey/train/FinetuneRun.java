package org.lockey.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.io.AtomicFiles;
import org.lockey.io.Json;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.lockey.KeyedEncodec;
import org.lockey.model.lockey.KeyedHifiGan;
import org.lockey.model.lockey.KeyedModelDir;
import org.lockey.model.silentcipher.WatermarkModel;

/**
 * One LOCKEY fine-tuning run in a run directory, as {@code ./lockey train lockey} makes it and
 * {@code ./lockey eval key-size} repeats it once per key size: the base generator and its
 * {@link FinetuneBranch}, the training and validation splits, the {@link LockeyTrainer}, and the files of
 * the run directory.
 *
 * <pre>
 * RUN/checkpoint.safetensors   every checkpointEvery steps and at the end (atomic; --resume continues from it)
 * RUN/model/                   the keyed model (KeyedHifiGan or KeyedEncodec) with its watermark model in model/watermark/
 * RUN/run.json                 the settings (LockeyTrainer.Config#toJson, branch, crop, injection, base, watermark)
 * RUN/log.txt                  the validation lines, appended
 * </pre>
 */
public final class FinetuneRun {
    /** Mel frames per HiFi-GAN crop by default (0.74 s at 22.05 kHz, hop 256). */
    public static final int HIFIGAN_CROP_FRAMES = 64;
    /** Latent frames per Encodec crop by default (1 s at 32 kHz). */
    public static final int ENCODEC_CROP_FRAMES = 50;
    /** The injection stage by default: HiFi-GAN after {@code ups.0}, Encodec after {@code decoder.model.1}. */
    public static final int HIFIGAN_INJECTION = 0;
    /** See {@link #HIFIGAN_INJECTION}. */
    public static final int ENCODEC_INJECTION = 1;

    private final Path baseDir;
    private final Path watermarkDir;
    private final WatermarkModel watermark;
    private final HifiGan vocoder;
    private final Encodec codec;
    private final FinetuneBranch branch;
    private final int injection;
    private final LockeyTrainer.Config cfg;
    private final AudioDataset train;
    private final LockeyTrainer trainer;

    private FinetuneRun(Path baseDir, Path watermarkDir, WatermarkModel watermark, HifiGan vocoder, Encodec codec,
            FinetuneBranch branch, int injection, LockeyTrainer.Config cfg, AudioDataset train, LockeyTrainer trainer) {
        this.baseDir = baseDir;
        this.watermarkDir = watermarkDir;
        this.watermark = watermark;
        this.vocoder = vocoder;
        this.codec = codec;
        this.branch = branch;
        this.injection = injection;
        this.cfg = cfg;
        this.train = train;
        this.trainer = trainer;
    }

    /** Whether {@code baseDir} holds an Encodec model (else it must hold a HiFi-GAN one). */
    public static boolean isEncodec(Path baseDir) {
        boolean encodec = Files.exists(baseDir.resolve(Encodec.CONFIG_FILE));
        if (!encodec && !Files.exists(baseDir.resolve(HifiGan.CONFIG_FILE))) {
            throw new LockeyException(baseDir + ": neither a HiFi-GAN nor an Encodec model directory");
        }
        return encodec;
    }

    /**
     * Loads the base generator, the data and the registry's trainer (not yet started).
     *
     * @param baseDir      the pretrained generator (HiFi-GAN or Encodec model directory)
     * @param watermarkDir where {@code watermark} came from (recorded in run.json)
     * @param watermark    the watermark model, carrying payloads of the registry's key size
     * @param cropFrames   input frames per crop, or null for the branch's default
     * @param injection    injection stage, or null for the branch's default
     * @param data         audio with splits ({@code train} for training, {@code valid} for validation)
     */
    public static FinetuneRun open(Path baseDir, Path watermarkDir, WatermarkModel watermark, KeyRegistry registry,
            Path data, Integer cropFrames, Integer injection, LockeyTrainer.Config cfg) {
        boolean encodec = isEncodec(baseDir);
        int inj = injection != null ? injection : encodec ? ENCODEC_INJECTION : HIFIGAN_INJECTION;
        HifiGan vocoder = null;
        Encodec codec = null;
        FinetuneBranch branch;
        if (encodec) {
            codec = Encodec.load(baseDir);
            branch = new EncodecBranch(codec, cropFrames != null ? cropFrames : ENCODEC_CROP_FRAMES, inj);
        } else {
            vocoder = HifiGan.load(baseDir);
            branch = new HifiGanBranch(vocoder, cropFrames != null ? cropFrames : HIFIGAN_CROP_FRAMES, inj);
        }
        int rate = branch.sampleRate();
        AudioDataset train = AudioDataset.load(data, "train", rate);
        AudioDataset valid = AudioDataset.load(data, "valid", rate);
        LockeyTrainer trainer = new LockeyTrainer(cfg, branch, watermark.silentCipher(), registry, train, valid);
        return new FinetuneRun(baseDir, watermarkDir, watermark, vocoder, codec, branch, inj, cfg, train, trainer);
    }

    public LockeyTrainer trainer() {
        return trainer;
    }

    public FinetuneBranch branch() {
        return branch;
    }

    public int injection() {
        return injection;
    }

    /** The training split. */
    public AudioDataset train() {
        return train;
    }

    /** How {@link #startOrResume} begins a run. */
    public enum Start {
        /** Start afresh (key warm-up first when configured); an existing checkpoint is not read. */
        FRESH,
        /** Resume the checkpoint in the output directory, optimiser state included. */
        RESUME,
        /** Resume the checkpoint's weights and step with a fresh optimiser (a new phase). */
        RESUME_NEW_PHASE
    }

    /**
     * Starts afresh (key warm-up first when configured) or resumes {@code out}'s checkpoint, optionally with
     * a fresh optimiser (a new phase), as {@code start} says.
     */
    public void startOrResume(Path out, Start start, Consumer<String> log) {
        if (start != Start.FRESH) {
            trainer.resume(Checkpoint.load(out, LockeyTrainer.KIND).orElseThrow(
                    () -> new LockeyException(out + ": no checkpoint to resume")));
            if (start == Start.RESUME_NEW_PHASE) {
                trainer.resetOptimizer();
                log.accept("optimiser state reset (a new phase)");
            }
        } else {
            trainer.start(log);
        }
    }

    /**
     * Starts afresh with the key path's embedding, E_k and head read from the safetensors file {@code keyPath}
     * ({@link LockeyTrainer#startFromKeyPath}) instead of a warm-up.
     */
    public void startFromKeyPath(Path keyPath, Consumer<String> log) {
        trainer.startFromKeyPath(org.lockey.io.SafeTensors.read(keyPath).tensors(), keyPath.toString(), log);
    }

    /**
     * Trains to the configured step count in {@code out}: writes the watermark model into
     * {@code out/model/watermark}, {@code run.json}, then checkpoints and the model directory as the trainer
     * goes; validation lines go to {@code log} and {@code out/log.txt}.
     *
     * @return the validation passes of this call (at least the final one)
     */
    public List<LockeyTrainer.Validation> run(Path out, Consumer<String> log) {
        return run(out, log, tsv -> { });
    }

    /**
     * As {@link #run(Path, Consumer)}, calling {@code onCurves} with the validation table after each row is added
     * (the CLI draws the PNGs from it).
     */
    public List<LockeyTrainer.Validation> run(Path out, Consumer<String> log, Consumer<Path> onCurves) {
        Path modelDir = out.resolve("model");
        watermark.save(modelDir.resolve(KeyedHifiGan.WATERMARK_DIR));
        var runConfig = cfg.toJson();
        runConfig.put("branch", branch.kind()).put("crop_samples", branch.cropSamples()).put("injection", injection)
                .put("base", baseDir.toString()).put("watermark", watermarkDir.toString());
        Json.writePretty(out.resolve("run.json"), runConfig);
        List<LockeyTrainer.Validation> history = new ArrayList<>();
        Curves curves = new Curves(out.resolve(VALIDATION_FILE), trainer.step());
        history.addAll(trainer.run(out, line -> {
            log.accept(line);
            appendLog(out, line);
        }, () -> saveModel(modelDir), v -> {
            curves.add(v);
            onCurves.accept(out.resolve(VALIDATION_FILE));
        }));
        return history;
    }

    /** The run's validation passes, one TSV row each (the training curves; rewritten to the resumed step on resume). */
    public static final String VALIDATION_FILE = "validation.tsv";
    /** Column names of {@link #VALIDATION_FILE}. */
    public static final String VALIDATION_HEADER = "step\twall_seconds\tsdr_valid_db\tsdr_invalid_db\tbit_accuracy"
            + "\tverifier_accuracy\tinvalid_rms_ratio\tinvalid_dc\tinvalid_clipped_fraction";

    /** The curves of one run: the TSV rows so far, rewritten atomically with each validation. */
    static final class Curves {
        private final Path file;
        private final List<String[]> rows = new ArrayList<>();
        private final double secondsBefore;
        private final long startNanos = System.nanoTime();

        /** Reads the rows of an earlier part of the run up to {@code resumedStep} (those after it are dropped). */
        Curves(Path file, long resumedStep) {
            this.file = file;
            double seconds = 0;
            if (Files.exists(file)) {
                try {
                    for (String line : Files.readAllLines(file)) {
                        String[] cells = line.split("\t");
                        if (cells[0].matches("\\d+") && (Long.parseLong(cells[0]) < resumedStep
                                || (resumedStep > 0 && Long.parseLong(cells[0]) == resumedStep))) {
                            rows.add(cells);
                            seconds = Double.parseDouble(cells[1]);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    throw new LockeyException(file + ": not a validation table of a finetune run (" + e.getMessage() + ")");
                }
            }
            this.secondsBefore = seconds;
        }

        void add(LockeyTrainer.Validation v) {
            double seconds = secondsBefore + (System.nanoTime() - startNanos) / 1e9;
            rows.add(String.format(Locale.ROOT, "%d\t%.1f\t%.4f\t%.4f\t%.5f\t%.5f\t%.5f\t%.6f\t%.6f", v.step(), seconds,
                    v.sdrValid(), v.sdrInvalid(), v.bitAccuracy(), v.verifierAccuracy(), v.invalidLevel().rmsRatio(),
                    v.invalidLevel().dc(), v.invalidLevel().clippedFraction()).split("\t"));
            StringBuilder sb = new StringBuilder(VALIDATION_HEADER).append('\n');
            for (String[] r : rows) {
                sb.append(String.join("\t", r)).append('\n');
            }
            AtomicFiles.writeString(file, sb.toString());
        }
    }

    /** The keyed model directory: a keyed HiFi-GAN, or a keyed Encodec with the base's frozen encoder and quantiser. */
    public void saveModel(Path modelDir) {
        Map<String, String> meta = Map.of("step", Long.toString(trainer.step()),
                KeyedModelDir.MODEL_ID_METADATA, trainer.registry().modelId());
        if (vocoder != null) {
            KeyedHifiGan.save(modelDir, vocoder.config(), trainer.keyConfig(), injection, trainer.weights(), meta);
        } else {
            KeyedEncodec.saveTrained(modelDir, codec, trainer.keyConfig(), injection, trainer.weights(), meta);
        }
    }

    private static void appendLog(Path run, String line) {
        try {
            Files.writeString(run.resolve("log.txt"), line + System.lineSeparator(), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new LockeyException(run.resolve("log.txt") + ": cannot write (" + e.getMessage() + ")");
        }
    }
}
