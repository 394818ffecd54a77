package org.lockey.nn;

import java.util.SplittableRandom;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How a parameter is initialised when no checkpoint value is given. Every scheme draws from the
 * scope's seeded generator, so a model built twice with the same seed is identical.
 */
@FunctionalInterface
public interface Init {
    /** Values of the given shape (row-major), drawn from {@code rng}. */
    double[] values(long[] shape, SplittableRandom rng);

    /** The values as an ND4J array of {@code type}. */
    default INDArray array(long[] shape, SplittableRandom rng, DataType type) {
        double[] v = values(shape, rng);
        INDArray a = shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.createFromArray(v).reshape(shape);
        return a.castTo(type);
    }

    /** All zeros. */
    static Init zeros() {
        return (shape, rng) -> new double[(int) numel(shape)];
    }

    /** All ones. */
    static Init ones() {
        return constant(1.0);
    }

    /** Every element {@code c}. */
    static Init constant(double c) {
        return (shape, rng) -> {
            double[] v = new double[(int) numel(shape)];
            java.util.Arrays.fill(v, c);
            return v;
        };
    }

    /** Uniform on [-bound, bound]. */
    static Init uniform(double bound) {
        return (shape, rng) -> {
            double[] v = new double[(int) numel(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (2 * rng.nextDouble() - 1) * bound;
            }
            return v;
        };
    }

    /** Normal with mean 0 and standard deviation {@code std}. */
    static Init normal(double std) {
        return (shape, rng) -> {
            double[] v = new double[(int) numel(shape)];
            for (int i = 0; i < v.length; i += 2) {
                double u1 = 1.0 - rng.nextDouble();
                double u2 = rng.nextDouble();
                double r = Math.sqrt(-2 * Math.log(u1));
                v[i] = std * r * Math.cos(2 * Math.PI * u2);
                if (i + 1 < v.length) {
                    v[i + 1] = std * r * Math.sin(2 * Math.PI * u2);
                }
            }
            return v;
        };
    }

    /**
     * PyTorch's default for Conv and Linear weights and biases: kaiming-uniform with a = sqrt(5),
     * which is U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
     */
    static Init torchDefault(long fanIn) {
        return uniform(1.0 / Math.sqrt(fanIn));
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
