package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The layer tap and {@link LayerNoise} on two plain layers: which outputs take noise, and how much. */
class LayerTapTest {
    @Test
    void noiseOnASelectedLayerHasTheRequestedStdAndTheOthersAreUntouched() {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.fresh(sd, 3);
        LayerNoise noise = new LayerNoise(key -> key.equals("a"));
        root.build().tapLayers(noise);
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4, -1);
        SDVariable a = new Conv1d(4, 6, 3, 1, 1, 1, Bias.ON, WeightParam.PLAIN).build(root.child("a"), x);       // [B, 6, T]
        SDVariable b = new ConvTranspose1d(6, 3, 4, 2, 1, Bias.ON, WeightParam.PLAIN).build(root.child("b"), a); // [B, 3, 2T]
        assertEquals(List.of("a"), noise.points().stream().map(LayerNoise.Point::layer).toList());

        INDArray in = Nd4j.rand(DataType.FLOAT, 2, 4, 3000);
        double std = 0.05;
        Map<String, INDArray> feed = new HashMap<>(Map.of("x", in));
        feed.putAll(noise.feed(sd, Map.of("x", in), std, 9));
        Map<String, INDArray> out = sd.output(feed, a.name(), noise.points().get(0).clean());
        double[] diff = out.get(a.name()).sub(out.get(noise.points().get(0).clean())).reshape(-1).toDoubleVector();
        assertEquals(2 * 6 * 3000, diff.length);
        double mean = java.util.Arrays.stream(diff).average().orElseThrow();
        double sd2 = java.util.Arrays.stream(diff).map(d -> (d - mean) * (d - mean)).sum() / (diff.length - 1);
        // 36 000 samples: the sample std is within 2 % of std with overwhelming probability.
        assertEquals(std, Math.sqrt(sd2), 0.02 * std);
        assertEquals(0, mean, 5 * std / Math.sqrt(diff.length));

        // The unselected layer b adds nothing of its own: b(noisy a) equals b's clean output.
        Map<String, INDArray> zero = new HashMap<>(Map.of("x", in));
        zero.putAll(noise.feed(sd, Map.of("x", in), 0, 9));
        INDArray bClean = sd.output(zero, b.name()).get(b.name());
        assertArrayEquals(new long[] {2, 3, 6000}, bClean.shape());
        SameDiff plain = SameDiff.create();
        Scope p = Scope.fresh(plain, 3);
        SDVariable px = plain.placeHolder("x", DataType.FLOAT, -1, 4, -1);
        SDVariable pb = new ConvTranspose1d(6, 3, 4, 2, 1, Bias.ON, WeightParam.PLAIN).build(p.child("b"),
                new Conv1d(4, 6, 3, 1, 1, 1, Bias.ON, WeightParam.PLAIN).build(p.child("a"), px));
        assertEquals(plain.output(Map.of("x", in), pb.name()).get(pb.name()), bClean);
        assertTrue(noise.feed(sd, Map.of("x", in), 0, 9).values().stream().allMatch(z -> z.length() == 1));
    }
}
