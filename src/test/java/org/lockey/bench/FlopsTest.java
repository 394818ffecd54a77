package org.lockey.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.io.Tensor;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.hifigan.HifiGanConfig;

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
}
