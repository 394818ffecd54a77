package org.lockey.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.io.Tensor;
import org.lockey.model.encodec.CompressionConfig;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.train.CodecDecoderTrainer;
import org.lockey.train.VocoderTrainer;

/** The operation counts against counts taken another way: from the weight shapes, and by hand. */
class FlopsTest {
    /**
     * Every weight-normed convolution of a generator does 2 x (weight size) FLOPs per output position
     * (transposed: per input position); the positions follow from the key (conv_pre at the mel rate,
     * ups.i at stage i's input rate, resblocks.(i*K+j) at stage i's output rate, conv_post at the audio rate).
     */
    @Test
    void hifiGanEqualsTheCountFromTheWeightShapes() {
        for (HifiGanConfig c : List.of(HifiGanConfig.v1().withUpsampleInitialChannel(32),
                HifiGanConfig.v2().withUpsampleInitialChannel(16), HifiGanConfig.v3().withUpsampleInitialChannel(16))) {
            int frames = 37;
            Map<String, Tensor> w = HifiGan.random(c, 0).stateDict();
            double expected = 0;
            for (Map.Entry<String, Tensor> e : w.entrySet()) {
                if (!e.getKey().endsWith(".weight_v")) {
                    continue;
                }
                String[] parts = e.getKey().split("\\.");
                long rate;
                if (parts[0].equals("conv_pre")) {
                    rate = frames;
                } else if (parts[0].equals("conv_post")) {
                    rate = frames * (long) c.samplesPerFrame();
                } else {
                    int stage = parts[0].equals("ups") ? Integer.parseInt(parts[1])
                            : Integer.parseInt(parts[1]) / c.numKernels() + 1;
                    rate = frames;
                    for (int i = 0; i < stage; i++) {
                        rate *= c.upsampleRates().get(i);
                    }
                }
                expected += 2.0 * e.getValue().numel() * rate;
            }
            assertEquals(expected, Flops.hifiGan(c, frames), 1e-9 * expected, c.toString());
        }
    }

    @Test
    void primitivesByHand() {
        // Conv1d 3 -> 4, kernel 5, 10 outputs: 3*4*5 MACs per output.
        assertEquals(2.0 * 3 * 4 * 5 * 10, Flops.conv1d(3, 4, 5, 10));
        // ConvTranspose1d 4 -> 2, kernel 8, 6 inputs: each input scatters 4*2*8 products.
        assertEquals(2.0 * 4 * 2 * 8 * 6, Flops.convTranspose1d(4, 2, 8, 6));
        // LSTM 2 layers, 8 units, 5 steps: per step 4 gates x 8 units x (8 input + 8 hidden) MACs.
        assertEquals(2 * 5 * 2.0 * 4 * 8 * 16, Flops.lstm(2, 8, 5));
        // conv2dGrid: a [6, 2, 3, 3] weight on a 10 x 4 grid; other prefixes and biases ignored.
        Map<String, Tensor> w = Map.of(
                "a.conv.weight", Tensor.ofFloats("a.conv.weight", new float[6 * 2 * 9], 6, 2, 3, 3),
                "a.conv.bias", Tensor.ofFloats("a.conv.bias", new float[6], 6),
                "b.conv.weight", Tensor.ofFloats("b.conv.weight", new float[4 * 9], 1, 4, 3, 3));
        assertEquals(2.0 * 6 * 2 * 9 * 40, Flops.conv2dGrid(w, List.of("a."), 10, 4));
    }

    /**
     * The encoder of the small codec preset: every weight-normed conv does 2 x (weight size) FLOPs per output
     * position, at the rate of its stage (the downsampling convs model.3, 6, 9, 12 divide the rate by the reversed
     * ratios 4, 4, 5, 8, each output rounded up); the LSTM (model.13) 2 x (its two weight matrices) per step.
     */
    @Test
    void seanetEncoderEqualsTheCountFromTheWeightShapes() {
        CompressionConfig model = CodecDecoderTrainer.Preset.SMALL.config();
        long samples = 32000;
        long[] rateAfter = new long[16];
        long rate = samples;
        for (int i = 0; i < rateAfter.length; i++) {
            if (i == 3 || i == 6 || i == 9 || i == 12) {
                int r = List.of(4, 4, 5, 8).get(i / 3 - 1);
                rate = (rate + r - 1) / r;
            }
            rateAfter[i] = rate;
        }
        double expected = 0;
        for (Map.Entry<String, Tensor> e : Encodec.random(model, 0, true).weights().entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("encoder.model.")) {
                continue;
            }
            int index = Integer.parseInt(k.split("\\.")[2]);
            if (k.endsWith(".weight_v") || k.contains(".lstm.weight_")) {
                expected += 2.0 * e.getValue().numel() * rateAfter[index];
            }
        }
        assertEquals(expected, Flops.seanetEncoder(model.seanet(), samples), 1e-9 * expected);
    }

    /**
     * MPD and MSD at divisor 8 on 8192 samples: 2 x (weight size) FLOPs per output position, the weights (grouped
     * convs hold in / groups input channels) from a real discriminator graph, the output lengths by hand: MSD
     * scale 0 8192, 4096, 2048, 512, 128, 128, 128 and conv_post 128; scale 1 (after AvgPool1d(4, 2, 2): 4097)
     * 4097, 2049, 1025, 257, 65, 65, 65, 65; scale 2 (2049) 2049, 1025, 513, 129, 33, 33, 33, 33; MPD period p
     * on ceil(8192 / p) rows (reflect-padded), kernel 5 stride 3 pad 2 four times, then stride 1 twice.
     */
    @Test
    void discriminatorsEqualTheCountFromTheWeightShapesAndHandLengths() {
        Map<String, long[]> lengths = Map.of(
                "msd.discriminators.0", new long[] {8192, 4096, 2048, 512, 128, 128, 128, 128},
                "msd.discriminators.1", new long[] {4097, 2049, 1025, 257, 65, 65, 65, 65},
                "msd.discriminators.2", new long[] {2049, 1025, 513, 129, 33, 33, 33, 33},
                "mpd.discriminators.0", new long[] {1366, 456, 152, 51, 51, 51},
                "mpd.discriminators.1", new long[] {911, 304, 102, 34, 34, 34},
                "mpd.discriminators.2", new long[] {547, 183, 61, 21, 21, 21},
                "mpd.discriminators.3", new long[] {391, 131, 44, 15, 15, 15},
                "mpd.discriminators.4", new long[] {249, 83, 28, 10, 10, 10});
        int[] periods = {2, 3, 5, 7, 11};
        VocoderTrainer.DiscriminatorGraph d = new VocoderTrainer.DiscriminatorGraph(TrainingCases.vocoderRecipe(), 8, null,
                "(test)", 1);
        double expected = 0;
        int counted = 0;
        for (Map.Entry<String, Tensor> e : d.stateDict().entrySet()) {
            String k = e.getKey();
            if (!(k.endsWith(".weight_orig") || (k.endsWith(".weight_v") && e.getValue().shape().length > 1))) {
                continue;                                              // spectral norm's weight_v is a vector buffer
            }
            String[] parts = k.split("\\.");
            String sub = parts[0] + "." + parts[1] + "." + parts[2];
            int layer = parts[3].equals("conv_post") ? lengths.get(sub).length - 1 : Integer.parseInt(parts[4]);
            long positions = lengths.get(sub)[layer] * (parts[0].equals("mpd") ? periods[Integer.parseInt(parts[2])] : 1);
            expected += 2.0 * e.getValue().numel() * positions;
            counted++;
        }
        assertEquals(5 * 6 + 3 * 8, counted);
        assertEquals(expected, Flops.hifiGanDiscriminators(8, 8192), 1e-9 * expected);
    }
}
