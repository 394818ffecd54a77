package org.lockey.cli;

import static org.lockey.cli.Options2.opt;
import static org.lockey.cli.Options2.required;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.audio.InputAudio;
import org.lockey.audio.Wav;
import org.lockey.corpus.ClipTrace;
import org.lockey.corpus.CorpusInput;
import org.lockey.corpus.CorpusTrace;
import org.lockey.corpus.Engine;
import org.lockey.corpus.TraceJob;
import org.lockey.corpus.TraceRow;
import org.lockey.corpus.TraceStore;
import org.lockey.corpus.Tracer;
import org.lockey.eval.TrainingCurves;
import org.lockey.io.AtomicFiles;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.lockey.KeyedEncodec;
import org.lockey.model.lockey.KeyedHifiGan;
import org.lockey.model.lockey.KeyedModelDir;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.WatermarkDetector;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.train.Checkpoint;
import org.lockey.train.ClockWarmup;
import org.lockey.train.Curriculum;
import org.lockey.train.FinetuneRun;
import org.lockey.train.InvalidBound;
import org.lockey.train.LockeyLoss;
import org.lockey.train.LockeyTrainer;
import org.lockey.train.Progress;

/** {@code train lockey}, {@code generate}, {@code trace}: LOCKEY itself. */
final class LockeyCommands {
    /** Environment variable that may hold the key for {@code generate}. */
    static final String KEY_ENV = "LOCKEY_KEY";

    private LockeyCommands() {
    }

    /** The model directory of a run ({@code run/model}) or the directory itself when it is one. */
    static Path modelDir(Path p) {
        return KeyedModelDir.modelDirOf(p);
    }

    /** {@code ./lockey train lockey}. */
    static final class Finetune implements Command {
        @Override
        public String name() {
            return "train lockey";
        }

        @Override
        public java.util.List<String> formerNames() {
            return java.util.List.of("finetune");
        }

        @Override
        public String summary() {
            return "LOCKEY fine-tuning: make a generator key-conditioned and watermark its output (Eq. 1-4)";
        }

        @Override
        public String details() {
            return "\nWrites RUN/checkpoint.safetensors (every --checkpoint-every steps, atomically), RUN/model/ (the keyed"
                    + " model with its watermark decoder, for generate and trace) RUN/run.json (the settings), RUN/log.txt (validation lines),"
                    + " RUN/validation.tsv and RUN/curves-sdr.png, RUN/curves-accuracy.png (the training curves)."
                    + " A killed run continues with --resume exactly where its last checkpoint left it.";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(required("base", "DIR", "the pretrained generator: a HiFi-GAN or an Encodec model directory"))
                    .addOption(required("watermark", "DIR", "the trained watermark model (train watermark)"))
                    .addOption(required("registry", "FILE", "key registry (its valid keys are the valid set)"))
                    .addOption(required("data", "DIR", "training audio (reference-data/speech or reference-data/music; "
                            + "splits.tsv is used)"))
                    .addOption(required("out", "DIR", "run directory"))
                    .addOption(opt("steps", "N", "optimiser steps (default 2000; paper 25k)"))
                    .addOption(opt("batch-size", "N", "examples per step (default 2)"))
                    .addOption(opt("crop-frames", "N", "input frames per crop: mel frames (HiFi-GAN, default 64 = 0.74 s)"
                            + " or latent frames (Encodec, default 50 = 1 s)"))
                    .addOption(opt("checkpoint-every", "N", "steps between checkpoints (default 100)"))
                    .addOption(opt("validate-every", "N", "steps between validation passes (default 500)"))
                    .addOption(opt("lr", "LR", "Adam learning rate (default 1e-4, paper)"))
                    .addOption(opt("tau0", "T", "starting bound of the invalid loss (default 0.005, paper)"))
                    .addOption(opt("tau-period", "N", "steps between doublings of the bound (default 5000, paper)"))
                    .addOption(opt("lambda-wm", "L", "weight of the watermark CE (default 1)"))
                    .addOption(opt("lambda-p", "L", "weight of the waveform MSE (default 1)"))
                    .addOption(opt("lambda-s", "L", "weight of the log-magnitude MSE (default 1)"))
                    .addOption(opt("lambda-v", "L", "weight of the verification CE (default 1)"))
                    .addOption(opt("sdr", "DB", "watermark SDR of the teacher (default: the watermark model's message_sdr)"))
                    .addOption(opt("key-dim", "D", "key embedding size (default 64)"))
                    .addOption(opt("key-hidden", "H", "key encoder hidden channels (default 256)"))
                    .addOption(opt("injection", "I", "add the key after ups.I (HiFi-GAN, default 0) or decoder.model.I "
                            + "(Encodec, default 1)"))
                    .addOption(opt("payload-clock", null, "also lay the key's symbols out on the watermark's frame clock "
                            + "(ours, not the paper's; without it a convolutional generator cannot place the periodic "
                            + "payload: docs/lockey.md, Payload clock)"))
                    .addOption(opt("key-warmup", "N", "first train the key path alone on the verification CE for N "
                            + "steps (ours, default 0 = the paper: docs/lockey.md, Key warm-up)"))
                    .addOption(opt("design", "D", "the defaults of the options below: ours (flat pooling, gated "
                            + "injection, relative waveform MSE and invalid bound, warm-up batches of 1024 keys a fifth "
                            + "valid, the key path at 3x the learning rate with a shaped vector, paired batches, "
                            + "gradient-balanced losses; docs/lockey.md) or paper (mean pooling, added, Eq. 2-4 as printed, "
                            + "batches of 64 half valid, one learning rate: the form of the shipped demo models) "
                            + "(default ours)"))
                    .addOption(opt("warmup-batch", "N", "keys per key warm-up step (default "
                            + LockeyTrainer.Design.DEFAULT.warmup().batch() + ")"))
                    .addOption(opt("warmup-valid-share", "P", "expected share of valid keys per warm-up batch (default "
                            + LockeyTrainer.Design.DEFAULT.warmup().validShare() + ")"))
                    .addOption(opt("warmup-lr", "LR", "the warm-up's first learning rate, cosine decay to 5 % (default "
                            + LockeyTrainer.Design.DEFAULT.warmup().lr() + ")"))
                    .addOption(opt("warmup-near-miss-share", "P", "share of the warm-up's invalid draws that are a valid "
                            + "key with 1-2 bits flipped (default " + LockeyTrainer.Design.DEFAULT.warmup().nearMissShare() + ")"))
                    .addOption(opt("key-lr-scale", "X", "the learning rate of the key embedding, E_k and the verifier as a multiple of --lr (0 holds them at the warm-up; default "
                            + LockeyTrainer.KeyTraining.DEFAULT.rates().encoder() + "; paper 1)"))
                    .addOption(opt("gate-lr-scale", "X", "the gate's learning rate as a multiple of --lr (default: "
                            + "--key-lr-scale)"))
                    .addOption(opt("clock-lr-scale", "X", "the payload clock's learning rate as a multiple of --lr "
                            + "(default: --key-lr-scale)"))
                    .addOption(opt("key-shape", "W", "weight of the key-vector shaping term (valid keys: a vanishing "
                            + "vector, invalid keys: unit RMS; docs/lockey.md) in the warm-up and fine-tuning (default "
                            + LockeyTrainer.KeyTraining.DEFAULT.shapeWeight() + "; paper 0)"))
                    .addOption(opt("key-pairing", "P", "paired (every crop twice in a batch, once with a valid and once "
                            + "with an invalid key; default) or independent (each key valid with probability 1/2, the paper)"))
                    .addOption(opt("invalid-push", "W", "which weights the invalid-key term trains: key_path (the key "
                            + "modules only, the generator learns from valid keys; default, needs --balance gradient) or "
                            + "every_weight (Eq. 4)"))
                    .addOption(opt("balance", "M", "how the loss terms combine: gradient (each term's gradient at the "
                            + "audio normalised, the lambdas and --invalid-share are its shares; default) or sum (Eq. 4 as "
                            + "printed, the lambdas multiply the terms)"))
                    .addOption(opt("invalid-share", "W", "--balance gradient: the invalid-key term's share beside "
                            + "--lambda-wm, --lambda-p and --lambda-s (default " + LockeyTrainer.LossBalance.DEFAULT.invalidShare()
                            + ")"))
                    .addOption(opt("balance-ema", "D", "--balance gradient: decay per step of the gradient norms' moving "
                            + "average (default " + LockeyTrainer.LossBalance.DEFAULT.emaDecay() + ")"))
                    .addOption(opt("watermark-forcing", "N", "--balance gradient: the loss terms read the student's audio "
                            + "plus alpha times the teacher's watermark residual, alpha falling from 1 to 0 over N steps "
                            + "(teacher forcing of the watermark, ours; default 0 = off)"))
                    .addOption(opt("pooling", "P", "E_k's last layer: flat (a conv over all bits; default) or mean "
                            + "(3-tap conv and the mean over bits, the golden case's form)"))
                    .addOption(opt("injection-form", "I", "how the key term enters the generator: gated (a per-channel "
                            + "gain that starts at 0, so step 0 is the base generator; default), verified (gated, the vector "
                            + "scaled by the verifier's P(invalid), the clock with a gain of its own) or added (the paper)"))
                    .addOption(opt("key-path-from", "FILE", "start the key embedding, E_k and verification head from "
                            + "this safetensors file (another run's after-warmup.safetensors, checkpoint or keyed "
                            + "model.safetensors) instead of --key-warmup"))
                    .addOption(opt("clock-warmup", "N", "with --clock-form spectral: first train the clock alone for N "
                            + "steps to write a watermark the message decoder reads, on the base generator's output "
                            + "(docs/lockey.md)"))
                    .addOption(opt("clock-warmup-batch", "N", "crops per clock warm-up step (default 8)"))
                    .addOption(opt("clock-warmup-pool", "N", "base-generator crops the clock warm-up draws from (default 64)"))
                    .addOption(opt("clock-warmup-lr", "LR", "the clock warm-up's Adam learning rate (default 3e-3)"))
                    .addOption(opt("clock-warmup-sdr", "DB", "the clock warm-up's floor: the SDR of the clock's change "
                            + "against the base output that its hinge defends (default --sdr, the teacher's)"))
                    .addOption(opt("clock-warmup-fidelity", "W", "weight of the clock warm-up's hinge that keeps the "
                            + "change below the teacher's watermark level (--sdr) (default 100)"))
                    .addOption(opt("clock-form", "F", "with --payload-clock: additive (one vector per symbol added; "
                            + "default) or modulated (also a per-channel gain per symbol on the activation; with "
                            + "--injection-form verified both scaled by the head's P(valid)): docs/lockey.md"))
                    .addOption(opt("waveform-mse", "S", "Eq. 2's waveform MSE: relative (divided by the teacher's mean "
                            + "square, 10^(-SDR/10); default) or absolute (as printed)"))
                    .addOption(opt("invalid-bound", "B", "invalid-key term: relative (a target SDR and a log-magnitude "
                            + "bound, with level and DC guards; default) or paper (Eq. 3 with tau: --tau0, --tau-period)"))
                    .addOption(opt("invalid-sdr", "DB", "relative bound: the SDR of invalid-key output below which the "
                            + "push stops (default " + InvalidBound.Relative.DEFAULT.targetSdrDb() + ")"))
                    .addOption(opt("invalid-logmag", "M", "relative bound: the log-magnitude MSE above which the "
                            + "spectral push stops (default " + InvalidBound.Relative.DEFAULT.logmagBound() + ")"))
                    .addOption(opt("seed", "S", "seed (default 1)"))
                    .addOption(opt("resume", null, "continue the run in --out from its checkpoint"))
                    .addOption(opt("reset-optimizer", null, "with --resume: start Adam afresh (a new phase with other "
                            + "loss weights; the weights and the step are kept)"));
        }

        /** Its --out, held by this process alone while it trains ({@link RunDirectoryLock}). */
        @Override
        public Optional<Path> runDirectory(CommandLine cl) {
            return Optional.of(Path.of(cl.getOptionValue("out")));
        }

        @Override
        public int run(CommandLine cl) {
            Path out = Path.of(cl.getOptionValue("out"));
            boolean resume = cl.hasOption("resume");
            boolean hasCheckpoint = Files.exists(Checkpoint.file(out));
            if (cl.hasOption("reset-optimizer") && !resume) {
                throw new LockeyException("--reset-optimizer goes with --resume");
            }
            if (resume && !hasCheckpoint) {
                throw new LockeyException(out + ": --resume, but there is no checkpoint to continue from");
            }
            if (!resume && hasCheckpoint) {
                throw new LockeyException(out + ": holds a run already; add --resume to continue it or choose another --out");
            }
            Path baseDir = Path.of(cl.getOptionValue("base"));
            boolean encodec = FinetuneRun.isEncodec(baseDir);
            Path wmDir = Path.of(cl.getOptionValue("watermark"));
            WatermarkModel wm = WatermarkModel.load(wmDir);
            wm.requireMessageDecoder("fine-tune (the watermark loss decodes the generated audio)");
            KeyRegistry registry = KeyRegistry.load(Path.of(cl.getOptionValue("registry")));
            LockeyTrainer.Config cfg = config(cl, wm);
            FinetuneRun ft = FinetuneRun.open(baseDir, wmDir, wm, registry, Path.of(cl.getOptionValue("data")),
                    Options2.intValue(cl, "crop-frames", encodec ? FinetuneRun.ENCODEC_CROP_FRAMES : FinetuneRun.HIFIGAN_CROP_FRAMES),
                    Options2.intValue(cl, "injection", encodec ? FinetuneRun.ENCODEC_INJECTION : FinetuneRun.HIFIGAN_INJECTION),
                    cfg);
            LockeyTrainer trainer = ft.trainer();
            if (cl.hasOption("key-path-from")) {
                if (resume) {
                    throw new LockeyException("--key-path-from starts a run; a resumed run keeps its own key path");
                }
                ft.startFromKeyPath(Path.of(cl.getOptionValue("key-path-from")), System.err::println);
            } else {
                FinetuneRun.Start start = !resume ? FinetuneRun.Start.FRESH
                        : cl.hasOption("reset-optimizer") ? FinetuneRun.Start.RESUME_NEW_PHASE : FinetuneRun.Start.RESUME;
                ft.startOrResume(out, start, System.err::println);
            }
            if (cl.hasOption("clock-warmup")) {
                trainer.warmUpClock(new ClockWarmup.Recipe(Options2.intValue(cl, "clock-warmup", 0),
                        Options2.intValue(cl, "clock-warmup-batch", 8), Options2.intValue(cl, "clock-warmup-pool", 64),
                        Options2.doubleValue(cl, "clock-warmup-lr", 3e-3),
                        Options2.doubleValue(cl, "clock-warmup-sdr", cfg.sdrDb()),
                        Options2.doubleValue(cl, "clock-warmup-fidelity", 100), cfg.seed()), System.err::println);
            }
            if (resume) {
                System.err.printf("resuming %s at step %d of %d%n", out, trainer.step(), cfg.steps());
            } else {
                System.err.printf(Locale.ROOT, "fine-tuning %s: %d train clips (%.1f s), %d valid keys of %d bits, "
                        + "%d steps%n", baseDir, ft.train().size(), ft.train().seconds(), registry.validKeys().size(),
                        registry.bits(), cfg.steps());
            }
            long t0 = System.nanoTime();
            List<LockeyTrainer.Validation> history = ft.run(out, System.err::println, TrainingCurves::plot);
            double secs = (System.nanoTime() - t0) / 1e9;
            LockeyTrainer.Validation last = history.get(history.size() - 1);
            System.out.printf(Locale.ROOT, "%s: %d steps in %.0f s; %s%n", out, trainer.step(), secs, last.line());
            return OK;
        }

        /**
         * The trainer settings of the finetune options (defaults: the paper's where it has one); the watermark
         * model gives the default teacher SDR.
         */
        static LockeyTrainer.Config config(CommandLine cl, WatermarkModel wm) {
            return new LockeyTrainer.Config(
                    new LockeyTrainer.Run(Options2.intValue(cl, "batch-size", 2), Options2.longValue(cl, "steps", 2000),
                            Options2.intValue(cl, "checkpoint-every", 100), Options2.intValue(cl, "validate-every", 500),
                            Options2.longValue(cl, "seed", 1), Options2.doubleValue(cl, "lr", 1e-4)),
                    new Curriculum(Options2.doubleValue(cl, "tau0", 0.005), Options2.intValue(cl, "tau-period", 5000),
                            Double.POSITIVE_INFINITY),
                    new LockeyLoss.Lambdas(Options2.doubleValue(cl, "lambda-wm", 1), Options2.doubleValue(cl, "lambda-p", 1),
                            Options2.doubleValue(cl, "lambda-s", 1), Options2.doubleValue(cl, "lambda-v", 1)),
                    Options2.doubleValue(cl, "sdr", wm.config().messageSdr()),
                    new LockeyTrainer.KeyPath(Options2.intValue(cl, "key-dim", 64), Options2.intValue(cl, "key-hidden", 256),
                            cl.hasOption("payload-clock") ? LockeyTrainer.PayloadClock.ON : LockeyTrainer.PayloadClock.OFF,
                            Options2.intValue(cl, "key-warmup", 0)),
                    new LockeyTrainer.ValidationSet(LockeyTrainer.VALIDATION_CLIPS, LockeyTrainer.VALIDATION_KEYS),
                    design(cl));
        }

        /** The key path's design and the invalid-key bound of the options (defaults: {@link LockeyTrainer.Design#DEFAULT}). */
        static LockeyTrainer.Design design(CommandLine cl) {
            String base = cl.getOptionValue("design", "ours");
            LockeyTrainer.Design d = switch (base) {
                case "ours" -> LockeyTrainer.Design.DEFAULT;
                case "paper" -> LockeyTrainer.Design.PAPER;
                default -> throw new LockeyException("--design must be ours or paper, not '" + base + "'");
            };
            InvalidBound.Relative r = InvalidBound.Relative.DEFAULT;
            String bound = cl.getOptionValue("invalid-bound", d.invalidBound() instanceof InvalidBound.Relative
                    ? "relative" : "paper");
            InvalidBound invalid = switch (bound) {
                case "relative" -> new InvalidBound.Relative(Options2.doubleValue(cl, "invalid-sdr", r.targetSdrDb()),
                        Options2.doubleValue(cl, "invalid-logmag", r.logmagBound()));
                case "paper" -> new InvalidBound.Absolute();
                default -> throw new LockeyException("--invalid-bound must be relative or paper, not '" + bound + "'");
            };
            if (invalid instanceof InvalidBound.Absolute && (cl.hasOption("invalid-sdr") || cl.hasOption("invalid-logmag"))) {
                throw new LockeyException("--invalid-sdr and --invalid-logmag belong to --invalid-bound relative");
            }
            LockeyTrainer.Warmup w = d.warmup();
            LockeyTrainer.KeyTraining k = d.keyTraining();
            LockeyTrainer.KeyRates rates = k.rates();
            double keyLr = Options2.doubleValue(cl, "key-lr-scale", rates.encoder());
            double pathLr = cl.hasOption("key-lr-scale") ? keyLr : rates.gate();
            return new LockeyTrainer.Design(
                    Options2.enumValue(cl, "pooling", KeyConfig.Pooling.class, d.pooling()),
                    Options2.enumValue(cl, "injection-form", KeyConfig.Injection.class, d.injection()),
                    new LockeyTrainer.Warmup(Options2.intValue(cl, "warmup-batch", w.batch()),
                            Options2.doubleValue(cl, "warmup-valid-share", w.validShare()),
                            Options2.doubleValue(cl, "warmup-lr", w.lr()),
                            Options2.doubleValue(cl, "warmup-near-miss-share", w.nearMissShare())),
                    invalid,
                    Options2.enumValue(cl, "waveform-mse", LockeyLoss.WaveformMse.class, d.waveformMse()),
                    new LockeyTrainer.KeyTraining(new LockeyTrainer.KeyRates(keyLr,
                            Options2.doubleValue(cl, "gate-lr-scale", pathLr),
                            Options2.doubleValue(cl, "clock-lr-scale", pathLr)),
                            Options2.doubleValue(cl, "key-shape", k.shapeWeight()),
                            Options2.enumValue(cl, "key-pairing", LockeyTrainer.Pairing.class, k.pairing()),
                            Options2.enumValue(cl, "invalid-push", LockeyTrainer.InvalidPush.class, k.invalidPush())),
                    new LockeyTrainer.LossBalance(
                            Options2.enumValue(cl, "balance", LockeyTrainer.LossBalance.Mode.class, d.balance().mode()),
                            Options2.doubleValue(cl, "invalid-share", d.balance().invalidShare()),
                            Options2.doubleValue(cl, "balance-ema", d.balance().emaDecay()),
                            Options2.intValue(cl, "watermark-forcing", d.balance().watermarkForcing())),
                    Options2.enumValue(cl, "clock-form", KeyConfig.ClockForm.class, d.clockForm()));
        }
    }

    /** The key of {@code generate}: --key, --key-file or $LOCKEY_KEY, never echoed. */
    static Key readKey(CommandLine cl, int bits) {
        int given = (cl.hasOption("key") ? 1 : 0) + (cl.hasOption("key-file") ? 1 : 0);
        if (given > 1) {
            throw new LockeyException("give the key once: --key or --key-file (or " + KEY_ENV + ")");
        }
        String text;
        if (cl.hasOption("key")) {
            text = cl.getOptionValue("key");
        } else if (cl.hasOption("key-file")) {
            Path f = Path.of(cl.getOptionValue("key-file"));
            try {
                text = Files.readString(f).strip();
            } catch (IOException e) {
                throw new LockeyException(f + ": cannot read the key file");
            }
        } else {
            text = System.getenv(KEY_ENV);
            if (text == null) {
                throw new LockeyException("no key: give --key HEX, --key-file FILE or set " + KEY_ENV);
            }
        }
        return Key.parseHex(text, bits);
    }

    /** {@code ./lockey generate}. */
    static final class Generate implements Command {
        /**
         * Longest clip the keyed Encodec generates: it runs in windows (KeyedEncodec's windowed generation), but the
         * input, its codes and the output are held whole (2.35 GB resident for five minutes of 32 kHz music with the
         * demo model, most of it the native kernels of its graphs; one hour would add about 0.9 GB of arrays).
         */
        static final int MAX_KEYED_ENCODEC_SECONDS = 600;
        @Override
        public String name() {
            return "generate";
        }

        @Override
        public String summary() {
            return "generate audio with a keyed model and a key (the key is read, never printed)";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(required("model", "DIR", "keyed model (a train lockey run or its model/ directory)"))
                    .addOption(opt("key", "HEX", "the key (visible in the process list: prefer --key-file or "
                            + KEY_ENV + ")"))
                    .addOption(opt("key-file", "FILE", "a file holding the key"))
                    .addOption(opt("in", "WAV", "audio to resynthesise (HiFi-GAN: its log-mel; Encodec: its codes)"))
                    .addOption(opt("mel", "FILE", "HiFi-GAN input: a log-mel as safetensors (tensor 'mel')"))
                    .addOption(opt("codes", "FILE", "Encodec input: codes as safetensors (tensor 'codes')"))
                    .addOption(required("out", "WAV", "output audio"))
                    .addOption(opt("chunk", "FRAMES", "HiFi-GAN mel frames per chunk (default "
                            + HifiGan.DEFAULT_CHUNK_FRAMES + ")"));
        }

        @Override
        public int run(CommandLine cl) {
            int inputs = (cl.hasOption("in") ? 1 : 0) + (cl.hasOption("mel") ? 1 : 0) + (cl.hasOption("codes") ? 1 : 0);
            if (inputs != 1) {
                throw new LockeyException("give exactly one of --in WAV, --mel FILE, --codes FILE");
            }
            Path dir = modelDir(Path.of(cl.getOptionValue("model")));
            String kind = kindOf(dir);
            float[] y;
            int length;
            int rate;
            if (kind.equals(KeyedEncodec.KIND)) {
                if (cl.hasOption("mel")) {
                    throw new LockeyException("--mel is a HiFi-GAN input; this is a keyed Encodec model");
                }
                KeyedEncodec model = KeyedEncodec.load(dir);
                Key key = readKey(cl, model.keyConfig().keyBits());
                rate = model.sampleRate();
                String input = cl.hasOption("codes") ? cl.getOptionValue("codes") : cl.getOptionValue("in");
                long[][][] codes;
                int samples = -1;                       // the input's length at the model's rate, when a clip is given
                if (cl.hasOption("codes")) {
                    codes = EncodecCommands.Decode.readCodes(Path.of(input));
                    requireKeyedEncodecLength(input, codes[0][0].length * (double) model.codecConfig().seanet()
                            .hopLength() / rate);
                } else {
                    float[] audio = InputAudio.monoAt(Path.of(input), rate, EncodecCommands.need(model.codecConfig()));
                    requireKeyedEncodecLength(input, audio.length / (double) rate);
                    samples = audio.length;
                    codes = model.encode(audio);
                }
                y = model.generate(codes, key);
                // the codes cover whole frames (ceil(N / hop) of them); as upstream's forward pass, the output of a
                // clip keeps the clip's length
                length = samples >= 0 ? Math.min(samples, y.length) : y.length;
            } else {
                if (cl.hasOption("codes")) {
                    throw new LockeyException("--codes is an Encodec input; this is a keyed HiFi-GAN model");
                }
                KeyedHifiGan model = KeyedHifiGan.load(dir);
                Key key = readKey(cl, model.keyConfig().keyBits());
                rate = model.generatorConfig().mel().samplingRate();
                org.lockey.audio.MelConfig melConfig = model.generatorConfig().melConfig();
                float[][] mel = cl.hasOption("in")
                        ? new org.lockey.audio.MelSpectrogram(melConfig).apply(InputAudio.monoAt(
                                Path.of(cl.getOptionValue("in")), rate, HifiGanCommands.Vocode.need(melConfig)))
                        : HifiGanCommands.Vocode.readMel(Path.of(cl.getOptionValue("mel")),
                                model.generatorConfig().numMels());
                int samples = mel[0].length * model.samplesPerFrame();
                int chunk = Options2.intValue(cl, "chunk", HifiGan.DEFAULT_CHUNK_FRAMES);
                Progress[] bar = {null};                         // windows are counted inside: made at the first
                Path out = Path.of(cl.getOptionValue("out"));
                // streamed to the file window by window: an hour of output is never held whole
                Wav.writeStreamed(out, rate, samples, Wav.Encoding.PCM_16, sink -> model.generateChunked(mel, key, chunk,
                        (done, total) -> {
                            if (bar[0] == null) {
                                bar[0] = new Progress("generate", 0, total);
                            }
                            bar[0].update(done, Map.of());
                        },
                        (piece, from, to) -> {
                            try {
                                sink.write(piece, from, to);
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }));
                return written(out, samples, rate);
            }
            Path out = Path.of(cl.getOptionValue("out"));
            float[] whole = y;
            int n = length;
            Wav.writeStreamed(out, rate, n, Wav.Encoding.PCM_16, sink -> sink.write(whole, 0, n));   // no copy
            return written(out, n, rate);
        }

        private static int written(Path out, int samples, int rate) {
            System.out.printf(Locale.ROOT, "%s: %.2f s at %d Hz%n", out, samples / (double) rate, rate);
            return OK;
        }

        private static void requireKeyedEncodecLength(String input, double seconds) {
            if (seconds > MAX_KEYED_ENCODEC_SECONDS) {
                throw new LockeyException(String.format(Locale.ROOT, "%s: %.1f s is longer than the keyed Encodec"
                        + " generates at once (%d s: it holds the input, its codes and the output whole); cut the"
                        + " input into parts", input, seconds, MAX_KEYED_ENCODEC_SECONDS));
            }
        }

        static String kindOf(Path dir) {
            return KeyedModelDir.of(dir).kind();
        }
    }

    /** {@code ./lockey trace}. */
    static final class Trace implements Command {
        /** Exit code when no issued key matches. */
        static final int NOT_FOUND = 1;

        @Override
        public String name() {
            return "trace";
        }

        @Override
        public String summary() {
            return "read the key watermark from a clip (or every clip of a directory or list) and name the user";
        }

        @Override
        public String details() {
            return "\nA clip whose key was revoked (keys revoke) is reported as \"revoked: USER\" with the time of"
                    + " revocation (in the CSV: the note column). Exit codes: 0 every clip traced to a user (revoked"
                    + " users included), 1 a clip matches no issued key or carries no watermark (silence, no message, or a"
                    + " confidence below the watermark model's detect_threshold: audio that was never watermarked is"
                    + " not traced to a user), 2 an error. A"
                    + " directory gives one CSV row per clip (--csv FILE, default stdout)."
                    + "\n\nCorpus scale (--out DIR): every clip of --in (a directory, searched at any depth, or a list"
                    + " file of paths, one a line) gives one row in DIR/results.csv (clip, verdict, user, hamming,"
                    + " confidence, decoder, note); a clip that cannot be read gives an error row, the run goes on; a re-run"
                    + " skips the clips already in DIR. --engine spark runs it on Apache Spark (the embedded local[*] by"
                    + " default, --master spark://HOST:PORT or yarn for a cluster, or the master spark-submit gives) and"
                    + " also writes DIR/results.parquet. Exit code 0 when the run is done, whatever it found.";
        }

        @Override
        public Options options() {
            return EngineOptions.add(new Options()
                    .addOption(required("model", "DIR", "keyed model (a train lockey run or its model/ directory)"))
                    .addOption(required("registry", "FILE", "key registry"))
                    .addOption(required("in", "WAV|DIR|LIST", "a suspicious clip, a directory of .wav files, or (with"
                            + " --out) a list file of clip paths"))
                    .addOption(opt("csv", "FILE", "write the directory's results as CSV"))
                    .addOption(opt("max-distance", "D", "largest Hamming distance to an issued key that still names"
                            + " its user (default 2)"))
                    .addOption(opt("out", "DIR", "corpus scale: results.csv (and results.parquet with Spark) in DIR,"
                            + " resumable"))
                    .addOption(opt("batch", "N", "with --out: clips per batch, kept before the next starts (default "
                            + CorpusTrace.DEFAULT_BATCH + ")")));
        }

        @Override
        public int run(CommandLine cl) {
            Path model = Path.of(cl.getOptionValue("model"));
            Path registryFile = Path.of(cl.getOptionValue("registry"));
            KeyRegistry registry = KeyRegistry.load(registryFile);
            if (Files.exists(modelDir(model).resolve(KeyedHifiGan.CONFIG_FILE))) {
                // a keyed model: its registry must fit it (trace itself reads only its watermark/ directory)
                KeyedModelDir.of(model).requireFits(registry, registryFile);
            }
            int maxDistance = Options2.intValue(cl, "max-distance", 2);
            Path in = Path.of(cl.getOptionValue("in"));
            if (cl.hasOption("out")) {
                if (cl.hasOption("csv")) {
                    throw new LockeyException("--csv is for a directory without --out; --out DIR writes DIR/results.csv");
                }
                return corpus(cl, TraceJob.of(model, registryFile, maxDistance), in, Path.of(cl.getOptionValue("out")));
            }
            for (String o : new String[] {"engine", "master", "batch", "conf"}) {
                if (cl.hasOption(o)) {
                    throw new LockeyException("--" + o + " is an option of corpus tracing: give --out DIR");
                }
            }
            Path dir = modelDir(model);
            Tracer tracer = Tracer.open(dir.resolve(KeyedHifiGan.WATERMARK_DIR), registry, maxDistance);
            List<Path> files = new ArrayList<>();
            if (Files.isDirectory(in)) {
                try (Stream<Path> s = Files.list(in)) {
                    s.filter(p -> p.toString().toLowerCase(Locale.ROOT).endsWith(".wav")).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new LockeyException(in + ": cannot list (" + e.getMessage() + ")");
                }
                if (files.isEmpty()) {
                    throw new LockeyException(in + ": no .wav files");
                }
            } else {
                files.add(in);
            }
            List<ClipTrace> results = new ArrayList<>();
            for (Path f : files) {
                results.add(tracer.trace(f));
            }
            if (!Files.isDirectory(in)) {
                ClipTrace r = results.get(0);
                Optional<Instant> revokedAt = r.holder().flatMap(KeyRegistry.Issued::revokedAt);
                if (revokedAt.isPresent()) {
                    System.out.printf(Locale.ROOT, "%s: revoked: %s (key revoked at %s; Hamming distance %d,"
                            + " confidence %.2f)%n", r.file(), r.user(), revokedAt.get(), r.distance(), r.confidence());
                } else if (r.found()) {
                    System.out.printf(Locale.ROOT, "%s: user %s (Hamming distance %d, confidence %.2f)%n", r.file(),
                            r.user(), r.distance(), r.confidence());
                } else if (r.verdict() == ClipTrace.Verdict.NO_WATERMARK) {
                    System.out.printf(Locale.ROOT, "%s: %s; not traced to a user%n", r.file(), r.note());
                } else {
                    System.out.printf(Locale.ROOT, "%s: no issued key matches (%s)%n", r.file(), r.note());
                }
            } else {
                StringBuilder csv = new StringBuilder("file,found,user,hamming,confidence,note\n");
                for (ClipTrace r : results) {
                    csv.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%.4f,%s%n", r.file(), r.found(), r.user(),
                            r.distance(), r.confidence(), r.note()));
                }
                if (cl.hasOption("csv")) {
                    AtomicFiles.writeString(Path.of(cl.getOptionValue("csv")), csv.toString());
                    long found = results.stream().filter(ClipTrace::found).count();
                    System.out.printf("%d of %d clips traced to a user; results in %s%n", found, results.size(),
                            cl.getOptionValue("csv"));
                } else {
                    System.out.print(csv);
                }
            }
            return results.stream().allMatch(ClipTrace::found) ? OK : NOT_FOUND;
        }

        /** {@code trace --out DIR}: the corpus on the engine asked for, resumable. */
        private static int corpus(CommandLine cl, TraceJob job, Path in, Path out) {
            List<String> clips = CorpusInput.clips(in);
            int batch = Options2.intValue(cl, "batch", CorpusTrace.DEFAULT_BATCH);
            job.open(job.inputs());         // the model and the registry checked here, in one line, before any engine
            try (Engine engine = EngineOptions.open(cl)) {
                CorpusTrace.Summary s = CorpusTrace.run(engine, job, clips, out, batch);
                System.out.printf(Locale.ROOT, "%d clips listed, %d already done, %d traced in %.1f s on %s%n",
                        s.listed(), s.skipped(), s.traced(), s.seconds(), engine.name());
                System.out.printf(Locale.ROOT, "%d rows in %s: %d named a user, %d a revoked user, %d no watermark,"
                        + " %d no matching key, %d errors%n", s.rows().size(), out.resolve(TraceStore.CSV),
                        s.count(TraceRow.USER), s.count(TraceRow.REVOKED), s.count(TraceRow.NO_WATERMARK),
                        s.count(TraceRow.NO_MATCHING_KEY), s.count(TraceRow.ERROR));
            }
            return OK;
        }
    }
}
