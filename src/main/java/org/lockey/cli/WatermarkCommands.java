package org.lockey.cli;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleFunction;
import java.util.function.DoubleUnaryOperator;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.InputAudio;
import org.lockey.audio.Resampler;
import org.lockey.audio.Wav;
import org.lockey.bench.WatermarkBench;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.Codecs;
import org.lockey.distortion.Distortion;
import org.lockey.eval.ResultTable;
import org.lockey.metric.Sdr;
import org.lockey.metric.WatermarkEval;
import org.lockey.model.silentcipher.DetectThreshold;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.model.silentcipher.WatermarkDetector;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.nn.BatchNorm2d;
import org.lockey.train.Progress;
import org.lockey.train.WatermarkTrainer;

/** {@code train watermark}, {@code import silentcipher}, {@code watermark embed|detect|eval}, {@code bench watermark}. */
final class WatermarkCommands {
    private WatermarkCommands() {
    }

    /** {@code ./lockey train watermark}. */
    static final class Train implements Command {
        @Override
        public String name() {
            return "train watermark";
        }

        @Override
        public String summary() {
            return "train a SilentCipher watermark model (message encoder/decoder) for one sample rate";
        }

        @Override
        public String details() {
            return "\nThe run directory receives checkpoint.safetensors (resume with --resume) and the model "
                    + "(model.safetensors + config.json) for ./lockey watermark embed|detect|eval --model DIR.\n"
                    + "Recipe and measured step times: docs/silentcipher.md, section Training.";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(opt("rate", "HZ", "model sample rate: 16000, 22050, 32000 or 44100").required().build())
                    .addOption(opt("data", "DIR", "training audio; with a splits.tsv (here or in the parent) its "
                            + "'train' split trains and 'valid' validates").required().build())
                    .addOption(opt("out", "DIR", "run directory (checkpoint + model)").required().build())
                    .addOption(opt("payload-bits", "N", "payload bits (default 16: a LOCKEY key)").build())
                    .addOption(opt("steps", "N", "total steps (default 1000)").build())
                    .addOption(opt("batch-size", "N", "crops per step (default 4)").build())
                    .addOption(opt("crop-seconds", "S", "crop length (default 1.0)").build())
                    .addOption(opt("checkpoint-every", "N", "steps between checkpoints (default 50)").build())
                    .addOption(opt("validate-every", "N", "steps between validations, 0 = only at the end (default 0)").build())
                    .addOption(opt("log-every", "N", "steps between log lines (default 10)").build())
                    .addOption(Option.builder().longOpt("resume").desc("continue the run directory's checkpoint").build())
                    .addOption(opt("seed", "S", "seed of the initialisation and every random draw (default 1)").build())
                    .addOption(opt("channels", "C", "message decoder channels (default 128, upstream)").build())
                    .addOption(opt("layers", "L", "message decoder gated blocks (default 10, upstream)").build())
                    .addOption(opt("carrier-width", "W", "carrier encoder width w; the carrier decoder has 3w "
                            + "channels (default 32, upstream; narrower is much faster on a CPU)").build())
                    .addOption(opt("lr", "LR", "Adam learning rate (default 1e-3)").build())
                    .addOption(opt("msg-weight", "W", "weight of the message cross-entropy (default 20)").build())
                    .addOption(opt("carrier-weight", "W", "weight of the carrier MSE (default 0)").build())
                    .addOption(opt("sdr", "DB", "SDR alpha of the watermark while training and in the model "
                            + "(default 47, upstream message_sdr)").build())
                    .addOption(opt("sdr-from", "DB", "start the SDR alpha here and move it linearly to --sdr over "
                            + "--sdr-ramp steps (a loud-to-quiet curriculum; default: no ramp)").build())
                    .addOption(opt("sdr-ramp", "N", "steps of the --sdr-from ramp (default 0)").build())
                    .addOption(opt("init", "DIR", "start from this trained watermark model (same architecture) "
                            + "instead of a seeded initialisation").build())
                    .addOption(opt("distortions", "LIST", "training distortions, from gaus,time_jit,eq,codec,none "
                            + "(default gaus,time_jit,eq,codec)").build())
                    .addOption(opt("bn-mode", "MODE", "BatchNorm at inference in the written model: batch or running "
                            + "(default batch)").build());
        }

        /** Its --out, held by this process alone while it trains ({@link RunDirectoryLock}). */
        @Override
        public Optional<Path> runDirectory(CommandLine cl) {
            return Optional.of(Path.of(cl.getOptionValue("out")));
        }

        @Override
        public int run(CommandLine cl) {
            int rate = Options2.intValue(cl, "rate", 0);
            int bits = Options2.intValue(cl, "payload-bits", 16);
            if (bits < 1 || bits > 64) {
                throw new LockeyException("--payload-bits must be in 1..64");
            }
            SilentCipherConfig config = SilentCipherConfig.forRate(rate, bits);
            int channels = Options2.intValue(cl, "channels", config.msgDecoderChannels());
            int layers = Options2.intValue(cl, "layers", config.msgDecoderLayers());
            double sdr = Options2.doubleValue(cl, "sdr", config.messageSdr());
            int width = Options2.intValue(cl, "carrier-width", config.carrierWidth());
            config = config.withMsgDecoder(channels, layers).withMessageSdr(sdr).withCarrierWidth(width);
            double cropSeconds = Options2.doubleValue(cl, "crop-seconds", 1.0);
            if (!(cropSeconds > 0)) {
                throw new LockeyException("--crop-seconds must be > 0");
            }
            String mode = cl.getOptionValue("bn-mode", "batch");
            BatchNorm2d.Mode bnMode = switch (mode) {
                case "batch" -> BatchNorm2d.Mode.BATCH_STATISTICS;
                case "running" -> BatchNorm2d.Mode.RUNNING_STATISTICS;
                default -> throw new LockeyException("--bn-mode must be batch or running, not '" + mode + "'");
            };
            List<String> distortions = Arrays.stream(cl.getOptionValue("distortions", "gaus,time_jit,eq,codec").split(","))
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
            WatermarkTrainer.Settings settings = new WatermarkTrainer.Settings(config, bits,
                    Options2.intValue(cl, "batch-size", 4), (int) Math.round(cropSeconds * rate),
                    Options2.longValue(cl, "steps", 1000), Options2.intValue(cl, "checkpoint-every", 50),
                    Options2.intValue(cl, "validate-every", 0), Options2.intValue(cl, "log-every", 10),
                    Options2.longValue(cl, "seed", 1), Options2.doubleValue(cl, "lr", 1e-3),
                    Options2.doubleValue(cl, "msg-weight", 20), Options2.doubleValue(cl, "carrier-weight", 0),
                    distortions, bnMode, sdrRamp(cl), cl.hasOption("init") ? Path.of(cl.getOptionValue("init")) : null);
            Path data = Path.of(cl.getOptionValue("data"));
            AudioDataset train = AudioDataset.load(data, "train", rate);
            AudioDataset valid = AudioDataset.load(data, "valid", rate);
            System.out.printf(Locale.ROOT, "train watermark: %d Hz, %d-bit payload, message decoder %d x %d, batch %d x "
                    + "%.2f s, %d train clips (%.1f s), %d valid clips, SDR %.1f dB%n", rate, bits, channels, layers,
                    settings.batchSize(), cropSeconds, train.size(), train.seconds(), valid.size(), sdr);
            WatermarkTrainer trainer = new WatermarkTrainer(settings, train, valid, Codecs.configured(), System.out);
            long t0 = System.nanoTime();
            Path out = Path.of(cl.getOptionValue("out"));
            trainer.run(out, cl.hasOption("resume"));
            System.out.printf(Locale.ROOT, "%s: watermark model written (%.1f min)%n", out, (System.nanoTime() - t0) / 6e10);
            return OK;
        }
    }

    private static WatermarkTrainer.SdrRamp sdrRamp(CommandLine cl) {
        if (cl.hasOption("sdr-from") != cl.hasOption("sdr-ramp")) {
            throw new LockeyException("--sdr-from and --sdr-ramp go together");
        }
        if (!cl.hasOption("sdr-from")) {
            return WatermarkTrainer.SdrRamp.NONE;
        }
        return new WatermarkTrainer.SdrRamp(Options2.doubleValue(cl, "sdr-from", 0), Options2.longValue(cl, "sdr-ramp", 0));
    }

    /** {@code ./lockey import silentcipher}. */
    static final class Import implements Command {
        @Override
        public String name() {
            return "import silentcipher";
        }

        @Override
        public String summary() {
            return "import a released SilentCipher checkpoint (hparams.yaml + enc_c, dec_c [, dec_m_0] as safetensors)";
        }

        @Override
        public String details() {
            return "\nConvert each upstream .ckpt first (PyTorch):\n"
                    + "  from safetensors.torch import save_file; import torch\n"
                    + "  for n in ['enc_c', 'dec_c', 'dec_m_0']: save_file({k: v.contiguous() for k, v in "
                    + "torch.load(n + '.ckpt', map_location='cpu').items()}, n + '.safetensors')\n"
                    + "Without --dec-m the model embeds only (watermark embed); detect and eval then stop with one line. "
                    + "opt.ckpt (optimizer state) is not needed. Release layouts: docs/silentcipher.md.";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(opt("hparams", "FILE", "the release's hparams.yaml").required().build())
                    .addOption(opt("enc-c", "FILE", "enc_c.ckpt as safetensors (carrier encoder)").required().build())
                    .addOption(opt("dec-c", "FILE", "dec_c.ckpt as safetensors (carrier decoder)").required().build())
                    .addOption(opt("dec-m", "FILE", "dec_m_0.ckpt as safetensors (message decoder; optional: without "
                            + "it the model embeds only)").build())
                    .addOption(opt("out", "DIR", "watermark model directory to write").required().build());
        }

        @Override
        public int run(CommandLine cl) {
            Path hparams = Path.of(cl.getOptionValue("hparams"));
            Path encC = Path.of(cl.getOptionValue("enc-c"));
            Path decC = Path.of(cl.getOptionValue("dec-c"));
            Path out = Path.of(cl.getOptionValue("out"));
            WatermarkModel m = cl.hasOption("dec-m")
                    ? WatermarkModel.importUpstream(hparams, encC, decC, Path.of(cl.getOptionValue("dec-m")), out)
                    : WatermarkModel.importUpstream(hparams, encC, decC, out);
            System.out.printf(Locale.ROOT, "%s: SilentCipher %d Hz, %d-bit payload, %s%n", out, m.sampleRate(),
                    m.payloadBits(), m.networks() == SilentCipher.Networks.EMBEDDING_ONLY
                            ? "embedding only (no message decoder)" : "embedding and message decoder");
            return OK;
        }
    }

    /** {@code ./lockey watermark embed}. */
    static final class Embed implements Command {
        /**
         * Longest clip embedded: the encoder and carrier decoder run on the whole clip (BatchNorm takes the statistics
         * of what it is given, so a clip embedded in parts is another clip), and their activations grow by about 330 MB
         * per minute of 22.05 kHz audio (785 MB resident at 60 s, 1.44 GB at 180 s with the demo model), so four
         * minutes stay within 2 GB.
         */
        static final int MAX_EMBED_SECONDS = 240;
        @Override
        public String name() {
            return "watermark embed";
        }

        @Override
        public String summary() {
            return "embed a payload (e.g. a key) into audio with a trained watermark model";
        }

        @Override
        public String details() {
            return "\nAudio at another rate is resampled to the model's; only the watermark (the difference the model "
                    + "makes) is resampled back and added to the original, so content above the model's band is kept. "
                    + "Every channel receives the same watermark, computed on the channels' mean. --sdr is the measured "
                    + "SDR of the output (alpha found by a few embeddings); see docs/silentcipher.md.";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(opt("model", "DIR", "watermark model directory").required().build())
                    .addOption(opt("in", "WAV", "input audio").required().build())
                    .addOption(opt("payload", "VALUE", "payload, hex (0xBEEF) or decimal; must fit the model's bits")
                            .required().build())
                    .addOption(opt("out", "WAV", "output audio").required().build())
                    .addOption(opt("sdr", "DB", "SDR of the output against the input, in dB (calibrated: a few "
                            + "embeddings); default: embed once at the model's message_sdr alpha").build())
                    .addOption(Option.builder().longOpt("float32").desc("write 32-bit float (default 16-bit PCM)").build());
        }

        @Override
        public int run(CommandLine cl) {
            WatermarkModel model = WatermarkModel.load(Path.of(cl.getOptionValue("model")));
            long payload = parsePayload(cl.getOptionValue("payload"), model.payloadBits());
            Path in = Path.of(cl.getOptionValue("in"));
            Audio audio = InputAudio.read(in);
            float[] mono = audio.mono();
            float[] x = InputAudio.atRate(in, mono, audio.sampleRate(), model.sampleRate(), need(model), InputAudio.OtherRate.RESAMPLE);
            if (isSilent(x)) {
                throw new LockeyException(in + ": the audio is silent; there is nothing to watermark");
            }
            if (x.length > MAX_EMBED_SECONDS * model.sampleRate()) {
                throw new LockeyException(String.format(Locale.ROOT,
                        "%s: %.1f s is longer than watermark embed takes (%d s: the embedding networks run on the whole"
                                + " clip, about 330 MB per minute); cut the audio into parts", in,
                        x.length / (double) model.sampleRate(), MAX_EMBED_SECONDS));
            }
            SilentCipher sc = model.silentCipher();
            boolean[] bits = PayloadCodec.bitsOf(payload, model.payloadBits());
            // the watermark at the input rate for a given SDR alpha of the spectral change
            DoubleFunction<float[]> watermark = alpha -> {
                float[] w = sc.embed(x, bits, alpha).watermarked();
                float[] delta = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    delta[i] = w[i] - x[i];
                }
                float[] back = audio.sampleRate() == model.sampleRate() ? delta
                        : Resampler.resample(delta, model.sampleRate(), audio.sampleRate());
                return Arrays.copyOf(back, mono.length);
            };
            float[] delta;
            double alpha;
            if (cl.hasOption("sdr")) {
                double target = Options2.doubleValue(cl, "sdr", 0);
                if (!Double.isFinite(target)) {
                    throw new LockeyException("--sdr must be a finite number of dB");
                }
                Calibrated c = calibrate(a -> Sdr.db(mono, add(mono, watermark.apply(a))), target);
                alpha = c.alpha();
                delta = watermark.apply(alpha);
                if (Math.abs(c.sdr() - target) > SDR_TOLERANCE_DB) {
                    System.err.printf(Locale.ROOT, "warning: reached %.2f dB, not %.2f dB%n", c.sdr(), target);
                }
            } else {
                alpha = model.config().messageSdr();
                delta = watermark.apply(alpha);
            }
            float[][] channels = new float[audio.channelCount()][];
            double peak = 0;
            for (int c = 0; c < channels.length; c++) {
                channels[c] = add(audio.channels()[c], delta);
                for (float v : channels[c]) {
                    peak = Math.max(peak, Math.abs(v));
                }
            }
            Audio outAudio = new Audio(channels, audio.sampleRate());
            Path out = Path.of(cl.getOptionValue("out"));
            if (cl.hasOption("float32")) {
                Wav.writeFloat32(out, outAudio);
            } else {
                if (peak > 1) {
                    System.err.printf(Locale.ROOT, "warning: peak %.3f > 1 clips in 16-bit PCM (use --float32)%n", peak);
                }
                Wav.writePcm16(out, outAudio);
            }
            System.out.printf(Locale.ROOT, "%s: payload %s embedded, SDR %.2f dB (alpha %.2f dB), %.2f s at %d Hz%n", out,
                    hex(payload, model.payloadBits()), Sdr.db(mono, add(mono, delta)), alpha, audio.seconds(),
                    audio.sampleRate());
            if (model.networks() == SilentCipher.Networks.EMBEDDING_AND_MESSAGE_DECODER) {
                readBack(out, model, payload).ifPresent(why -> System.err.printf(
                        "warning: %s: the payload does not read back (%s); watermark detect will not find it%n", out, why));
            }
            return OK;
        }

        /**
         * Why the file {@code out} does not give {@code payload} to {@code watermark detect} (at the model's
         * threshold), or empty when it does. Audio with little in the message band (a DC offset, a clip railed at full
         * scale) or clipped by the 16-bit output takes the embedding without carrying it.
         */
        static Optional<String> readBack(Path out, WatermarkModel model, long payload) {
            Audio written = Wav.read(out);
            float[] x = written.monoShared();
            if (written.sampleRate() != model.sampleRate()) {
                x = Resampler.resample(x, written.sampleRate(), model.sampleRate());
            }
            PayloadCodec.Decoded d = new WatermarkDetector(model).read(x);
            if (!d.found()) {
                return Optional.of(String.format(Locale.ROOT, "%s; confidence %.3f", d.problem(), d.confidence()));
            }
            if (!WatermarkDetector.reports(d, model.detectThreshold())) {
                return Optional.of(String.format(Locale.ROOT, "confidence %.3f < threshold %.3f", d.confidence(),
                        model.detectThreshold().at(d.periods())));
            }
            long read = PayloadCodec.valueOf(d.bits());
            return read == payload ? Optional.empty()
                    : Optional.of("it reads " + hex(read, model.payloadBits()) + " instead");
        }
    }

    /**
     * Fewer whole message periods than this and {@code detect} warns: with random frame classes, a
     * message is "found" above the 0.6 threshold in up to 8 % of clips of 4 periods, under 1 % from 6
     * periods on (simulated, docs/silentcipher.md).
     */
    static final int MIN_RELIABLE_PERIODS = 6;

    /** How close {@code watermark embed --sdr} gets to the requested SDR (dB). */
    static final double SDR_TOLERANCE_DB = 0.05;
    /** Most embeddings tried while calibrating. */
    static final int MAX_CALIBRATION_RUNS = 8;

    /** A calibrated SDR alpha and the SDR it gives. */
    record Calibrated(double alpha, double sdr) {
    }

    /**
     * The alpha (paper Eq. 2-3: the SDR of the spectral change before the ReLU) whose output has the
     * measured SDR {@code target}: secant iteration on {@code sdrOf(alpha) - target} starting at
     * alpha = target. The measured SDR is higher than alpha (the ReLU only shrinks the change, and
     * the inverse STFT of a modified spectrum removes its inconsistent part) and grows with alpha,
     * by about 1 dB per dB.
     */
    static Calibrated calibrate(DoubleUnaryOperator sdrOf, double target) {
        double a0 = target;
        double s0 = sdrOf.applyAsDouble(a0);
        double a1 = a0 - (s0 - target);
        double s1 = sdrOf.applyAsDouble(a1);
        for (int run = 2; run < MAX_CALIBRATION_RUNS && Math.abs(s1 - target) > SDR_TOLERANCE_DB; run++) {
            double slope = (s1 - s0) / (a1 - a0);
            double next = a1 - (s1 - target) / (Double.isFinite(slope) && slope > 0.1 ? slope : 1.0);
            a0 = a1;
            s0 = s1;
            a1 = next;
            s1 = sdrOf.applyAsDouble(a1);
        }
        return Math.abs(s1 - target) <= Math.abs(s0 - target) ? new Calibrated(a1, s1) : new Calibrated(a0, s0);
    }

    private static float[] add(float[] a, float[] b) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + (i < b.length ? b[i] : 0f);
        }
        return out;
    }

    /** {@code ./lockey watermark detect}. */
    static final class Detect implements Command {
        @Override
        public String name() {
            return "watermark detect";
        }

        @Override
        public String summary() {
            return "read the payload of a watermark (exit 0 found, 1 none found, 2 error)";
        }

        @Override
        public String details() {
            return "\nPrints 'payload 0x.... confidence c' when the per-position modes hold exactly one end token and the "
                    + "confidence (share of frames agreeing with their position's mode) reaches the threshold; otherwise "
                    + "'no watermark found'. Threshold: the model's detect_threshold (docs/silentcipher.md).";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(opt("model", "DIR", "watermark model directory").required().build())
                    .addOption(opt("in", "WAV", "audio to inspect").required().build())
                    .addOption(opt("threshold", "C", "confidence threshold in [0, 1] (default: the model's)").build());
        }

        @Override
        public int run(CommandLine cl) {
            WatermarkModel model = WatermarkModel.load(Path.of(cl.getOptionValue("model")));
            model.requireMessageDecoder("detect");
            DetectThreshold threshold = model.detectThreshold();
            if (cl.hasOption("threshold")) {
                double t = Options2.doubleValue(cl, "threshold", threshold.first());
                if (!(t >= 0 && t <= 1)) {
                    throw new LockeyException("--threshold must be in [0, 1]");
                }
                threshold = DetectThreshold.uniform(t);
            }
            Path in = Path.of(cl.getOptionValue("in"));
            float[] x = InputAudio.monoAt(in, model.sampleRate(), need(model));
            if (WatermarkDetector.isSilent(x)) {
                System.out.println("no watermark found (" + WatermarkDetector.SILENT + ")");
                return NEGATIVE;
            }
            int periods = model.config().frames(x.length) / model.config().messageLen();
            if (periods < MIN_RELIABLE_PERIODS) {
                System.err.printf(Locale.ROOT, "note: %s holds %d whole message periods (< %d): chance decodes reach the "
                        + "threshold more often on audio this short (docs/silentcipher.md, Detection threshold)%n", in,
                        periods, MIN_RELIABLE_PERIODS);
            }
            PayloadCodec.Decoded d = new WatermarkDetector(model).read(x);
            if (!d.found()) {
                System.out.printf(Locale.ROOT, "no watermark found (%s; confidence %.3f)%n", d.problem(), d.confidence());
                return NEGATIVE;
            }
            if (!WatermarkDetector.reports(d, threshold)) {
                System.out.printf(Locale.ROOT, "no watermark found (confidence %.3f < threshold %.3f for %d periods)%n",
                        d.confidence(), threshold.at(d.periods()), d.periods());
                return NEGATIVE;
            }
            System.out.printf(Locale.ROOT, "payload %s confidence %.3f%n", hex(PayloadCodec.valueOf(d.bits()),
                    model.payloadBits()), d.confidence());
            return OK;
        }
    }

    /** {@code ./lockey eval watermark}. */
    static final class Eval implements Command {
        /** File stem of the {@code --out} table. */
        static final String TABLE_STEM = "watermark-eval";
        /** The table's label column. */
        static final String DISTORTION_COLUMN = "distortion";
        /** The table's number column: the mean aligned bit accuracy, NaN ({@code n/a}, JSON null) when skipped. */
        static final String ACCURACY_COLUMN = "bit_accuracy";

        @Override
        public String name() {
            return "eval watermark";
        }

        @Override
        public java.util.List<String> formerNames() {
            return java.util.List.of("watermark eval");
        }

        @Override
        public String summary() {
            return "bit accuracy of a watermark model on a split, per Table I distortion";
        }

        @Override
        public String details() {
            return "\nA progress line on stderr counts the decodings (clips x distortions, then clips for --detection). "
                    + "The table goes to stdout; with --out DIR also to DIR/" + TABLE_STEM + ".md, .csv and .json "
                    + "(columns distortion, bit_accuracy; one row per distortion; each file written atomically).";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(opt("model", "DIR", "watermark model directory").required().build())
                    .addOption(opt("data", "DIR", "audio directory (split-aware)").required().build())
                    .addOption(opt("split", "NAME", "split to evaluate (default test)").build())
                    .addOption(EvalCommands.distortionsOption())
                    .addOption(EvalCommands.codecBackendOption())
                    .addOption(opt("max-seconds", "S", "cut clips to this length (default 10)").build())
                    .addOption(opt("bn-mode", "MODE", "override the model's BatchNorm mode: batch or running").build())
                    .addOption(opt("seed", "S", "seed of payloads and distortions (default 1)").build())
                    .addOption(Option.builder().longOpt("detection").desc("also run the detect rule on the clips, "
                            + "watermarked and unwatermarked (for choosing a threshold)").build())
                    .addOption(opt("out", "DIR", "also write the table to " + TABLE_STEM + ".md/.csv/.json there "
                            + "(default: print only)").build());
        }

        @Override
        public int run(CommandLine cl) {
            WatermarkModel model = WatermarkModel.load(Path.of(cl.getOptionValue("model")));
            model.requireMessageDecoder("evaluate (bit accuracy needs decoding)");
            if (cl.hasOption("bn-mode")) {
                String m = cl.getOptionValue("bn-mode");
                model = model.withBnMode(switch (m) {
                    case "batch" -> BatchNorm2d.Mode.BATCH_STATISTICS;
                    case "running" -> BatchNorm2d.Mode.RUNNING_STATISTICS;
                    default -> throw new LockeyException("--bn-mode must be batch or running, not '" + m + "'");
                });
            }
            List<Distortion> ds = EvalCommands.distortions(cl);
            for (Distortion d : ds) {
                d.unavailable().ifPresent(p -> System.out.println("notice: " + p));
            }
            String split = cl.getOptionValue("split", "test");
            AudioDataset data = AudioDataset.load(Path.of(cl.getOptionValue("data")), split, model.sampleRate());
            long seed = Options2.longValue(cl, "seed", 1);
            double maxSeconds = Options2.doubleValue(cl, "max-seconds", 10);
            String bn = model.bnMode().name().toLowerCase(Locale.ROOT);
            Map<String, Double> acc = WatermarkEval.bitAccuracy(model, data, ds, seed, maxSeconds,
                    progressLine("eval watermark"));
            ResultTable table = new ResultTable(String.format(Locale.ROOT, "watermark eval: bit accuracy per distortion "
                    + "(%s split '%s', %d clips, %.1f s, BatchNorm %s)", cl.getOptionValue("data"), split, data.size(),
                    data.seconds(), bn), List.of(DISTORTION_COLUMN, ACCURACY_COLUMN), 1);
            for (Distortion d : ds) {
                table.row(List.of(d.name(), acc.getOrDefault(d.name(), Double.NaN)));
                d.unavailable().ifPresent(why -> table.note(d.name() + ": skipped (" + why + ")"));
            }
            Codecs.encoderNotes(ds).forEach(table::note);
            System.out.printf(Locale.ROOT, "%s split '%s': %d clips, %.1f s, BatchNorm %s%n", cl.getOptionValue("data"),
                    split, data.size(), data.seconds(), bn);
            System.out.printf("%-10s %s%n", "distortion", "bit accuracy");
            for (Distortion d : ds) {
                Double a = acc.get(d.name());
                System.out.printf(Locale.ROOT, "%-10s %s%n", d.name(), a == null ? "skipped" : String.format(Locale.ROOT,
                        "%.4f", a));
            }
            if (cl.hasOption("detection")) {
                DetectThreshold t = model.detectThreshold();
                WatermarkEval.Detection marked = WatermarkEval.detection(model, data, true, seed, maxSeconds,
                        progressLine("detection, watermarked"));
                WatermarkEval.Detection plain = WatermarkEval.detection(model, data, false, seed, maxSeconds,
                        progressLine("detection, unwatermarked"));
                String markedLine = String.format(Locale.ROOT, "detection (threshold %s): watermarked clips: message "
                        + "found in %d of %d, right payload in %d, detected %d, confidences %s", t.describe(), marked.found(),
                        marked.clips(), marked.correct(), marked.detected(t), Arrays.toString(marked.confidences()));
                String plainLine = String.format(Locale.ROOT, "detection (threshold %s): unwatermarked clips: message "
                        + "found in %d of %d, detected %d, confidences where found %s", t.describe(), plain.found(), plain.clips(),
                        plain.detected(t), Arrays.toString(plain.foundConfidences()));
                System.out.println(markedLine);
                System.out.println(plainLine);
                table.note(markedLine);
                table.note(plainLine);
            }
            if (cl.hasOption("out")) {
                Path out = Path.of(cl.getOptionValue("out"));
                table.write(out, TABLE_STEM);
                System.out.println("written to " + out.resolve(TABLE_STEM + ".md") + " (.csv, .json)");
            }
            return OK;
        }
    }

    /** {@code ./lockey bench watermark}. */
    static final class Bench implements Command {
        @Override
        public String name() {
            return "bench watermark";
        }

        @Override
        public String summary() {
            return "time a watermark training step (pass 1 + pass 2) for a message-decoder size";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(opt("rate", "HZ", "model sample rate (default 22050)").build())
                    .addOption(opt("batch-size", "N", "crops per step (default 4)").build())
                    .addOption(opt("crop-seconds", "S", "crop length (default 1.0)").build())
                    .addOption(opt("channels", "C", "message decoder channels (default 128)").build())
                    .addOption(opt("layers", "L", "message decoder gated blocks (default 10)").build())
                    .addOption(opt("carrier-width", "W", "carrier encoder width (default 32, upstream)").build())
                    .addOption(opt("reps", "N", "timed steps after one untimed step (default 3)").build());
        }

        @Override
        public int run(CommandLine cl) {
            int rate = Options2.intValue(cl, "rate", 22050);
            SilentCipherConfig c = SilentCipherConfig.forRate(rate, 16);
            c = c.withMsgDecoder(Options2.intValue(cl, "channels", c.msgDecoderChannels()),
                    Options2.intValue(cl, "layers", c.msgDecoderLayers()))
                    .withCarrierWidth(Options2.intValue(cl, "carrier-width", c.carrierWidth()));
            int length = (int) Math.round(Options2.doubleValue(cl, "crop-seconds", 1.0) * rate);
            System.out.println(WatermarkBench.run(c, Options2.intValue(cl, "batch-size", 4), length,
                    Options2.intValue(cl, "reps", 3)).line());
            return OK;
        }
    }

    /** A {@link Progress} line on stderr fed by an evaluation, created at its first report (when the total is known). */
    static WatermarkEval.Listener progressLine(String label) {
        Progress[] line = new Progress[1];
        return (done, total) -> {
            if (line[0] == null) {
                line[0] = new Progress(label, 0, total);
            }
            line[0].update(done, Map.of());
        };
    }

    private static Option.Builder opt(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc);
    }

    /** A payload given as hex ({@code 0x...}) or decimal; it must be below 2^bits. */
    static long parsePayload(String text, int bits) {
        String t = text.strip().toLowerCase(Locale.ROOT).replace("_", "");
        BigInteger v;
        try {
            v = t.startsWith("0x") ? new BigInteger(t.substring(2), 16) : new BigInteger(t);
        } catch (NumberFormatException e) {
            throw new LockeyException("--payload: '" + text + "' is not a hex (0x...) or decimal number");
        }
        if (v.signum() < 0 || v.bitLength() > bits) {
            throw new LockeyException("--payload " + text + " does not fit the model's " + bits + "-bit payload (max "
                    + hex(bits == 64 ? -1L : (1L << bits) - 1, bits) + ")");
        }
        return v.longValue();
    }

    /** {@code 0x} and {@code ceil(bits / 4)} upper-case hex digits. */
    static String hex(long value, int bits) {
        String h = Long.toHexString(value).toUpperCase(Locale.ROOT);
        int digits = (bits + 3) / 4;
        return "0x" + "0".repeat(Math.max(0, digits - h.length())) + h;
    }

    /**
     * The shortest clip a watermark model reads: one message period, the least length whose STFT (after upstream's
     * right padding) has {@code message_len} frames (6144 samples, 0.28 s, for the 22.05 kHz demo model).
     */
    static InputAudio.Need need(WatermarkModel model) {
        return org.lockey.corpus.Tracer.need(model);
    }

    /** All samples zero: nothing to watermark, nothing to detect (SilentCipher's normalisation needs power). */
    static boolean isSilent(float[] x) {
        for (float v : x) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }
}
