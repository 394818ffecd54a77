package org.lockey.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.audio.InputAudio;
import org.lockey.audio.MelConfig;
import org.lockey.audio.MelSpectrogram;
import org.lockey.audio.Wav;
import org.lockey.bench.HifiGanBench;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;

/** {@code import hifigan}, {@code vocode}, {@code bench hifigan}. */
final class HifiGanCommands {
    private HifiGanCommands() {
    }

    /** {@code ./lockey import hifigan}. */
    static final class Import implements Command {
        @Override
        public String name() {
            return "import hifigan";
        }

        @Override
        public String summary() {
            return "import an upstream HiFi-GAN generator checkpoint (safetensors) into a model directory";
        }

        @Override
        public String details() {
            return "\nConvert an upstream g_XXXXXXXX file first (PyTorch):\n"
                    + "  from safetensors.torch import save_file; import torch\n"
                    + "  save_file(torch.load('g_02500000', map_location='cpu')['generator'], 'generator.safetensors')";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(Option.builder().longOpt("config").hasArg().argName("FILE").required()
                            .desc("upstream config.json (config_v1.json, ...)").build())
                    .addOption(Option.builder().longOpt("checkpoint").hasArg().argName("FILE").required()
                            .desc("the generator state dict as safetensors").build())
                    .addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                            .desc("model directory to write (model.safetensors + config.json)").build());
        }

        @Override
        public int run(CommandLine cl) {
            Path out = Path.of(cl.getOptionValue("out"));
            HifiGan model = HifiGan.importUpstream(Path.of(cl.getOptionValue("config")),
                    Path.of(cl.getOptionValue("checkpoint")), out);
            long params = model.stateDict().values().stream().mapToLong(Tensor::numel).sum();
            System.out.printf(Locale.ROOT, "%s: HiFi-GAN generator, %,d parameters, %d Hz, hop %d%n", out, params,
                    model.config().mel().samplingRate(), model.config().samplesPerFrame());
            return OK;
        }
    }

    /** {@code ./lockey vocode}. */
    static final class Vocode implements Command {
        @Override
        public String name() {
            return "vocode";
        }

        @Override
        public String summary() {
            return "resynthesise speech with a HiFi-GAN model (wav -> log-mel -> audio, or a mel file -> audio)";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(Option.builder().longOpt("model").hasArg().argName("DIR").required()
                            .desc("model directory").build())
                    .addOption(Option.builder().longOpt("in").hasArg().argName("WAV").desc("input audio").build())
                    .addOption(Option.builder().longOpt("mel").hasArg().argName("FILE")
                            .desc("input log-mel as safetensors (tensor 'mel', [80, T] or [1, 80, T])").build())
                    .addOption(Option.builder().longOpt("out").hasArg().argName("WAV").required()
                            .desc("output audio (16-bit PCM)").build())
                    .addOption(Option.builder().longOpt("no-resample")
                            .desc("refuse audio at another rate instead of resampling it").build())
                    .addOption(Option.builder().longOpt("chunk").hasArg().argName("FRAMES")
                            .desc("mel frames per chunk (default " + HifiGan.DEFAULT_CHUNK_FRAMES
                                    + "); memory stays bounded for any length").build());
        }

        @Override
        public int run(CommandLine cl) {
            if (cl.hasOption("in") == cl.hasOption("mel")) {
                throw new LockeyException("give exactly one of --in WAV and --mel FILE");
            }
            HifiGan model = HifiGan.load(Path.of(cl.getOptionValue("model")));
            int rate = model.config().mel().samplingRate();
            InputAudio.OtherRate otherRate = cl.hasOption("no-resample") ? InputAudio.OtherRate.REFUSE
                    : InputAudio.OtherRate.RESAMPLE;
            float[][] mel = cl.hasOption("in") ? melOf(Path.of(cl.getOptionValue("in")), model, otherRate)
                    : readMel(Path.of(cl.getOptionValue("mel")), model.config().numMels());
            int chunk = Options2.intValue(cl, "chunk", HifiGan.DEFAULT_CHUNK_FRAMES);
            if (chunk < 1) {
                throw new LockeyException("--chunk must be at least 1");
            }
            long t0 = System.nanoTime();
            Path out = Path.of(cl.getOptionValue("out"));
            int samples = mel[0].length * model.config().samplesPerFrame();
            // streamed to the file window by window: an hour of output is never held whole
            Wav.writeStreamed(out, rate, samples, Wav.Encoding.PCM_16, sink -> model.vocodeChunked(mel, chunk,
                    model.contextFrames(), sink.wholePieces()));
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%s: %.2f s of audio at %d Hz from %d mel frames (%.2f s, RTF %.2f)%n", out,
                    samples / (double) rate, rate, mel[0].length, secs, secs / (samples / (double) rate));
            return OK;
        }

        static float[][] melOf(Path wav, HifiGan model, InputAudio.OtherRate otherRate) {
            MelConfig mel = model.config().melConfig();
            float[] x = InputAudio.monoAt(wav, mel.samplingRate(), need(mel), otherRate);
            return new MelSpectrogram(mel).apply(x);
        }

        /**
         * The shortest clip a log-mel front-end takes: one frame, and more samples than its reflect padding on each
         * side ({@code (n_fft - hop) / 2}, 384 samples for the 22.05 kHz V1 front-end, as upstream's).
         */
        static InputAudio.Need need(MelConfig mel) {
            return new InputAudio.Need(Math.max(mel.hopSize(), mel.pad() + 1), "one mel frame of the model");
        }

        static float[][] readMel(Path file, int numMels) {
            Tensor t = SafeTensors.read(file).get("mel");
            int[] s = t.intShape();
            boolean ok = (s.length == 2 && s[0] == numMels) || (s.length == 3 && s[0] == 1 && s[1] == numMels);
            if (!ok || s[s.length - 1] < 1) {
                throw new LockeyException(file + ": tensor 'mel' has shape " + java.util.Arrays.toString(s)
                        + ", expected [" + numMels + ", T] or [1, " + numMels + ", T]");
            }
            float[] v = t.toFloatArray();
            int frames = s[s.length - 1];
            float[][] mel = new float[numMels][frames];
            for (int m = 0; m < numMels; m++) {
                System.arraycopy(v, m * frames, mel[m], 0, frames);
            }
            return mel;
        }
    }

    /** {@code ./lockey bench hifigan}. */
    static final class Bench implements Command {
        @Override
        public String name() {
            return "bench hifigan";
        }

        @Override
        public String summary() {
            return "time HiFi-GAN generator inference (median, spread, real-time factor) for V1 and V2";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
                            .desc("a config.json to time instead of the published V1 and V2").build())
                    .addOption(Option.builder().longOpt("seconds").hasArg().argName("S")
                            .desc("seconds of audio per call (default 1)").build())
                    .addOption(Option.builder().longOpt("warmup").hasArg().argName("N")
                            .desc("untimed calls first (default 3)").build())
                    .addOption(Option.builder().longOpt("reps").hasArg().argName("N")
                            .desc("timed calls (default 10)").build());
        }

        @Override
        public int run(CommandLine cl) {
            double seconds = Options2.doubleValue(cl, "seconds", 1.0);
            int warmup = Options2.intValue(cl, "warmup", 3);
            int reps = Options2.intValue(cl, "reps", 10);
            if (!(seconds > 0) || warmup < 0 || reps < 1) {
                throw new LockeyException("--seconds must be > 0, --warmup >= 0, --reps >= 1");
            }
            List<Object[]> runs = new ArrayList<>();
            if (cl.hasOption("config")) {
                Path p = Path.of(cl.getOptionValue("config"));
                runs.add(new Object[] {p.getFileName().toString(), HifiGanConfig.load(p)});
            } else {
                runs.add(new Object[] {"V1", HifiGanConfig.v1()});
                runs.add(new Object[] {"V2", HifiGanConfig.v2()});
            }
            System.out.printf(Locale.ROOT, "HiFi-GAN generator inference, batch 1, float32, random weights; "
                    + "OMP_NUM_THREADS=%s OMP_WAIT_POLICY=%s, %d processors%n", env("OMP_NUM_THREADS"),
                    env("OMP_WAIT_POLICY"), Runtime.getRuntime().availableProcessors());
            for (Object[] r : runs) {
                System.out.println(HifiGanBench.run((String) r[0], (HifiGanConfig) r[1], seconds, warmup, reps).line());
            }
            return OK;
        }

        private static String env(String n) {
            String v = System.getenv(n);
            return v == null ? "(unset)" : v;
        }
    }
}
