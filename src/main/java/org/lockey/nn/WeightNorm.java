package org.lockey.nn;

import java.util.Arrays;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weight normalisation as {@code torch.nn.utils.weight_norm(module, dim=0)} stores it: the
 * trainable variables are {@code weight_g} (shape {@code [n0, 1, ..., 1]}) and {@code weight_v}
 * (the weight's shape), and the effective weight is {@code w = g * v / ||v||} with the norm taken
 * over every dimension except dim 0. For a ConvTranspose1d weight {@code [in, out, k]} dim 0 is the
 * <em>input</em>-channel axis, so {@code g} has one entry per input channel (an upstream fact that
 * shapes HiFi-GAN's {@code ups.N.weight_g} as {@code [in, 1, 1]}).
 *
 * <p>Two forms: {@link #weight} / {@link #apply} build the reparametrisation into the graph (the
 * generator); {@link #effective} / {@link #backward} compute it and its chain rule eagerly for
 * weights kept outside the graph ({@link NormedWeight}, the discriminators).
 *
 * <p>Salimans &amp; Kingma 2016, Eq. 2 (the reparametrisation) and Eq. 3 (its gradient).
 */
public final class WeightNorm {
    private WeightNorm() {
    }

    /**
     * Creates {@code weight_g} and {@code weight_v} in {@code scope} and returns the effective
     * weight in the upstream layout {@code shape}. Without a checkpoint, {@code v} is drawn from
     * {@code init} and {@code g} starts at {@code ||v||} (so w = v), as weight_norm does on wrap.
     */
    public static SDVariable weight(Scope scope, Init init, long... shape) {
        SDVariable[] gv = params(scope, init, shape);
        return apply(gv[0], gv[1]);
    }

    /**
     * Creates {@code weight_v} (from {@code init}) and then {@code weight_g} (defaulting to
     * {@code ||v||}) in {@code scope} without using them: returns {@code {g, v}}. For callers that
     * compute the effective weight outside the graph ({@link NormedWeight}).
     */
    public static SDVariable[] params(Scope scope, Init init, long... shape) {
        long[] gShape = new long[shape.length];
        Arrays.fill(gShape, 1);
        gShape[0] = shape[0];
        // v is created first so that g's default can be its norm.
        SDVariable v = scope.param("weight_v", init, shape);
        double[] vValues = v.getArr().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).data().asDouble();
        int per = (int) (vValues.length / shape[0]);
        Init gInit = (s, rng) -> {
            double[] g = new double[(int) shape[0]];
            for (int o = 0; o < g.length; o++) {
                double ss = 0;
                for (int j = 0; j < per; j++) {
                    ss += vValues[o * per + j] * vValues[o * per + j];
                }
                g[o] = Math.sqrt(ss);
            }
            return g;
        };
        SDVariable g = scope.param("weight_g", gInit, gShape);
        return new SDVariable[] {g, v};
    }

    /** {@code g * v / sqrt(sum(v^2 over all dims but 0))}. */
    public static SDVariable apply(SDVariable g, SDVariable v) {
        int rank = v.getShape() != null ? v.getShape().length : v.getArr().rank();
        int[] dims = new int[rank - 1];
        for (int i = 1; i < rank; i++) {
            dims[i - 1] = i;
        }
        SDVariable norm = v.getSameDiff().math().sqrt(v.mul(v).sum(true, dims));
        return g.mul(v.div(norm));
    }

    /**
     * The effective weight computed eagerly, {@code g * v / ||v||} (norm over all dims but 0), a new
     * array of v's type and shape (the caller may {@code close()} it).
     */
    public static INDArray effective(INDArray g, INDArray v) {
        long n0 = v.size(0);
        long rest = v.length() / n0;
        INDArray rows = v.reshape(n0, rest);                                                 // [n0, rest]
        INDArray norm = rows.norm2(1).reshape(n0, 1);                                       // [n0, 1]
        INDArray scale = g.reshape(n0, 1).div(norm);                                        // [n0, 1]
        INDArray out = Nd4j.createUninitialized(v.dataType(), v.shape());
        out.reshape(n0, rest).assign(rows).muliColumnVector(scale);
        return out;
    }

    /**
     * The chain rule of {@link #effective} (Salimans &amp; Kingma 2016, Eq. 3): with {@code G = dL/dw}
     * and per row {@code n = ||v||}, {@code dL/dg = <G, v> / n} and
     * {@code dL/dv = (g / n) (G - (dL/dg / n) v)}.
     *
     * @param gradW dL/dw in v's shape (any strides, e.g. a permuted view of a graph gradient)
     * @return {@code {dL/dg, dL/dv}}, new arrays of g's and v's shapes
     */
    public static INDArray[] backward(INDArray g, INDArray v, INDArray gradW) {
        long n0 = v.size(0);
        long rest = v.length() / n0;
        INDArray rows = v.reshape(n0, rest);                                                 // [n0, rest]
        INDArray gradCopy = Nd4j.createUninitialized(v.dataType(), v.shape()).assign(gradW);
        INDArray grad = gradCopy.reshape(n0, rest);                                         // [n0, rest]
        INDArray norm = rows.norm2(1).reshape(n0, 1);                                       // [n0, 1]
        INDArray prod = grad.mul(rows);
        INDArray gradG = prod.sum(1).reshape(n0, 1).divi(norm);                             // [n0, 1]
        prod.close();
        INDArray gradV = Nd4j.createUninitialized(v.dataType(), v.shape());
        gradV.reshape(n0, rest).assign(rows).muliColumnVector(gradG.div(norm)).rsubi(grad)
                .muliColumnVector(g.reshape(n0, 1).div(norm));
        gradCopy.close();
        return new INDArray[] {gradG.reshape(g.shape()).dup(), gradV};
    }
}
