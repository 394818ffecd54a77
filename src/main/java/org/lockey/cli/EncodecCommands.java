package org.lockey.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.audio.InputAudio;
import org.lockey.audio.Wav;
import org.lockey.bench.EncodecBench;
import org.lockey.io.Json;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code import encodec}, {@code codec encode}, {@code codec decode}, {@code bench encodec}. */
final class EncodecCommands {
    private EncodecCommands() {
    }

    /** {@code ./lockey import encodec}. */
    static final class Import implements Command {
        @Override
        public String name() {
            return "import encodec";
        }

        @Override
        public String summary() {
            return "import an Encodec checkpoint (audiocraft or Hugging Face keys, safetensors) into a model directory";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(Option.builder().longOpt("checkpoint").hasArg().argName("FILE").required()
                            .desc("state dict as safetensors (audiocraft 'encoder./decoder./quantizer.' keys or HF "
                                    + "facebook/encodec_32khz keys)").build())
                    .addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
                            .desc("lockey encodec.json or a Hugging Face config.json (default: the MusicGen 32 kHz "
                                    + "model)").build())
                    .addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                            .desc("model directory to write").build());
        }

        @Override
        public int run(CommandLine cl) {
            CompressionConfig config = CompressionConfig.musicgen32k();
            if (cl.hasOption("config")) {
                Path p = Path.of(cl.getOptionValue("config"));
                JsonNode n;
                try {
                    n = Json.read(p);
                } catch (IOException e) {
                    throw new LockeyException(p + ": cannot read a JSON config (" + e.getMessage() + ")");
                }
                config = n.has("model_type") || n.has("upsampling_ratios") ? CompressionConfig.fromHuggingFace(n)
                        : CompressionConfig.fromJson(n);
            }
            Path out = Path.of(cl.getOptionValue("out"));
            Encodec.importCheckpoint(config, Path.of(cl.getOptionValue("checkpoint")), out);
            System.out.printf(Locale.ROOT, "%s: Encodec %d Hz, %d codebooks of %d, frame rate %s Hz%n", out,
                    config.sampleRate(), config.rvq().nQ(), config.rvq().bins(), config.frameRate());
            return OK;
        }
    }

    static Option model() {
        return Option.builder().longOpt("model").hasArg().argName("DIR").required().desc("Encodec model directory")
                .build();
    }

    /** The shortest clip an Encodec model takes: one latent frame ({@code hop} samples, 20 ms at 32 kHz). */
    static InputAudio.Need need(CompressionConfig config) {
        return new InputAudio.Need(config.seanet().hopLength(), "one frame of the model");
    }

    /** {@code ./lockey codec encode}. */
    static final class Encode implements Command {
        @Override
        public String name() {
            return "codec encode";
        }

        @Override
        public String summary() {
            return "encode audio to Encodec codes [1, n_q, T_f] (int64 safetensors)";
        }

        @Override
        public Options options() {
            return new Options().addOption(model())
                    .addOption(Option.builder().longOpt("in").hasArg().argName("WAV").required().desc("input audio")
                            .build())
                    .addOption(Option.builder().longOpt("out").hasArg().argName("FILE").required()
                            .desc("codes file (tensor 'codes')").build());
        }

        @Override
        public int run(CommandLine cl) {
            Encodec codec = Encodec.load(Path.of(cl.getOptionValue("model")));
            Path in = Path.of(cl.getOptionValue("in"));
            int rate = codec.config().sampleRate();
            float[] x = InputAudio.monoAt(in, rate, need(codec.config()));
            long[][][] codes = codec.encode(x);
            int nq = codes[0].length;
            int frames = codes[0][0].length;
            long[] flat = new long[nq * frames];
            for (int q = 0; q < nq; q++) {
                System.arraycopy(codes[0][q], 0, flat, q * frames, frames);
            }
            Path out = Path.of(cl.getOptionValue("out"));
            SafeTensors.write(out, List.of(Tensor.ofLongs("codes", flat, 1, nq, frames)),
                    Map.of("kind", "encodec-codes", "sample_rate", Integer.toString(rate),
                            "samples", Integer.toString(x.length)));
            System.out.printf(Locale.ROOT, "%s: %d codebooks x %d frames (%.2f s)%n", out, nq, frames,
                    x.length / (double) rate);
            return OK;
        }
    }

    /** {@code ./lockey codec decode}. */
    static final class Decode implements Command {
        @Override
        public String name() {
            return "codec decode";
        }

        @Override
        public String summary() {
            return "decode Encodec codes back to audio (chunked, bounded memory)";
        }

        @Override
        public Options options() {
            return new Options().addOption(model())
                    .addOption(Option.builder().longOpt("in").hasArg().argName("FILE").required()
                            .desc("codes file (tensor 'codes', [1, n_q, T_f] or [n_q, T_f])").build())
                    .addOption(Option.builder().longOpt("out").hasArg().argName("WAV").required()
                            .desc("output audio").build());
        }

        @Override
        public int run(CommandLine cl) {
            Encodec codec = Encodec.load(Path.of(cl.getOptionValue("model")));
            Path in = Path.of(cl.getOptionValue("in"));
            long[][][] codes = readCodes(in);
            Path out = Path.of(cl.getOptionValue("out"));
            int rate = codec.config().sampleRate();
            int samples = Math.multiplyExact(codes[0][0].length, codec.config().seanet().hopLength());
            // streamed to the file chunk by chunk: an hour of output is never held whole
            Wav.writeStreamed(out, rate, samples, Wav.Encoding.PCM_16, sink -> codec.decode(codes, sink.wholePieces()));
            System.out.printf(Locale.ROOT, "%s: %.2f s at %d Hz%n", out, samples / (double) rate, rate);
            return OK;
        }

        static long[][][] readCodes(Path in) {
            Tensor t = SafeTensors.read(in).get("codes");
            int[] s = t.intShape();
            if (!t.dtype().isIntegral() || (s.length != 2 && !(s.length == 3 && s[0] == 1))) {
                throw new LockeyException(in + ": tensor 'codes' must be integer [1, n_q, T_f] or [n_q, T_f], got "
                        + t.dtype() + java.util.Arrays.toString(s));
            }
            int nq = s[s.length - 2];
            int frames = s[s.length - 1];
            long[] flat = t.toLongArray();
            long[][][] codes = new long[1][nq][frames];
            for (int q = 0; q < nq; q++) {
                System.arraycopy(flat, q * frames, codes[0][q], 0, frames);
            }
            return codes;
        }
    }

    /** {@code ./lockey bench encodec}. */
    static final class Bench implements Command {
        @Override
        public String name() {
            return "bench encodec";
        }

        @Override
        public String summary() {
            return "time the full-size Encodec 32 kHz decoder (random weights) per second of audio";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(Option.builder().longOpt("frames").hasArg().argName("N")
                            .desc("latent frames per call (default 500 = 10 s)").build())
                    .addOption(Option.builder().longOpt("reps").hasArg().argName("N")
                            .desc("timed calls after one warm-up (default 3)").build());
        }

        @Override
        public int run(CommandLine cl) {
            int frames = Options2.intValue(cl, "frames", 500);
            int reps = Options2.intValue(cl, "reps", 3);
            if (frames < 1 || reps < 1) {
                throw new LockeyException("--frames and --reps must be at least 1");
            }
            System.out.println(EncodecBench.run(CompressionConfig.musicgen32k(), frames, reps, 1));
            return OK;
        }
    }
}
