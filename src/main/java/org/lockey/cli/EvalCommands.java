package org.lockey.cli;

import static org.lockey.cli.Options2.opt;
import static org.lockey.cli.Options2.required;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.InputAudio;
import org.lockey.audio.MelSpectrogram;
import org.lockey.corpus.CorpusJob;
import org.lockey.corpus.Engine;
import org.lockey.corpus.EvalItem;
import org.lockey.corpus.ProbeJob;
import org.lockey.corpus.SystemFiles;
import org.lockey.corpus.Table2Job;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.CodecBackend;
import org.lockey.distortion.Codecs;
import org.lockey.distortion.Distortion;
import org.lockey.distortion.Distortions;
import org.lockey.distortion.LossyCodec;
import org.lockey.eval.Attack;
import org.lockey.eval.DetectionCalibration;
import org.lockey.eval.DetectionEval;
import org.lockey.eval.DetectionReport;
import org.lockey.eval.KeySize;
import org.lockey.eval.KeyedSystem;
import org.lockey.eval.Probe;
import org.lockey.eval.ResultTable;
import org.lockey.eval.Quality;
import org.lockey.eval.Resynthesis;
import org.lockey.eval.Table1;
import org.lockey.eval.Table2;
import org.lockey.io.Json;
import org.lockey.metric.Sdr;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.lockey.KeyedModelDir;
import org.lockey.model.silentcipher.DetectThreshold;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.train.KeyWarmup;
import org.lockey.train.LockeyTrainer;
import org.lockey.train.Progress;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code eval sdr}, {@code table1}, {@code table2}, {@code probe}, {@code attack}, {@code key-capacity}, {@code keysize}: the
 * paper's objective results; {@code eval quality}: objective stand-ins for Table III; {@code eval detection}: the
 * watermark's detection threshold.
 */
final class EvalCommands {
    private EvalCommands() {
    }

    /** {@code --distortions} (default Table I) with the codecs of {@code --codec-backend}. */
    static List<Distortion> distortions(CommandLine cl) {
        Codecs codecs = codecs(cl);
        return cl.hasOption("distortions") ? Distortions.parse(cl.getOptionValue("distortions"), codecs)
                : Distortions.tableI(codecs);
    }

    static Option distortionsOption() {
        return opt("distortions", "LIST", "columns, comma separated (default all of Table I: "
                + String.join(",", Distortions.names()) + "; opt-in beyond the paper: "
                + String.join(",", Distortions.optInNames()) + ")");
    }

    /** The engines of {@code --codec-backend}, by default those of the property {@value CodecBackend#PROPERTY}. */
    static Codecs codecs(CommandLine cl) {
        return Codecs.of(cl.hasOption("codec-backend") ? CodecBackend.parse(cl.getOptionValue("codec-backend"))
                : CodecBackend.configured());
    }

    static Option codecBackendOption() {
        return opt("codec-backend", "maven|os", "where the MP3/Vorbis/AAC/Opus encoders come from: maven (jump3r, "
                + "the ffmpeg of org.bytedeco:ffmpeg) or os (the system's ffmpeg); default -D" + CodecBackend.PROPERTY
                + ", else maven (now " + CodecBackend.configured().id() + ")");
    }

    /** {@code ./lockey eval sdr}. */
    static final class SdrCommand implements Command {
        @Override
        public String name() {
            return "eval sdr";
        }

        @Override
        public String summary() {
            return "SDR in dB of an estimate against a reference (10 log10 |ref|^2 / |est - ref|^2)";
        }

        @Override
        public Options options() {
            return new Options().addOption(required("ref", "WAV", "reference audio"))
                    .addOption(required("est", "WAV", "audio under test"));
        }

        @Override
        public int run(CommandLine cl) {
            Path refFile = Path.of(cl.getOptionValue("ref"));
            Path estFile = Path.of(cl.getOptionValue("est"));
            Audio ref = InputAudio.read(refFile);
            Audio est = InputAudio.read(estFile);
            float[] r = ref.mono();
            float[] e = InputAudio.atRate(estFile, est.mono(), est.sampleRate(), ref.sampleRate(), "the reference's",
                    InputAudio.Need.ANY, InputAudio.OtherRate.RESAMPLE);
            int n = Math.min(r.length, e.length);
            r = java.util.Arrays.copyOf(r, n);
            if (WatermarkCommands.isSilent(r)) {       // 10 log10(0 / x): -inf, or NaN when the estimate is silent too
                throw new LockeyException(refFile + ": the reference is silent (all " + (n < ref.frames() ? "of the first "
                        + n + " " : "") + "samples are zero); the SDR is undefined");
            }
            if (ref.frames() != e.length) {
                System.err.printf("note: lengths differ (%d and %d samples); the first %d are compared%n", ref.frames(),
                        e.length, n);
            }
            System.out.printf(Locale.ROOT, "%.2f dB%n", Sdr.db(r, java.util.Arrays.copyOf(e, n)));
            return OK;
        }
    }

    /** {@code ./lockey eval table1}. */
    static final class Table1Command implements Command {
        @Override
        public String name() {
            return "eval table1";
        }

        @Override
        public String summary() {
            return "Table I: post-hoc SilentCipher on real and on reconstructed audio (SDR, accuracy per distortion)";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(required("watermark", "DIR", "watermark model"))
                    .addOption(required("data", "DIR", "audio (split-aware)"))
                    .addOption(opt("base", "DIR", "generator for the reconstructed row (HiFi-GAN or Encodec model)"))
                    .addOption(opt("split", "NAME", "split (default test)"))
                    .addOption(opt("clips", "N", "clips (default all of the split)"))
                    .addOption(opt("sdr", "DB", "watermark SDR (default: the watermark model's message_sdr)"))
                    .addOption(opt("seed", "S", "seed (default 1)"))
                    .addOption(distortionsOption())
                    .addOption(codecBackendOption())
                    .addOption(opt("out", "DIR", "write table1.md/.csv/.json there (default: print)"));
        }

        @Override
        public int run(CommandLine cl) {
            WatermarkModel wm = WatermarkModel.load(Path.of(cl.getOptionValue("watermark")));
            wm.requireMessageDecoder("evaluate Table I (bit accuracy needs decoding)");
            AudioDataset data = AudioDataset.load(Path.of(cl.getOptionValue("data")), cl.getOptionValue("split", "test"),
                    wm.sampleRate());
            int clips = Options2.intValue(cl, "clips", data.size());
            double sdr = Options2.doubleValue(cl, "sdr", wm.config().messageSdr());
            long seed = Options2.longValue(cl, "seed", 1);
            List<Distortion> ds = distortions(cl);
            String dataset = Path.of(cl.getOptionValue("data")).getFileName().toString();
            List<String[]> labels = new ArrayList<>();
            List<Table1.Result> results = new ArrayList<>();
            labels.add(new String[] {"SC", dataset});
            results.add(Table1.run(wm, data, clips, x -> x, ds, sdr, seed, "real"));
            if (cl.hasOption("base")) {
                Resynthesis.BaseModel base = Resynthesis.load(Path.of(cl.getOptionValue("base")));
                java.util.function.UnaryOperator<float[]> g = base::resynthesise;
                String name = base.kind().equals("encodec") ? "Encodec+SC" : "HiFi-GAN+SC";
                labels.add(new String[] {name, dataset});
                results.add(Table1.run(wm, data, clips, g, ds, sdr, seed, "reconstructed"));
            }
            ResultTable t = Table1.table(labels, results, ds);
            emit(cl, t, "table1");
            return OK;
        }
    }

    /** {@code ./lockey eval table2}. */
    static final class Table2Command implements Command {
        @Override
        public String name() {
            return "eval table2";
        }

        @Override
        public String summary() {
            return "Table II: a keyed model's SDR_valid, SDR_invalid and key accuracy per distortion";
        }

        @Override
        public Options options() {
            return EngineOptions.add(KeyedInputs.options("key registry")
                    .addOption(opt("clips", "N", "clips (default all of the split)"))
                    .addOption(opt("keys", "N", "valid keys (issued first) and as many invalid keys (default 3)"))
                    .addOption(opt("sdr", "DB", "watermark SDR of the teacher (default: the watermark model's message_sdr)"))
                    .addOption(opt("seed", "S", "seed (default 1)"))
                    .addOption(distortionsOption())
                    .addOption(codecBackendOption())
                    .addOption(opt("out", "DIR", "write table2.md/.csv/.json there (default: print)")));
        }

        @Override
        public String details() {
            return "\nClip x key pairs are the unit of work: --engine spark spreads them over Spark's executors"
                    + " (docs/spark.md) and gives the serial command's table exactly.";
        }

        @Override
        public int run(CommandLine cl) {
            CorpusEval in = CorpusEval.load(cl);
            List<Distortion> ds = distortions(cl);
            int keys = Options2.intValue(cl, "keys", 3);
            long seed = Options2.longValue(cl, "seed", 1);
            CodecBackend backend = cl.hasOption("codec-backend") ? CodecBackend.parse(cl.getOptionValue("codec-backend"))
                    : CodecBackend.configured();
            Table2Job job = new Table2Job(in.systemFiles(), String.join(",", ds.stream().map(Distortion::name).toList()),
                    backend.id(), keys, in.sdr(cl), seed);
            int n = Math.min(Options2.intValue(cl, "clips", in.files().size()), in.files().size());
            int k = Table2.keys(in.registry(), keys, seed).valid().size();
            List<EvalItem> items = new ArrayList<>();
            for (int c = 0; c < n; c++) {
                for (int j = 0; j < k; j++) {
                    items.add(new EvalItem(c, j, in.files().get(c).toString()));
                }
            }
            List<Table2.Pair> pairs = in.map(cl, job, items, "table2 " + in.sys().branch());
            Table2.Result r = Table2.combine(pairs, n, k, ds, Table2.unavailable(ds));
            ResultTable t = Table2.table(List.of(in.modelName()), List.of(r), ds);
            emit(cl, t, "table2");
            return OK;
        }
    }

    /**
     * {@code ./lockey eval codecs}: how much each codec column distorts, with each backend on the same
     * clips (the SDR of the round trip against its input), for the backends' agreement in
     * {@code docs/distortions.md}.
     */
    static final class CodecsCommand implements Command {
        @Override
        public String name() {
            return "eval codecs";
        }

        @Override
        public String summary() {
            return "SDR of every codec column's round trip with the maven and the os codec backend, side by side";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(required("data", "DIR", "audio (split-aware)"))
                    .addOption(opt("split", "NAME", "split (default test)"))
                    .addOption(opt("rate", "HZ", "the rate the clips are read at (default 22050)"))
                    .addOption(opt("clips", "N", "clips (default all of the split)"))
                    .addOption(opt("out", "DIR", "write codecs.md/.csv/.json there (default: print)"));
        }

        @Override
        public int run(CommandLine cl) {
            int rate = Options2.intValue(cl, "rate", 22050);
            AudioDataset data = AudioDataset.load(Path.of(cl.getOptionValue("data")), cl.getOptionValue("split", "test"),
                    rate);
            int clips = Math.min(Options2.intValue(cl, "clips", data.size()), data.size());
            List<CodecBackend> backends = List.of(CodecBackend.values());
            List<List<Distortion>> columns = new ArrayList<>();
            for (CodecBackend b : backends) {
                Codecs codecs = Codecs.of(b);
                List<Distortion> ds = new ArrayList<>(Distortions.tableI(codecs).stream()
                        .filter(d -> d instanceof LossyCodec).toList());
                ds.addAll(Distortions.optIn(codecs));
                columns.add(ds);
            }
            List<String> header = new ArrayList<>(List.of("column"));
            backends.forEach(b -> header.add(b.id() + " SDR"));
            ResultTable t = new ResultTable(String.format(Locale.ROOT, "codec round trips: SDR in dB against the input "
                    + "(mean over %d clips of %s at %d Hz)", clips, cl.getOptionValue("data"), rate), header, 1);
            var progress = new Progress("eval codecs", 0, (long) clips * columns.get(0).size());
            for (int i = 0; i < columns.get(0).size(); i++) {
                List<Object> row = new ArrayList<>(List.of(columns.get(0).get(i).name()));
                for (List<Distortion> ds : columns) {
                    Distortion d = ds.get(i);
                    if (d.unavailable().isPresent()) {
                        row.add(Double.NaN);
                        t.note(d.unavailable().get());
                        continue;
                    }
                    double sum = 0;
                    for (int c = 0; c < clips; c++) {
                        float[] x = data.clip(c);
                        sum += Sdr.db(x, d.apply(x, rate, new java.util.SplittableRandom(c)));
                    }
                    row.add(sum / clips);
                }
                t.row(row);
                progress.update((long) (i + 1) * clips, java.util.Map.of());
            }
            columns.forEach(ds -> Codecs.encoderNotes(ds).forEach(t::note));
            emit(cl, t, "codecs");
            return OK;
        }
    }

    /** {@code --sdr}, by default the watermark model's {@code message_sdr}. */
    static double sdrOf(CommandLine cl, KeyedSystem sys) {
        return Options2.doubleValue(cl, "sdr", sys.watermark().config().messageSdr());
    }

    /** The branch's name in tables. */
    static String modelNameOf(KeyedSystem sys) {
        return sys.branch().equals("hifigan") ? "HiFi-GAN" : "Encodec";
    }

    /**
     * What {@code eval table2} and {@code eval probe} both read: a keyed model with its base generator (the
     * teacher), a key registry, and a split of audio at the model's rate.
     */
    record KeyedInputs(KeyedSystem sys, KeyRegistry registry, AudioDataset data) {
        /** {@code --model}, {@code --base}, {@code --registry} (described as given), {@code --data}, {@code --split}. */
        static Options options(String registryDescription) {
            return new Options()
                    .addOption(required("model", "DIR", "keyed model (a train lockey run or its model/)"))
                    .addOption(required("base", "DIR", "the base generator it was fine-tuned from (the teacher)"))
                    .addOption(required("registry", "FILE", registryDescription))
                    .addOption(required("data", "DIR", "audio (split-aware)"))
                    .addOption(opt("split", "NAME", "split (default test)"));
        }

        static KeyedInputs load(CommandLine cl) {
            KeyedSystem sys = KeyedSystem.load(Path.of(cl.getOptionValue("model")), Path.of(cl.getOptionValue("base")));
            Path registryFile = Path.of(cl.getOptionValue("registry"));
            KeyRegistry registry = KeyRegistry.load(registryFile);
            KeyedModelDir.of(Path.of(cl.getOptionValue("model"))).requireFits(registry, registryFile);
            AudioDataset data = AudioDataset.load(Path.of(cl.getOptionValue("data")), cl.getOptionValue("split", "test"),
                    sys.sampleRate());
            return new KeyedInputs(sys, registry, data);
        }

        /** {@code --sdr}, by default the watermark model's {@code message_sdr}. */
        double sdr(CommandLine cl) {
            return sdrOf(cl, sys);
        }

        /** The branch's name in tables. */
        String modelName() {
            return modelNameOf(sys);
        }
    }

    /**
     * What {@code eval table2} and {@code eval probe} read, for an engine: the keyed system (loaded here once, to check
     * the inputs and name the branch), the registry, and the split's files (read by the workers, one by one).
     */
    record CorpusEval(KeyedSystem sys, Path model, Path base, Path registryFile, KeyRegistry registry, List<Path> files) {
        static CorpusEval load(CommandLine cl) {
            Path model = KeyedModelDir.modelDirOf(Path.of(cl.getOptionValue("model")));
            Path base = Path.of(cl.getOptionValue("base"));
            KeyedSystem sys = KeyedSystem.load(model, base);
            Path registryFile = Path.of(cl.getOptionValue("registry"));
            KeyRegistry registry = KeyRegistry.load(registryFile);
            KeyedModelDir.of(model).requireFits(registry, registryFile);
            List<Path> files = AudioDataset.files(Path.of(cl.getOptionValue("data")), cl.getOptionValue("split", "test"));
            return new CorpusEval(sys, model, base, registryFile, registry, files);
        }

        /** {@code --sdr}, by default the watermark model's {@code message_sdr}. */
        double sdr(CommandLine cl) {
            return sdrOf(cl, sys);
        }

        /** The three files the engine's workers open. */
        SystemFiles systemFiles() {
            return new SystemFiles(model.toString(), base.toString(), registryFile.toString());
        }

        /** The branch's name in tables. */
        String modelName() {
            return modelNameOf(sys);
        }

        /** {@code job} over {@code items} on the engine of the command line, with a progress line. */
        <W, R extends java.io.Serializable> List<R> map(CommandLine cl, CorpusJob<W, EvalItem, R> job,
                List<EvalItem> items, String label) {
            try (Engine engine = EngineOptions.open(cl)) {
                Progress progress = new Progress(label + " (" + engine.name() + ")", 0, items.size());
                return engine.map(job, items, n -> {
                    synchronized (progress) {
                        progress.update(n, java.util.Map.of());
                    }
                });
            }
        }
    }

    /** {@code ./lockey eval probe}: paper §V-C, SDR per key for all valid keys and a sample of invalid ones. */
    static final class ProbeCommand implements Command {
        @Override
        public String name() {
            return "eval probe";
        }

        @Override
        public String summary() {
            return "SDR per key (min/mean/max over clips) for every valid key and seeded invalid keys, plotted (§V-C)";
        }

        @Override
        public Options options() {
            return EngineOptions.add(KeyedInputs.options("key registry (its valid keys are probed)")
                    .addOption(opt("clips", "N", "clips per key (default 4)"))
                    .addOption(opt("max-valid", "N", "probe at most N valid keys (default all)"))
                    .addOption(opt("invalid", "N", "seeded invalid keys (default 100)"))
                    .addOption(opt("seconds", "S", "probe each clip's first S seconds (default: whole clips)"))
                    .addOption(opt("sdr", "DB", "watermark SDR of the teacher (default: the watermark model's message_sdr)"))
                    .addOption(opt("seed", "S", "seed of the invalid keys (default 1)"))
                    .addOption(opt("out", "DIR", "write probe.md/.csv/.json, probe-keys.csv and probe.png there (default: print)")));
        }

        @Override
        public String details() {
            return "\nClip x key pairs are the unit of work: --engine spark spreads them over Spark's executors"
                    + " (docs/spark.md) and gives the serial command's figures exactly.";
        }

        @Override
        public int run(CommandLine cl) {
            CorpusEval in = CorpusEval.load(cl);
            Probe.Plan plan = new Probe.Plan(Options2.intValue(cl, "clips", 4),
                    Options2.intValue(cl, "max-valid", Integer.MAX_VALUE), Options2.intValue(cl, "invalid", 100),
                    Options2.doubleValue(cl, "seconds", Double.POSITIVE_INFINITY), in.sdr(cl),
                    Options2.longValue(cl, "seed", 1));
            ProbeJob job = new ProbeJob(in.systemFiles(), plan);
            Probe.Keys keys = Probe.keys(in.registry(), plan.maxValid(), plan.invalidKeys(), plan.seed());
            int n = Math.min(plan.clips(), in.files().size());
            int k = keys.all().size();
            List<EvalItem> items = new ArrayList<>();
            for (int c = 0; c < n; c++) {              // clip by clip: a worker runs each clip's teacher once
                for (int j = 0; j < k; j++) {
                    items.add(new EvalItem(c, j, in.files().get(c).toString()));
                }
            }
            List<Double> sdr = in.map(cl, job, items, "probe " + in.sys().branch());
            double[][] perKey = new double[k][n];
            for (int i = 0; i < items.size(); i++) {
                perKey[items.get(i).key()][items.get(i).clip()] = sdr.get(i);
            }
            Probe.Result r = Probe.combine(keys, perKey, n, plan.seconds());
            String model = in.modelName();
            ResultTable t = Probe.table(model, r);
            emit(cl, t, "probe");
            if (cl.hasOption("out")) {
                Probe.writeDetails(Path.of(cl.getOptionValue("out")), model, r);
            }
            return OK;
        }
    }

    /** {@code ./lockey eval attack}: paper §V-C, Gaussian noise on every generator layer against the watermark. */
    static final class AttackCommand implements Command {
        @Override
        public String name() {
            return "eval attack";
        }

        @Override
        public String summary() {
            return "white-box attack (§V-C): Gaussian noise on every generator layer; bit accuracy against SDR per std";
        }

        @Override
        public Options options() {
            return KeyedInputs.options("key registry (its issued keys are attacked first)")
                    .addOption(opt("clips", "N", "clips (default 4)"))
                    .addOption(opt("keys", "N", "valid keys per clip, issued ones first (default 3)"))
                    .addOption(opt("stds", "LIST", "noise standard deviations, comma separated, each >= 0 (default "
                            + String.join(",", Attack.DEFAULT_STDS.stream().map(String::valueOf).toList())
                            + ")"))
                    .addOption(opt("sdr", "DB", "watermark SDR of the teacher (default: the watermark model's message_sdr)"))
                    .addOption(opt("seed", "S", "seed of the noise (default 1)"))
                    .addOption(opt("out", "DIR", "write attack.md/.csv/.json and attack.png there (default: print)"));
        }

        @Override
        public String details() {
            return "Adds i.i.d. N(0, std^2) to the output of every convolution of the generator (HiFi-GAN: conv_pre, "
                    + "ups.*, every resblock conv, conv_post; Encodec: every decoder conv, not the LSTM), never to the "
                    + "key path, and reports per std the SDR against the teacher's watermarked output (as Table II) "
                    + "and the bit accuracy of the key decoded from the perturbed output. std 0 is the unperturbed "
                    + "model. docs/evaluation.md, \"White-box attack\".";
        }

        /** {@code --stds}: a comma-separated list of finite numbers >= 0. */
        static List<Double> stds(CommandLine cl) {
            if (!cl.hasOption("stds")) {
                return Attack.DEFAULT_STDS;
            }
            String v = cl.getOptionValue("stds");
            List<Double> out = new ArrayList<>();
            for (String part : v.split(",", -1)) {
                double s;
                try {
                    s = Double.parseDouble(part.strip());
                } catch (NumberFormatException e) {
                    throw new LockeyException("--stds: '" + part.strip() + "' is not a number (in '" + v + "')");
                }
                if (!(s >= 0) || Double.isInfinite(s)) {
                    throw new LockeyException("--stds: " + part.strip() + " is not a finite number >= 0");
                }
                out.add(s);
            }
            return out;
        }

        @Override
        public int run(CommandLine cl) {
            List<Double> stds = stds(cl);
            int clips = Options2.intValue(cl, "clips", 4);
            int keys = Options2.intValue(cl, "keys", 3);
            if (clips < 1 || keys < 1) {
                throw new LockeyException("--clips and --keys must be at least 1");
            }
            KeyedInputs in = KeyedInputs.load(cl);
            Attack.Result r = Attack.run(in.sys(), in.registry(), in.data(), clips, keys,
                    stds, in.sdr(cl), Options2.longValue(cl, "seed", 1));
            ResultTable t = Attack.table(in.modelName(), r);
            emit(cl, t, "attack");
            if (cl.hasOption("out")) {
                Attack.plot(Path.of(cl.getOptionValue("out")).resolve("attack.png"), in.modelName(), r);
            }
            return OK;
        }
    }

    /** {@code ./lockey eval key-capacity}: can the key path alone learn a valid set (no generator)? */
    static final class KeyCapacityCommand implements Command {
        /** The warm-up recipe of {@code train lockey}'s default design, which this command measures by default. */
        static final LockeyTrainer.Warmup WARMUP = LockeyTrainer.Design.DEFAULT.warmup();

        @Override
        public String name() {
            return "eval key-capacity";
        }

        @Override
        public String summary() {
            return "train the key path alone (embedding, E_k, verifier) on a registry's valid set; verifier accuracy";
        }

        @Override
        public Options options() {
            return new Options().addOption(required("registry", "FILE", "key registry (its valid keys are the valid set)"))
                    .addOption(opt("steps", "N", "Adam steps (default 2000)"))
                    .addOption(opt("batch-size", "N", "keys per step (default " + WARMUP.batch() + ")"))
                    .addOption(opt("valid-share", "P", "expected share of valid keys per batch (default "
                            + WARMUP.validShare() + ")"))
                    .addOption(opt("near-miss-share", "P", "share of invalid draws that are a valid key with 1-2 bits "
                            + "flipped (default " + WARMUP.nearMissShare() + ")"))
                    .addOption(opt("lr", "LR", "Adam's first learning rate, cosine decay to 5 % (default "
                            + WARMUP.lr() + ")"))
                    .addOption(opt("key-dim", "D", "key embedding size (default 64)"))
                    .addOption(opt("key-hidden", "H", "key encoder hidden channels (default 256)"))
                    .addOption(opt("channels", "C", "width of E_k's output (default 256, HiFi-GAN V1 after ups.0)"))
                    .addOption(opt("pooling", "P", "E_k's last layer: flat (a conv over all bits) or mean (3-tap conv, "
                            + "mean over bits; the golden case's form) (default flat)"))
                    .addOption(opt("seed", "S", "seed of initialisation and key draws (default 1)"));
        }

        @Override
        public int run(CommandLine cl) {
            KeyRegistry registry = KeyRegistry.load(Path.of(cl.getOptionValue("registry")));
            KeyConfig cfg = new KeyConfig(registry.bits(),
                    Options2.intValue(cl, "key-dim", 64), Options2.intValue(cl, "key-hidden", 256),
                    Options2.intValue(cl, "channels", 256)).with(
                            Options2.enumValue(cl, "pooling", KeyConfig.Pooling.class, KeyConfig.Pooling.FLAT));
            int steps = Options2.intValue(cl, "steps", 2000);
            long t0 = System.nanoTime();
            var recipe = new KeyWarmup.Recipe(steps, Options2.intValue(cl, "batch-size", WARMUP.batch()),
                    Options2.doubleValue(cl, "valid-share", WARMUP.validShare()),
                    Options2.doubleValue(cl, "lr", WARMUP.lr()), Options2.longValue(cl, "seed", 1),
                    Options2.doubleValue(cl, "near-miss-share", WARMUP.nearMissShare()));
            var r = KeyWarmup.train(registry, cfg, recipe,
                    line -> System.err.println(line)).result();
            System.out.printf(Locale.ROOT, "%d valid keys of %d bits, d %d, h %d, C %d, %s pooling, %d steps (%.0f s)%n",
                    registry.validKeys().size(), registry.bits(), cfg.keyDim(), cfg.keyHidden(), cfg.channels(),
                    cfg.pooling().name().toLowerCase(Locale.ROOT), steps,
                    (System.nanoTime() - t0) / 1e9);
            System.out.printf(Locale.ROOT, "verifier accuracy: valid keys %.4f, invalid keys %.4f (%d evaluated), "
                    + "balanced %.4f; final CE %.4f%n", r.validAccuracy(), r.invalidAccuracy(), r.invalidEvaluated(),
                    r.balanced(), r.finalLoss());
            return OK;
        }
    }

    /** {@code ./lockey eval key-size}: paper Fig. 4, SDR_valid and SDR_invalid against the key size. */
    static final class KeySizeCommand implements Command {
        @Override
        public String name() {
            return "eval key-size";
        }

        @Override
        public java.util.List<String> formerNames() {
            return java.util.List.of("eval keysize");
        }

        @Override
        public String summary() {
            return "Fig. 4: fine-tune a keyed HiFi-GAN per key size (valid keys fixed), SDR_valid / SDR_invalid against K";
        }

        @Override
        public String details() {
            return "\nFor each K of --sizes: a seeded registry of --valid K-bit keys, a keyed HiFi-GAN fine-tuned from --base"
                    + " for --steps steps with the first-phase recipe of the shipped keyed model (reference-data/models/README.md),"
                    + " then eval table2's clean column on the test split and the verifier's accuracy. Each size trains into"
                    + " OUT/runs/k<K>/; a size already measured is skipped, a finished training is only measured, a checkpoint"
                    + " is resumed, so running the same command again continues a killed run. Writes OUT/keysize.md/.csv/.json"
                    + " and OUT/keysize.png. Cost: one fine-tune per size (about 3.3 s per step on 2 idle cores, several times"
                    + " more on a shared machine, plus the key warm-up and a minute or two of measurement); docs/evaluation.md, Key size.";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(required("base", "DIR", "the base HiFi-GAN (teacher and starting point)"))
                    .addOption(required("watermark", "DIR", "the watermark model (used with K-bit payloads for each K)"))
                    .addOption(required("data", "DIR", "speech with splits (train, valid, test)"))
                    .addOption(required("out", "DIR", "output directory (runs/k<K>/, keysize.md/.csv/.json/.png)"))
                    .addOption(opt("sizes", "LIST", "key sizes in bits, comma separated (default 8,16,24,32)"))
                    .addOption(opt("valid", "N", "valid keys per registry (default 16, the demo registry's; paper 655)"))
                    .addOption(opt("steps", "N", "fine-tuning steps per size (default 150; the shipped model: 1000)"))
                    .addOption(opt("key-warmup", "N", "key warm-up steps before fine-tuning (default 1000, the recipe's)"))
                    .addOption(opt("clips", "N", "test clips measured (default all of the split)"))
                    .addOption(opt("keys", "N", "valid keys per clip measured, and as many invalid ones (default 3)"))
                    .addOption(opt("minutes", "M", "time budget: start no new size after M minutes (default none)"))
                    .addOption(opt("seed", "S", "seed of the registries (default 2024, the demo registry's)"));
        }

        @Override
        public int run(CommandLine cl) {
            KeySize.Settings s = new KeySize.Settings(Path.of(cl.getOptionValue("base")),
                    Path.of(cl.getOptionValue("watermark")), Path.of(cl.getOptionValue("data")),
                    KeySize.parseSizes(cl.getOptionValue("sizes", "8,16,24,32")), Options2.intValue(cl, "valid", 16),
                    Options2.longValue(cl, "steps", 150), Options2.intValue(cl, "key-warmup", 1000),
                    Options2.intValue(cl, "clips", Integer.MAX_VALUE), Options2.intValue(cl, "keys", 3),
                    cl.hasOption("minutes") ? Options2.doubleValue(cl, "minutes", 0) : null,
                    Options2.longValue(cl, "seed", 2024), Path.of(cl.getOptionValue("out")));
            long t0 = System.nanoTime();
            KeySize.Outcome o = KeySize.run(s, System.err::println);
            System.out.println(o.table().markdown());
            if (!o.notStarted().isEmpty()) {
                System.out.printf(Locale.ROOT, "--minutes %s spent: %d of %d sizes done (the sizes that fit the time given); "
                        + "not started: %s. Run the same command again to continue.%n", cl.getOptionValue("minutes"),
                        o.rows().size(), s.sizes().size(), o.notStarted());
            }
            System.out.printf(Locale.ROOT, "written to %s (.csv, .json%s) in %.1f min%n",
                    s.out().resolve("keysize.md"), o.rows().isEmpty() ? "; no plot: no size done" : ", keysize.png",
                    (System.nanoTime() - t0) / 60e9);
            return OK;
        }
    }

    /** {@code ./lockey eval detection}: issue 18 part 3, the detection threshold from measured false and true positives. */
    static final class DetectionCommand implements Command {
        /** The segment lengths by default, seconds. */
        static final String DEFAULT_LENGTHS = "1,2,3,5,10";
        /** Below this many never-watermarked segments a 0.1 % false-positive rate cannot be told from 0. */
        static final int RECOMMENDED_NEGATIVES = 1000;

        @Override
        public String name() {
            return "eval detection";
        }

        @Override
        public String summary() {
            return "calibrate detection: false positives on never-watermarked audio, true positives per distortion, "
                    + "the threshold";
        }

        @Override
        public String details() {
            return "\nNever-watermarked segments, per length of --lengths: --segments crops of the speech and of the music "
                    + "(every split, concatenated, resampled to the model's rate; seeded offsets), one of digital silence, "
                    + "--noise-segments each of white and pink noise at -60 dBFS and at full scale, and --keyed-segments "
                    + "outputs of every --keyed model with seeded invalid keys (outside the valid set of the --registry "
                    + "given in the same position, else uniform). Watermarked segments: --positives crops of the speech and "
                    + "of the music per length, a random payload embedded at --sdr, decoded after every distortion. For "
                    + "every threshold of --thresholds: the false-positive rate (any payload reported) with its one-sided "
                    + "95 % upper bound, and the true-positive rate (the embedded payload reported) per distortion; the "
                    + "threshold chosen is the smallest whose false-positive rate is at most --target-fp. Writes "
                    + "OUT/detection.md (with the calibration from each length on), .csv (the sweep), .json and "
                    + "detection-readings.csv (every reading); --write-threshold also stores the chosen threshold "
                    + "in the watermark model's config.json: with --rule by-length (the default) a threshold per number of "
                    + "message periods, each length's own smallest threshold meeting --target-fp (detect_thresholds), "
                    + "with --rule uniform the one threshold chosen on every length pooled (detect_threshold). "
                    + "docs/silentcipher.md, Detection threshold.";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(required("watermark", "DIR", "watermark model to calibrate"))
                    .addOption(required("out", "DIR", "write detection.md/.csv/.json there"))
                    .addOption(opt("data", "DIR", "speech, every split used (default reference-data/speech)"))
                    .addOption(opt("music", "DIR", "music, every split used (default reference-data/music)"))
                    .addOption(Option.builder().longOpt("keyed").hasArgs().argName("MODEL_DIR")
                            .desc("keyed models whose invalid-key outputs are negatives (a train lockey run or its model/)")
                            .build())
                    .addOption(Option.builder().longOpt("registry").hasArgs().argName("FILE")
                            .desc("key registries of the --keyed models, in the same order (default: invalid keys "
                                    + "drawn uniformly)").build())
                    .addOption(opt("lengths", "LIST", "segment lengths in seconds (default " + DEFAULT_LENGTHS + ")"))
                    .addOption(opt("segments", "N", "never-watermarked crops per source and length (default 100)"))
                    .addOption(opt("noise-segments", "N", "segments per noise kind and length (default 10)"))
                    .addOption(opt("keyed-segments", "N", "invalid-key outputs per keyed model and length (default 20)"))
                    .addOption(opt("positives", "N", "watermarked crops per source and length (default 10)"))
                    .addOption(distortionsOption())
                    .addOption(opt("sdr", "DB", "watermark SDR (default: the watermark model's message_sdr)"))
                    .addOption(opt("thresholds", "FROM:TO:STEP", "thresholds swept (default 0.30:0.95:0.01)"))
                    .addOption(opt("target-fp", "RATE", "largest false-positive rate accepted (default 0.001)"))
                    .addOption(opt("seed", "S", "seed (default 1)"))
                    .addOption(Option.builder().longOpt("readings").hasArgs().argName("CSV")
                            .desc("calibrate on the detection-readings.csv of earlier runs, pooled, instead of decoding "
                                    + "(the source options are then ignored)").build())
                    .addOption(opt("rule", "by-length|uniform", "what --write-threshold stores: a threshold per "
                            + "number of message periods (default) or one for every length"))
                    .addOption(opt("write-threshold", null, "store the chosen rule in the watermark model's config.json"));
        }

        /** {@code --lengths}: positive seconds, comma separated. */
        static List<Double> lengths(CommandLine cl) {
            String v = cl.getOptionValue("lengths", DEFAULT_LENGTHS);
            List<Double> out = new ArrayList<>();
            for (String part : v.split(",", -1)) {
                double s;
                try {
                    s = Double.parseDouble(part.strip());
                } catch (NumberFormatException e) {
                    throw new LockeyException("--lengths: '" + part.strip() + "' is not a number (in '" + v + "')");
                }
                if (!(s > 0) || Double.isInfinite(s)) {
                    throw new LockeyException("--lengths: " + part.strip() + " is not a positive number of seconds");
                }
                out.add(s);
            }
            return out;
        }

        static int count(CommandLine cl, String opt, int fallback) {
            int n = Options2.intValue(cl, opt, fallback);
            if (n < 0) {
                throw new LockeyException("--" + opt + " must be at least 0, not " + n);
            }
            return n;
        }

        /** Decodes the segments of {@code s} (the sources from the command line) and records the settings. */
        private static DetectionEval.Measurement measure(CommandLine cl, WatermarkModel wm, DetectionEval.Settings s,
                ObjectNode settings) {
            Path speech = Path.of(cl.getOptionValue("data", "reference-data/speech"));
            Path music = Path.of(cl.getOptionValue("music", "reference-data/music"));
            String[] keyedDirs = cl.hasOption("keyed") ? cl.getOptionValues("keyed") : new String[0];
            String[] registries = cl.hasOption("registry") ? cl.getOptionValues("registry") : new String[0];
            if (registries.length > 0 && registries.length != keyedDirs.length) {
                throw new LockeyException("--registry: " + registries.length + " registries for " + keyedDirs.length
                        + " --keyed models (give one per model, in the same order, or none)");
            }
            List<DetectionEval.CleanStream> clean = List.of(
                    DetectionEval.CleanStream.of("speech", AudioDataset.load(speech, null, wm.sampleRate())),
                    DetectionEval.CleanStream.of("music", AudioDataset.load(music, null, wm.sampleRate())));
            List<DetectionEval.KeyedModel> keyed = new ArrayList<>();
            for (int i = 0; i < keyedDirs.length; i++) {
                Optional<KeyRegistry> registry = registries.length == 0 ? Optional.empty()
                        : Optional.of(KeyRegistry.load(Path.of(registries[i])));
                keyed.add(DetectionEval.KeyedModel.load(Path.of(keyedDirs[i]), registry, speech, music));
            }
            settings.put("speech", speech.toString());
            settings.put("music", music.toString());
            settings.put("keyed", String.join(",", keyedDirs));
            settings.put("registry", String.join(",", registries));
            settings.put("lengths", s.lengths().toString());
            settings.put("segments", s.cleanPerLength());
            settings.put("noise_segments", s.noisePerLength());
            settings.put("keyed_segments", s.keyedPerLength());
            settings.put("positives", s.positivesPerLength());
            settings.put("sdr_db", s.sdrDb());
            settings.put("seed", s.seed());
            return DetectionEval.run(wm, clean, keyed, s);
        }

        @Override
        public int run(CommandLine cl) {
            Path wmDir = Path.of(cl.getOptionValue("watermark"));
            WatermarkModel wm = WatermarkModel.load(wmDir);
            wm.requireMessageDecoder("calibrate detection");
            List<Double> lengths = lengths(cl);
            DetectionCalibration.ThresholdGrid grid = cl.hasOption("thresholds")
                    ? DetectionCalibration.ThresholdGrid.parse(cl.getOptionValue("thresholds"))
                    : DetectionCalibration.ThresholdGrid.DEFAULT;
            double target = Options2.doubleValue(cl, "target-fp", DetectionCalibration.DEFAULT_TARGET_FP_RATE);
            String ruleName = cl.getOptionValue("rule", "by-length");
            if (!List.of("by-length", "uniform").contains(ruleName)) {
                throw new LockeyException("--rule must be by-length or uniform, not '" + ruleName + "'");
            }
            boolean perLength = ruleName.equals("by-length");
            if (!(target >= 0 && target < 1)) {
                throw new LockeyException("--target-fp must be in [0, 1), not " + cl.getOptionValue("target-fp"));
            }
            long t0 = System.nanoTime();
            ObjectNode settings = Json.object();
            settings.put("watermark", wmDir.toString());
            DetectionEval.Measurement m;
            List<String> names;
            String what;
            if (cl.hasOption("readings")) {
                List<Path> files = Arrays.stream(cl.getOptionValues("readings")).map(Path::of).toList();
                DetectionReport.Readings r = DetectionReport.readReadings(files);
                if (r.negatives().isEmpty()) {
                    throw new LockeyException("--readings: no never-watermarked reading in " + files);
                }
                m = new DetectionEval.Measurement(r.negatives(), r.positives(), Map.of());
                names = r.distortions();
                settings.put("readings", String.join(",", cl.getOptionValues("readings")));
                what = "readings of " + files.size() + " file(s)";
            } else {
                List<Distortion> ds = distortions(cl);
                DetectionEval.Settings s = new DetectionEval.Settings(lengths,
                        count(cl, "segments", 100), count(cl, "noise-segments", 10), count(cl, "keyed-segments", 20),
                        count(cl, "positives", 10), ds,
                        Options2.doubleValue(cl, "sdr", wm.config().messageSdr()),
                        Options2.longValue(cl, "seed", 1));
                m = measure(cl, wm, s, settings);
                names = ds.stream().map(Distortion::name).toList();
                what = String.format(Locale.ROOT, "at %.1f dB", s.sdrDb());
            }
            settings.put("thresholds", grid.from() + ":" + grid.to() + ":" + grid.step());
            var calibration = DetectionCalibration.calibrate(m.negatives(), m.positives(), names, grid,
                    target);
            ToIntFunction<Double> periodsOf = sec -> wm.config().frames((int) Math.round(sec * wm.sampleRate()))
                    / wm.config().messageLen();
            var current = DetectionCalibration.at(wm.detectThreshold(), periodsOf, m.negatives(), m.positives(),
                    names);
            var byLength = DetectionCalibration.byLength(m.negatives(), m.positives(), names, grid, target, periodsOf);
            int distortionsRun = names.size() - m.unavailable().size();
            String title = String.format(Locale.ROOT, "detection of %s: %d never-watermarked segments, %d watermarked "
                    + "(x %d distortions), %s", wmDir, m.negatives().size(),
                    m.positives().size() / Math.max(1, distortionsRun), distortionsRun, what);
            var fromLength = DetectionCalibration.fromEachLength(m.negatives(), m.positives(), names, grid, target);
            DetectionReport report = new DetectionReport(title, calibration, fromLength, current, wm.detectThreshold(),
                    byLength, m.negatives(), m.positives(), names, m.unavailable(), settings);
            Path out = Path.of(cl.getOptionValue("out"));
            report.write(out);
            System.out.println(report.summary().markdown());
            System.out.println(report.negativesBySource().markdown());
            System.out.println(report.fromLengthTable().markdown());
            System.out.println(report.byLengthTable().markdown());
            if (m.negatives().size() < RECOMMENDED_NEGATIVES) {
                System.out.printf(Locale.ROOT, "note: %d never-watermarked segments (< %d): the upper bound of the "
                        + "false-positive rate stays above 0.1 %% even with none found%n", m.negatives().size(),
                        RECOMMENDED_NEGATIVES);
            }
            System.out.printf(Locale.ROOT, "written to %s (.csv, .json) in %.1f min%n",
                    out.resolve(DetectionReport.STEM + ".md"), (System.nanoTime() - t0) / 60e9);
            Optional<DetectThreshold> chosen = perLength ? byLength.rule()
                    : calibration.chosen().map(r -> DetectThreshold.uniform(r.threshold()));
            if (chosen.isEmpty()) {
                System.out.printf(Locale.ROOT, "no threshold of %s:%s:%s keeps false positives at or below %s%s%s%n",
                        grid.from(), grid.to(), grid.step(), target, perLength ? " at every length" : "",
                        cl.hasOption("write-threshold") ? "; " + wmDir.resolve(WatermarkModel.CONFIG_FILE) + " not changed" : "");
                return NEGATIVE;
            }
            System.out.printf(Locale.ROOT, "chosen threshold %s (the model's: %s)%n", chosen.get().describe(),
                    wm.detectThreshold().describe());
            if (cl.hasOption("write-threshold")) {
                WatermarkModel.writeDetectThreshold(wmDir, chosen.get());
                System.out.printf(Locale.ROOT, "detection threshold %s written to %s (was %s)%n", chosen.get().describe(),
                        wmDir.resolve(WatermarkModel.CONFIG_FILE), wm.detectThreshold().describe());
            }
            return OK;
        }
    }

    /** {@code ./lockey eval quality}: objective stand-ins for Table III's listening test. */
    static final class QualityCommand implements Command {
        @Override
        public String name() {
            return "eval quality";
        }

        @Override
        public String summary() {
            return "Table III stand-ins: STOI (speech), mel distance and SDR of Real, Watermarked, Teacher, Valid, Invalid";
        }

        @Override
        public Options options() {
            return KeyedInputs.options("key registry")
                    .addOption(opt("clips", "N", "clips (default all of the split)"))
                    .addOption(opt("keys", "N", "valid keys (issued first) and as many seeded invalid keys (default 3)"))
                    .addOption(opt("sdr", "DB", "watermark SDR (default: the watermark model's message_sdr)"))
                    .addOption(opt("seed", "S", "seed of the invalid keys (default 1)"))
                    .addOption(opt("out", "DIR", "write quality.md/.csv/.json there (default: print)"));
        }

        @Override
        public String details() {
            return "\nRows, for clip x and key k: Real (x), Watermarked (SilentCipher(x, k)), Teacher (SilentCipher(G0(x), k),"
                    + " Table II's reference), Valid (G(x, k)), Invalid (G(x, k') for seeded invalid k'). Each is scored"
                    + " against x with STOI (classic, as pystoi; speech branch only), the mel distance of eval resynthesis"
                    + " and the SDR; Valid and Invalid also against the teacher as Table II (SDR_valid, SDR_invalid)."
                    + " The watermark model is the one inside the keyed model directory; the keys are eval table2's.";
        }

        @Override
        public int run(CommandLine cl) {
            KeyedInputs in = KeyedInputs.load(cl);
            Quality.Settings settings = new Quality.Settings(Options2.intValue(cl, "clips", in.data().size()),
                    Options2.intValue(cl, "keys", 3), in.sdr(cl), Options2.longValue(cl, "seed", 1));
            Quality.Result r = Quality.run(in.sys(), in.registry(), in.data(), settings);
            emit(cl, Quality.table("Table III stand-ins: " + in.modelName() + " " + cl.getOptionValue("model") + " on "
                    + r.clips() + " clips of " + Path.of(cl.getOptionValue("data")).getFileName() + " ("
                    + cl.getOptionValue("split", "test") + ")", r), "quality");
            return OK;
        }
    }

    /** {@code ./lockey eval resynthesis}. */
    static final class ResynthesisCommand implements Command {
        @Override
        public String name() {
            return "eval resynthesis";
        }

        @Override
        public String summary() {
            return "how close a base model (HiFi-GAN or Encodec) resynthesises real clips: mel distance, level, SDR";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(required("model", "DIR", "base model: a HiFi-GAN (vocodes the clip's log-mel) or an "
                            + "Encodec directory (encodes and decodes the clip)"))
                    .addOption(required("data", "DIR", "audio (split-aware; resampled to the model's rate)"))
                    .addOption(opt("split", "NAME", "split (default test; 'all' for every .wav of DIR)"))
                    .addOption(opt("reference", "CODEC", "also score a codec round trip of each clip as a yardstick, "
                            + "e.g. mp3_32k (FORMAT_<kbps>k, FORMAT one of " + String.join(", ", Codecs.FORMATS) + ")"))
                    .addOption(codecBackendOption())
                    .addOption(opt("out", "DIR", "write resynthesis.md/.csv/.json there (default: print)"));
        }

        @Override
        public String details() {
            return "Mel distance: mean |log mel(clip) - log mel(resynthesis)| over 80 mel bands (0 Hz to Nyquist), "
                    + "n_fft 1024, hop 256, natural log of the magnitude mel floored at 1e-5 (org.lockey.metric.MelDistance; "
                    + "issue 19's measure: 0 is equal, an MP3 round trip at 32 kbit/s scores about 0.34 on speech). "
                    + "level_db: 20 log10 of the RMS ratio resynthesis / clip. sdr_db: the waveform SDR.";
        }

        @Override
        public int run(CommandLine cl) {
            Path dir = Path.of(cl.getOptionValue("model"));
            Resynthesis.BaseModel model = Resynthesis.load(dir);
            String split = cl.getOptionValue("split", "test");
            AudioDataset data = AudioDataset.load(Path.of(cl.getOptionValue("data")), split.equals("all") ? null : split,
                    model.sampleRate());
            Optional<String> referenceName = Optional.ofNullable(cl.getOptionValue("reference"));
            Optional<Distortion> reference = referenceName.map(n -> codec(n, codecs(cl)));
            List<Resynthesis.ClipResult> results = Resynthesis.evaluate(model, data, reference, System.err::println);
            emit(cl, Resynthesis.table(model.kind() + " " + dir + " on " + data.size() + " clips of "
                    + Path.of(cl.getOptionValue("data")).getFileName() + " (" + split + ")", results, referenceName),
                    "resynthesis");
            return OK;
        }

        /** {@code FORMAT_<kbps>k}: a codec round trip at that bit rate. */
        private static Distortion codec(String name, Codecs codecs) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([a-z0-9]+)_(\\d+)k").matcher(name);
            if (!m.matches() || !Codecs.FORMATS.contains(m.group(1))) {
                throw new LockeyException("--reference " + name + ": expected FORMAT_<kbps>k with FORMAT one of "
                        + String.join(", ", Codecs.FORMATS) + " (e.g. mp3_32k)");
            }
            int kbps = Integer.parseInt(m.group(2));
            return switch (m.group(1)) {
                case "mp3" -> codecs.mp3(kbps);
                case "ogg" -> codecs.ogg(kbps);
                case "aac" -> codecs.aac(kbps);
                default -> codecs.opus(kbps);
            };
        }
    }

    static void emit(CommandLine cl, ResultTable t, String stem) {
        if (cl.hasOption("out")) {
            Path out = Path.of(cl.getOptionValue("out"));
            t.write(out, stem);
            System.out.println(t.markdown());
            System.out.println("written to " + out.resolve(stem + ".md") + " (.csv, .json)");
        } else {
            System.out.println(t.markdown());
        }
    }
}
