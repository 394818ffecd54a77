package org.lockey.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.nn.Bias;
import org.lockey.nn.Conv1d;
import org.lockey.nn.OpTimer;
import org.lockey.nn.Scope;
import org.lockey.nn.WeightParam;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The per-op profile: the aggregation and TSV of {@link Profile}, and what {@link OpTimer} records. */
class ProfileTest {

    @Test
    void categoriesIgnoreTheGradientSuffix() {
        assertEquals("conv", Profile.category("conv1d"));
        assertEquals("conv", Profile.category("conv1d_bp"));
        assertEquals("transposed conv", Profile.category("deconv2d_bp"));
        assertEquals("matmul", Profile.category("matmul"));
        assertEquals("activation", Profile.category("leakyrelu_bp"));
        assertEquals("layout/copy", Profile.category("permute"));
        assertEquals("layout/copy", Profile.category("pad"));
        assertEquals("reduction", Profile.category("reduce_sum"));
        assertEquals("elementwise", Profile.category("add"));
        assertEquals("shape", Profile.category("size_at"));
        assertEquals("other", Profile.category("mystery_op"));
    }

    @Test
    void aggregatesPerCallMergesAndAccountsForTheWallTime() {
        List<OpTimer.Entry> e = List.of(
                new OpTimer.Entry("conv1d", false, true, 4, 40_000_000),       // 40 ms over 2 calls
                new OpTimer.Entry("add", false, false, 6, 6_000_000),
                new OpTimer.Entry("conv1d", false, true, 2, 20_000_000),       // same key: merged
                new OpTimer.Entry("conv1d", false, false, 2, 10_000_000),      // other engine: own row
                new OpTimer.Entry("conv1d_bp", true, false, 2, 24_000_000));
        Profile p = Profile.of("demo", e, 2, 120_000_000);                    // 60 ms per call
        assertEquals(60.0, p.wallMsPerCall(), 1e-9);
        assertEquals(4, p.rows().size());
        Profile.Row top = p.rows().get(0);
        assertEquals("conv1d", top.op());
        assertEquals("forward", top.pass());
        assertEquals("onednn", top.engine());
        assertEquals(3.0, top.countPerCall(), 1e-9);
        assertEquals(30.0, top.msPerCall(), 1e-9);
        assertEquals(0.5, top.share(), 1e-9);
        assertEquals("backward", p.rows().get(1).pass());
        assertEquals(50.0, p.opsMsPerCall(), 1e-9);                             // 30 + 12 + 5 + 3

        Map<String, double[]> cat = p.groupedBy("category");
        assertEquals(List.of("conv", "elementwise", Profile.OUTSIDE), List.copyOf(cat.keySet()));
        assertEquals(47.0, cat.get("conv")[0], 1e-9);
        assertEquals(10.0, cat.get(Profile.OUTSIDE)[0], 1e-9);
        assertEquals(10.0 / 60, cat.get(Profile.OUTSIDE)[1], 1e-9);
        Map<String, double[]> engine = p.groupedBy("engine");
        assertEquals(30.0, engine.get("onednn")[0], 1e-9);
        assertEquals(20.0, engine.get("built-in")[0], 1e-9);
        assertEquals(12.0, p.groupedBy("pass").get("backward")[0], 1e-9);
        assertThrows(IllegalArgumentException.class, () -> p.groupedBy("colour"));

        String[] lines = p.tsv().split("\n");
        assertTrue(lines[0].startsWith("# case demo, 2 calls, wall 60.000 ms"), lines[0]);
        assertEquals("op\tpass\tengine\tcategory\tcount_per_call\tms_per_call\tshare", lines[1]);
        assertEquals("conv1d\tforward\tonednn\tconv\t3.0\t30.000\t0.5000", lines[2]);
        assertEquals(Profile.OUTSIDE + "\t-\t-\t-\t-\t10.000\t0.1667", lines[lines.length - 1]);
        for (int i = 1; i < lines.length; i++) {
            assertEquals(7, lines[i].split("\t").length, lines[i]);
        }
        assertThrows(IllegalArgumentException.class, () -> Profile.of("x", e, 0, 1));
    }

    @Test
    void timerRecordsGraphsBuiltWhileRecordingAndSplitsBackward() {
        SameDiff before = SameDiff.create();
        Scope.fresh(before, 1);
        assertFalse(before.getListeners().stream().anyMatch(l -> l instanceof OpTimer), "no timer unless recording");

        OpTimer t = OpTimer.start();
        SameDiff sd;
        try {
            sd = SameDiff.create();
            Scope root = Scope.fresh(sd, 1);
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, 1, 3, 16);
            SDVariable y = new Conv1d(3, 4, 3, 1, 1, 1, Bias.ON, WeightParam.PLAIN).build(root.child("c"), x);
            sd.nn().leakyRelu(y, 0.1).sum().rename("loss");
            sd.setLossVariables("loss");
        } finally {
            OpTimer.stop();
        }
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> feed = Map.of("x", Nd4j.rand(DataType.FLOAT, 1, 3, 16));
        sd.output(feed, "loss");
        List<OpTimer.Entry> fwd = t.entries();
        assertTrue(fwd.stream().anyMatch(e -> e.op().equals("conv1d") && !e.backward() && e.count() == 1), fwd.toString());
        assertTrue(fwd.stream().noneMatch(OpTimer.Entry::backward), fwd.toString());
        assertTrue(fwd.stream().allMatch(e -> e.nanos() > 0), fwd.toString());

        t.reset();
        assertTrue(t.entries().isEmpty());
        sd.calculateGradients(feed, "c.weight");
        List<OpTimer.Entry> all = t.entries();
        assertTrue(all.stream().anyMatch(e -> e.op().equals("conv1d_bp") && e.backward()), all.toString());
        assertTrue(all.stream().anyMatch(e -> e.op().equals("conv1d") && !e.backward()), all.toString());
        // Gradient passes run the helpers too by default (HelperGuard, lockey.helpers.training=all): the gradient
        // conv is eligible for oneDNN, an elementwise gradient is not (no helper for it).
        assertTrue(all.stream().anyMatch(e -> e.op().equals("conv1d_bp") && e.onednn()), all.toString());
        assertTrue(all.stream().filter(e -> e.op().equals("leakyrelu_bp") || e.op().equals("lrelu_bp"))
                .noneMatch(OpTimer.Entry::onednn), all.toString());
    }
}
