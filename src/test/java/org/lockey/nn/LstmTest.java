package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link Lstm} against a double-precision loop of torch.nn.LSTM's equations, and finite differences. */
class LstmTest {

    static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    /**
     * torch.nn.LSTM by its documented equations: rows [0,H) of the 4H gate block are i, [H,2H) f,
     * [2H,3H) g, [3H,4H) o; zero initial state. x [T][B][in] -> last layer h [T][B][H].
     */
    static double[][][] naiveLstm(double[][][] x, List<double[][]> wih, List<double[][]> whh, List<double[]> bih,
            List<double[]> bhh) {
        double[][][] in = x;
        for (int k = 0; k < wih.size(); k++) {
            int t = in.length, b = in[0].length, hSize = whh.get(k)[0].length;
            double[][][] out = new double[t][b][hSize];
            for (int n = 0; n < b; n++) {
                double[] h = new double[hSize];
                double[] c = new double[hSize];
                for (int s = 0; s < t; s++) {
                    double[] z = new double[4 * hSize];
                    for (int r = 0; r < 4 * hSize; r++) {
                        double acc = bih.get(k)[r] + bhh.get(k)[r];
                        for (int j = 0; j < in[s][n].length; j++) {
                            acc += wih.get(k)[r][j] * in[s][n][j];
                        }
                        for (int j = 0; j < hSize; j++) {
                            acc += whh.get(k)[r][j] * h[j];
                        }
                        z[r] = acc;
                    }
                    double[] hNew = new double[hSize];
                    for (int u = 0; u < hSize; u++) {
                        double i = sigmoid(z[u]);
                        double f = sigmoid(z[hSize + u]);
                        double g = Math.tanh(z[2 * hSize + u]);
                        double o = sigmoid(z[3 * hSize + u]);
                        c[u] = f * c[u] + i * g;
                        hNew[u] = o * Math.tanh(c[u]);
                    }
                    h = hNew;
                    out[s][n] = h.clone();
                }
            }
            in = out;
        }
        return in;
    }

    static double[][] mat(INDArray a) {
        return a.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    @Test
    void matchesTorchEquationsForStackedLayers() {
        int t = 7, b = 2, in = 5, hidden = 4, layers = 3;
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 42);
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, t, b, in);
        SDVariable y = new Lstm(in, hidden, layers).build(scope.child("lstm"), x);
        // Different biases for ih and hh, and large enough weights that every gate matters.
        for (String name : List.of("bias_hh_l0", "bias_hh_l1", "bias_hh_l2")) {
            sd.getVariable("lstm." + name).getArr().muli(-3);
        }
        INDArray xv = Nd4j.rand(DataType.DOUBLE, t, b, in).muli(4).subi(2);
        INDArray got = y.eval(Map.of("x", xv));
        assertArrayEquals(new long[] {t, b, hidden}, got.shape());

        List<double[][]> wih = new ArrayList<>(), whh = new ArrayList<>();
        List<double[]> bih = new ArrayList<>(), bhh = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            wih.add(mat(sd.getVariable("lstm.weight_ih_l" + k).getArr()));
            whh.add(mat(sd.getVariable("lstm.weight_hh_l" + k).getArr()));
            bih.add(sd.getVariable("lstm.bias_ih_l" + k).getArr().toDoubleVector());
            bhh.add(sd.getVariable("lstm.bias_hh_l" + k).getArr().toDoubleVector());
        }
        double[][][] xs = new double[t][b][in];
        for (int s = 0; s < t; s++) {
            for (int n = 0; n < b; n++) {
                for (int j = 0; j < in; j++) {
                    xs[s][n][j] = xv.getDouble(s, n, j);
                }
            }
        }
        double[][][] want = naiveLstm(xs, wih, whh, bih, bhh);
        double err = 0;
        for (int s = 0; s < t; s++) {
            for (int n = 0; n < b; n++) {
                for (int u = 0; u < hidden; u++) {
                    err = Math.max(err, Math.abs(got.getDouble(s, n, u) - want[s][n][u]));
                }
            }
        }
        assertTrue(err < 1e-12, "max error " + err);
    }

    @Test
    void keysShapesAndCountFollowTorch() {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.fresh(sd, 1);
        Lstm lstm = new Lstm(6, 3, 2);
        lstm.build(scope.child("m"), sd.placeHolder("x", DataType.FLOAT, 4, 1, 6));
        Map<String, long[]> c = scope.build().created();
        assertEquals(8, c.size());
        assertArrayEquals(new long[] {12, 6}, c.get("m.weight_ih_l0"));
        assertArrayEquals(new long[] {12, 3}, c.get("m.weight_hh_l0"));
        assertArrayEquals(new long[] {12, 3}, c.get("m.weight_ih_l1"));
        assertArrayEquals(new long[] {12}, c.get("m.bias_hh_l1"));
        // torch: sum over layers of 4H (in + H) + 8H
        assertEquals(12 * (6 + 3) + 24 + 12 * (3 + 3) + 24, lstm.parameterCount());
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        int t = 5, b = 2, in = 3, hidden = 4;
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 9);
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, t, b, in);
        SDVariable y = new Lstm(in, hidden, 2).build(scope.child("l"), x);
        SDVariable w = sd.constant("w", Nd4j.rand(DataType.DOUBLE, t, b, hidden).subi(0.5));
        y.mul(w).sum().rename("loss");
        Map<String, INDArray> ph = Map.of("x", Nd4j.rand(DataType.DOUBLE, t, b, in).muli(2).subi(1));
        List<String> names = new ArrayList<>(List.of("x"));
        for (int k = 0; k < 2; k++) {
            for (String p : List.of("weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l")) {
                names.add("l." + p + k);
            }
        }
        GradCheck.check(sd, "loss", ph, names, 10, 1e-6, 1e-5, 3);
    }

    @Test
    void carriedStateGivesTheSameResultAsOnePass() {
        int t = 9, split = 4, b = 2, in = 3, hidden = 5, layers = 2;
        Lstm lstm = new Lstm(in, hidden, layers);
        INDArray xv = Nd4j.rand(DataType.DOUBLE, t, b, in).muli(2).subi(1);

        SameDiff whole = SameDiff.create();
        SDVariable y = lstm.build(Scope.root(whole, null, "t", DataType.DOUBLE, false, 77).child("l"),
                whole.placeHolder("x", DataType.DOUBLE, t, b, in));
        INDArray want = y.eval(Map.of("x", xv));

        // Same seed, so the same weights; two chunks with the state handed over.
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "t", DataType.DOUBLE, false, 77).child("l");
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, b, in);
        List<SDVariable> h0 = new ArrayList<>(), c0 = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            h0.add(sd.placeHolder("h" + k, DataType.DOUBLE, b, hidden));
            c0.add(sd.placeHolder("c" + k, DataType.DOUBLE, b, hidden));
        }
        Lstm.Output out = lstm.build(scope, x, h0, c0);
        List<String> names = new ArrayList<>(List.of(out.y().name()));
        out.lastH().forEach(v -> names.add(v.name()));
        out.lastC().forEach(v -> names.add(v.name()));

        Map<String, INDArray> ph = new java.util.HashMap<>();
        for (int k = 0; k < layers; k++) {
            ph.put("h" + k, Nd4j.zeros(DataType.DOUBLE, b, hidden));
            ph.put("c" + k, Nd4j.zeros(DataType.DOUBLE, b, hidden));
        }
        ph.put("x", xv.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, split)).dup());
        Map<String, INDArray> first = sd.output(ph, names);
        for (int k = 0; k < layers; k++) {
            ph.put("h" + k, first.get(out.lastH().get(k).name()));
            ph.put("c" + k, first.get(out.lastC().get(k).name()));
        }
        ph.put("x", xv.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(split, t)).dup());
        Map<String, INDArray> second = sd.output(ph, names);
        INDArray got = Nd4j.concat(0, first.get(out.y().name()), second.get(out.y().name()));
        double err = got.sub(want).amaxNumber().doubleValue();
        assertTrue(err < 1e-12, "max error " + err);
        // The last layer's final h is the last output row.
        double errH = second.get(out.lastH().get(layers - 1).name()).sub(want.slice(t - 1)).amaxNumber().doubleValue();
        assertTrue(errH < 1e-12, "last h error " + errH);
    }
}
