package org.lockey.model.lockey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class KeyModulesTest {
    private static final KeyConfig CFG = new KeyConfig(6, 4, 5, 3);

    private static SameDiff graph(Scope root) {
        SameDiff sd = root.sd();
        SDVariable bits = sd.placeHolder("bits", DataType.INT64, -1, CFG.keyBits());
        SDVariable e = new KeyEmbedding(CFG).build(root.child("key_embedding"), bits);
        SDVariable v = new KeyEncoder(CFG).build(root.child("key_encoder"), e);
        SDVariable logits = new KeyVerifier(CFG).build(root.child("verifier"), v);
        SDVariable w = sd.constant("w", Nd4j.createFromArray(new double[][] {{-1, 0.6}, {0.2, -0.2}, {0.6, 1}}));
        sd.math().tanh(logits).mul(w).sum().rename("loss");
        return sd;
    }

    @Test
    void parameterNamesAndShapesFollowDecisions() {
        Scope root = Scope.fresh(SameDiff.create(), 1);
        graph(root);
        Map<String, long[]> p = root.build().created();
        assertEquals(List.of("key_embedding.weight", "key_encoder.layers.0.weight", "key_encoder.layers.0.bias",
                "key_encoder.layers.2.weight", "key_encoder.layers.2.bias", "key_encoder.layers.4.weight",
                "key_encoder.layers.4.bias", "verifier.layers.0.weight", "verifier.layers.0.bias",
                "verifier.layers.2.weight", "verifier.layers.2.bias"), List.copyOf(p.keySet()));
        assertArrayEquals(new long[] {12, 4}, p.get("key_embedding.weight"));
        assertArrayEquals(new long[] {5, 4, 3}, p.get("key_encoder.layers.0.weight"));
        assertArrayEquals(new long[] {3, 5, 3}, p.get("key_encoder.layers.4.weight"));
        assertArrayEquals(new long[] {2, 3}, p.get("verifier.layers.2.weight"));
    }

    @Test
    void embeddingPicksRowTwoIPlusBit() {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.fresh(sd, 2);
        SDVariable bits = sd.placeHolder("bits", DataType.INT64, -1, CFG.keyBits());
        SDVariable e = new KeyEmbedding(CFG).build(root.child("key_embedding"), bits);
        long[] key = {1, 0, 0, 1, 1, 0};
        INDArray out = e.eval(Map.of("bits", Nd4j.createFromArray(new long[][] {key})));
        INDArray table = sd.getVariable("key_embedding.weight").getArr();
        for (int i = 0; i < key.length; i++) {
            for (int j = 0; j < CFG.keyDim(); j++) {
                assertEquals(table.getDouble(2 * i + key[i], j), out.getDouble(0, j, i), 0, "bit " + i);
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesAndSkipUnselectedRows() {
        Scope root = Scope.root(SameDiff.create(), null, "t", DataType.DOUBLE, false, 3);
        SameDiff sd = graph(root);
        INDArray bits = Nd4j.createFromArray(new long[][] {{1, 0, 1, 1, 0, 0}, {0, 0, 1, 0, 1, 1}, {1, 1, 1, 0, 0, 0}});
        Map<String, INDArray> ph = Map.of("bits", bits);
        GradCheck.check(sd, "loss", ph, List.of("key_embedding.weight", "key_encoder.layers.0.weight",
                "key_encoder.layers.4.bias", "verifier.layers.0.weight", "verifier.layers.2.bias"), 15, 1e-6, 1e-5, 4);
        // For one key, only the K rows 2i + k_i receive a gradient; the other K rows must get exactly zero.
        INDArray single = Nd4j.createFromArray(new long[][] {{1, 0, 1, 1, 0, 0}});
        INDArray g = sd.calculateGradients(Map.of("bits", single), "key_embedding.weight").get("key_embedding.weight");
        for (int i = 0; i < CFG.keyBits(); i++) {
            long unused = 2L * i + (1 - single.getLong(0, i));
            assertEquals(0.0, g.getRow(unused).norm2Number().doubleValue(), 0, "row " + unused + " not selected");
        }
    }
}
