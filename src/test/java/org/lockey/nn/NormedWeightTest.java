package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weight norm and spectral norm computed outside the graph ({@link WeightNorm#effective},
 * {@link SpectralNorm}, {@link NormedWeight}): values against naive double-precision loops of the
 * torch definitions, chain rules against finite differences, the pass order of the power iterations,
 * and the layouts.
 */
class NormedWeightTest {

    private static double[] vec(INDArray a) {
        return a.castTo(DataType.DOUBLE).data().asDouble();
    }

    /** torch's {@code F.normalize(a, dim=0, eps=1e-12)}. */
    private static double[] normalize(double[] a) {
        double ss = 0;
        for (double e : a) {
            ss += e * e;
        }
        double n = Math.max(Math.sqrt(ss), SpectralNorm.EPS);
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / n;
        }
        return r;
    }

    /** One torch power iteration on row-major W [h][w], plain loops: v = normalize(W^T u), u = normalize(W v). */
    private static double[][] naiveIteration(double[][] w, double[] u, double[] v) {
        double[] nv = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            for (int i = 0; i < u.length; i++) {
                nv[j] += w[i][j] * u[i];
            }
        }
        nv = normalize(nv);
        double[] nu = new double[u.length];
        for (int i = 0; i < u.length; i++) {
            for (int j = 0; j < v.length; j++) {
                nu[i] += w[i][j] * nv[j];
            }
        }
        return new double[][] {normalize(nu), nv};
    }

    private static double[][] matrix(INDArray w) {
        long h = w.size(0);
        long n = w.length() / h;
        double[] flat = vec(w);
        double[][] m = new double[(int) h][(int) n];
        for (int i = 0; i < h; i++) {
            System.arraycopy(flat, (int) (i * n), m[i], 0, (int) n);
        }
        return m;
    }

    @Test
    void weightNormEffectiveMatchesDefinition() {
        INDArray v = GraphTestUtil.gaussian(1, 1.0, 5, 3, 4, 1);
        INDArray g = GraphTestUtil.gaussian(2, 1.0, 5, 1, 1, 1);
        INDArray w = WeightNorm.effective(g, v);
        assertArrayEquals(v.shape(), w.shape());
        double[][] vm = matrix(v);
        double[] gv = vec(g);
        double[][] wm = matrix(w);
        for (int o = 0; o < 5; o++) {
            double ss = 0;
            for (double e : vm[o]) {
                ss += e * e;
            }
            for (int j = 0; j < vm[o].length; j++) {
                assertEquals(gv[o] * vm[o][j] / Math.sqrt(ss), wm[o][j], 1e-14, "row " + o);
            }
        }
    }

    @Test
    void weightNormBackwardMatchesFiniteDifferences() {
        INDArray v = GraphTestUtil.gaussian(3, 1.0, 4, 2, 3);
        INDArray g = GraphTestUtil.gaussian(4, 1.0, 4, 1, 1);
        INDArray c = GraphTestUtil.gaussian(5, 1.0, 4, 2, 3);                               // L = <C, w(g, v)>
        Function<INDArray[], Double> loss = gv -> WeightNorm.effective(gv[0], gv[1]).mul(c).sumNumber().doubleValue();
        INDArray[] grads = WeightNorm.backward(g, v, c);
        assertFiniteDifferences(new INDArray[] {g, v}, grads, loss, "weight norm");
    }

    @Test
    void powerIterationMatchesNaiveLoops() {
        INDArray w = GraphTestUtil.gaussian(6, 1.0, 6, 2, 5);                               // W_mat [6, 10]
        INDArray mat = w.reshape(6, 10);
        INDArray u = Nd4j.createFromArray(normalize(vec(GraphTestUtil.gaussian(7, 1.0, 6))));
        INDArray v = Nd4j.createFromArray(normalize(vec(GraphTestUtil.gaussian(8, 1.0, 10))));
        double[][] want = {vec(u), vec(v)};
        for (int it = 0; it < 3; it++) {
            SpectralNorm.powerIteration(mat, u, v);
            want = naiveIteration(matrix(w), want[0], want[1]);
            assertArrayEquals(want[0], vec(u), 1e-13, "u after iteration " + it);
            assertArrayEquals(want[1], vec(v), 1e-13, "v after iteration " + it);
        }
        double sigma = 0;
        double[][] m = matrix(w);
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 10; j++) {
                sigma += want[0][i] * m[i][j] * want[1][j];
            }
        }
        assertEquals(sigma, SpectralNorm.sigma(mat, u, v), 1e-12);
        // Many iterations converge to the largest singular value (a property of the method, checked
        // against the SVD-free characterisation sigma^2 = largest eigenvalue of W W^T via power method).
        for (int it = 0; it < 500; it++) {
            SpectralNorm.powerIteration(mat, u, v);
        }
        INDArray wwt = mat.mmul(mat.transpose());
        INDArray wu = wwt.mmul(u.reshape(6, 1)).reshape(6);
        double s = SpectralNorm.sigma(mat, u, v);
        assertArrayEquals(vec(u.mul(s * s)), vec(wu), 1e-8, "u is the top eigenvector of W W^T with eigenvalue sigma^2");
    }

    @Test
    void powerIterationKeepsAZeroWeightFinite() {
        INDArray mat = Nd4j.zeros(DataType.DOUBLE, 3, 4);
        INDArray u = Nd4j.createFromArray(1.0, 0.0, 0.0);
        INDArray v = Nd4j.createFromArray(0.5, 0.5, 0.5, 0.5);
        SpectralNorm.powerIteration(mat, u, v);
        // normalize divides by max(||a||, eps): a zero vector stays zero instead of becoming NaN.
        assertArrayEquals(new double[3], vec(u), 0);
        assertArrayEquals(new double[4], vec(v), 0);
    }

    @Test
    void spectralNormBackwardMatchesFiniteDifferences() {
        INDArray w = GraphTestUtil.gaussian(9, 1.0, 4, 3, 2);
        INDArray u = Nd4j.createFromArray(normalize(vec(GraphTestUtil.gaussian(10, 1.0, 4))));
        INDArray v = Nd4j.createFromArray(normalize(vec(GraphTestUtil.gaussian(11, 1.0, 6))));
        INDArray c = GraphTestUtil.gaussian(12, 1.0, 4, 3, 2);
        // L(W) = <C, W / sigma(W)> with u, v fixed (torch computes them without gradient).
        Function<INDArray[], Double> loss = p -> {
            double s = SpectralNorm.sigma(p[0].reshape(4, 6), u, v);
            return p[0].div(s).mul(c).sumNumber().doubleValue();
        };
        double sigma = SpectralNorm.sigma(w.reshape(4, 6), u, v);
        INDArray grad = SpectralNorm.backward(w, u, v, sigma, c);
        assertFiniteDifferences(new INDArray[] {w}, new INDArray[] {grad}, loss, "spectral norm");
    }

    @Test
    void spectralNormPassesIterateInOrderAndEvalModeDoesNot() {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 3);
        NormedWeight nw = NormedWeight.spectralNorm(scope.child("conv"), Init.torchDefault(6), NormedWeight.Layout.CONV1D,
                4, 2, 3);
        SDVariable p0 = nw.forPass();
        SDVariable p1 = nw.forPass();
        assertEquals(VariableType.VARIABLE, p0.getVariableType());
        assertArrayEquals(new long[] {3, 2, 4}, p0.getArr().shape(), "conv1d layout [k, in, out]");
        assertEquals(List.of("conv/weight.pass0", "conv/weight.pass1"), nw.graphNames());
        INDArray w = sd.getVariable("conv.weight_orig").getArr();
        double[][] m = matrix(w);
        double[] u0 = vec(sd.getVariable("conv.weight_u").getArr());
        double[] v0 = vec(sd.getVariable("conv.weight_v").getArr());
        assertEquals(1.0, Math.sqrt(java.util.Arrays.stream(u0).map(e -> e * e).sum()), 1e-12, "u starts normalised");

        Function<String, INDArray> state = key -> sd.getVariable(key).getArr();
        nw.refresh(state, true);
        double[][] it1 = naiveIteration(m, u0, v0);
        double[][] it2 = naiveIteration(m, it1[0], it1[1]);
        assertArrayEquals(it2[0], vec(sd.getVariable("conv.weight_u").getArr()), 1e-13, "buffers after two passes");
        checkPass(p0, w, it1);
        checkPass(p1, w, it2);

        double[] uBefore = vec(sd.getVariable("conv.weight_u").getArr());
        nw.refresh(state, false);
        assertArrayEquals(uBefore, vec(sd.getVariable("conv.weight_u").getArr()), 0, "eval mode keeps u");
        checkPass(p0, w, it2);
        checkPass(p1, w, it2);
    }

    /** The pass weight is W / (u . W v) in conv1d layout. */
    private static void checkPass(SDVariable pass, INDArray w, double[][] uv) {
        double[][] m = matrix(w);
        double sigma = 0;
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[i].length; j++) {
                sigma += uv[0][i] * m[i][j] * uv[1][j];
            }
        }
        INDArray want = w.div(sigma).permute(2, 1, 0);
        assertArrayEquals(vec(want.dup()), vec(pass.getArr()), 1e-13, pass.name());
    }

    @Test
    void weightNormedConv2dWeightHasGraphLayoutAndSharedPasses() {
        SameDiff sd = SameDiff.create();
        Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 4);
        NormedWeight nw = NormedWeight.weightNorm(scope.child("c"), Init.torchDefault(10), NormedWeight.Layout.CONV2D,
                3, 2, 5, 1);
        SDVariable a = nw.forPass();
        SDVariable b = nw.forPass();
        assertEquals(a.name(), b.name(), "weight norm: one effective weight for every pass");
        assertArrayEquals(new long[] {5, 1, 2, 3}, a.getArr().shape(), "conv2d layout [kH, kW, in, out]");
        // g starts at ||v||, so the effective weight equals v.
        INDArray v = sd.getVariable("c.weight_v").getArr();
        assertArrayEquals(vec(v.permute(2, 3, 1, 0).dup()), vec(a.getArr()), 1e-14);
        assertEquals(List.of("c.weight_g", "c.weight_v"), nw.masterKeys());
        assertArrayEquals(new long[] {3, 1, 1, 1}, scope.build().created().get("c.weight_g"));
    }

    @Test
    void normedConvGradientsReachTheMastersThroughTheGraph() {
        // loss = sum(C * conv(x, w_pass_p)) over two passes; masters' gradients via backward() vs finite differences.
        for (NormedWeight.Kind kind : NormedWeight.Kind.values()) {
            SameDiff sd = SameDiff.create();
            Scope scope = Scope.root(sd, null, "test", DataType.DOUBLE, false, 5);
            NormedWeight nw = kind == NormedWeight.Kind.WEIGHT
                    ? NormedWeight.weightNorm(scope.child("c"), Init.torchDefault(6), NormedWeight.Layout.TORCH, 4, 2, 3)
                    : NormedWeight.spectralNorm(scope.child("c"), Init.torchDefault(6), NormedWeight.Layout.TORCH, 4, 2, 3);
            SDVariable x = sd.constant("x", GraphTestUtil.gaussian(13, 1.0, 2, 2, 9));
            SDVariable x2 = sd.constant("x2", GraphTestUtil.gaussian(14, 1.0, 2, 2, 9));
            SDVariable y1 = Functional.groupedConv1d(sd, x, 9, nw.forPass(), null, 2, 4, 3, 1, 1, 1);
            SDVariable y2 = Functional.groupedConv1d(sd, x2, 9, nw.forPass(), null, 2, 4, 3, 1, 1, 1);
            SDVariable c = sd.constant("c", GraphTestUtil.gaussian(15, 1.0, 2, 4, 9));
            sd.setLossVariables(sd.math().tanh(y1).mul(c).sum().add(y2.mul(y2).sum().mul(0.1)).rename("loss"));
            Function<String, INDArray> state = key -> sd.getVariable(key).getArr();
            nw.refresh(state, false);
            Map<String, INDArray> graphGrads = sd.calculateGradients(Map.of(), nw.graphNames());
            Map<String, INDArray> grads = new HashMap<>();
            nw.backward(state, graphGrads, grads);
            INDArray[] masters = nw.masterKeys().stream().map(state).toArray(INDArray[]::new);
            INDArray[] analytic = nw.masterKeys().stream().map(grads::get).toArray(INDArray[]::new);
            Function<INDArray[], Double> loss = p -> {
                nw.refresh(state, false);
                return sd.output(Map.of(), "loss").get("loss").getDouble(0);
            };
            assertFiniteDifferences(masters, analytic, loss, kind + " through a conv graph");
        }
    }

    /**
     * Central differences of {@code loss} at 12 seeded coordinates of each parameter (perturbed in
     * place) against {@code grads}; fails when the worst error exceeds 1e-6 of the largest gradient.
     */
    private static void assertFiniteDifferences(INDArray[] params, INDArray[] grads, Function<INDArray[], Double> loss,
            String what) {
        Random r = new Random(42);
        double h = 1e-6;
        double maxErr = 0;
        double maxFd = 0;
        for (int p = 0; p < params.length; p++) {
            INDArray flat = params[p].reshape(params[p].length());
            INDArray g = grads[p].reshape(grads[p].length());
            for (int probe = 0; probe < 12; probe++) {
                long i = r.nextInt((int) flat.length());
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + h);
                double up = loss.apply(params);
                flat.putScalar(i, orig - h);
                double down = loss.apply(params);
                flat.putScalar(i, orig);
                double fd = (up - down) / (2 * h);
                maxFd = Math.max(maxFd, Math.abs(fd));
                maxErr = Math.max(maxErr, Math.abs(fd - g.getDouble(i)));
            }
        }
        String msg = String.format("%s: max|grad - fd| %.3e, max|fd| %.3e", what, maxErr, maxFd);
        System.out.println("[gradcheck] " + msg);
        assertTrue(maxFd > 0, msg + " (vacuous)");
        assertTrue(maxErr <= 1e-6 * maxFd, msg);
    }
}
