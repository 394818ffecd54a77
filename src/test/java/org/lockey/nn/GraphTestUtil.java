package org.lockey.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Finite-difference gradient checks for SameDiff graph pieces, in double precision. */
final class GraphTestUtil {
    private GraphTestUtil() {
    }

    /** A double array of seeded Gaussian values with the given shape. */
    static INDArray gaussian(long seed, double sigma, long... shape) {
        Random r = new Random(seed);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = sigma * r.nextGaussian();
        }
        return Nd4j.createFromArray(v).reshape(shape);
    }

    /**
     * Builds {@code loss = sum(f(inputs) * w)} in DOUBLE with the inputs as variables, computes the
     * SameDiff gradient with respect to {@code wrt}, and compares {@code probes} of its entries (the
     * given indices plus seeded random ones) with central finite differences. Fails unless
     * {@code max|grad - fd| <= relTol * max|fd|} over the probes and the probed gradient is non-zero.
     * Returns the relative error.
     */
    static double checkGradient(String what, Map<String, INDArray> inputs, String wrt,
                                Function<SameDiff, SDVariable> body, long seed, long[] fixedProbes,
                                int randomProbes, double relTol) {
        SameDiff sd = SameDiff.create();
        for (Map.Entry<String, INDArray> e : inputs.entrySet()) {
            sd.var(e.getKey(), e.getValue().dup());
        }
        SDVariable out = body.apply(sd);
        INDArray w = gaussian(seed, 1.0, out.eval().shape());
        SDVariable loss = out.mul(sd.constant("gradcheck.w", w)).sum("gradcheck.loss");
        sd.setLossVariables(loss);
        INDArray grad = sd.calculateGradients(Map.of(), wrt).get(wrt).dup();
        INDArray x = sd.getVariable(wrt).getArr();
        long n = x.length();
        Random r = new Random(seed + 1);
        long[] probes = new long[fixedProbes.length + randomProbes];
        System.arraycopy(fixedProbes, 0, probes, 0, fixedProbes.length);
        for (int i = 0; i < randomProbes; i++) {
            probes[fixedProbes.length + i] = (long) (r.nextDouble() * n);
        }
        double h = 1e-5;
        double maxFd = 0;
        double maxErr = 0;
        INDArray flat = x.reshape(n);
        for (long i : probes) {
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + h);
            sd.getVariable(wrt).setArray(flat.reshape(x.shape()));
            double plus = sd.output(Map.of(), "gradcheck.loss").get("gradcheck.loss").getDouble(0);
            flat.putScalar(i, orig - h);
            sd.getVariable(wrt).setArray(flat.reshape(x.shape()));
            double minus = sd.output(Map.of(), "gradcheck.loss").get("gradcheck.loss").getDouble(0);
            flat.putScalar(i, orig);
            sd.getVariable(wrt).setArray(flat.reshape(x.shape()));
            double fd = (plus - minus) / (2 * h);
            double g = grad.reshape(n).getDouble(i);
            maxFd = Math.max(maxFd, Math.abs(fd));
            maxErr = Math.max(maxErr, Math.abs(g - fd));
        }
        double rel = maxErr / maxFd;
        String msg = String.format("%s: d loss / d %s at %d probes: max|grad - fd| = %.3e, max|fd| = %.3e, relative %.3e",
                what, wrt, probes.length, maxErr, maxFd, rel);
        System.out.println("[gradcheck] " + msg);
        assertTrue(maxFd > 0, msg + " (gradient vanishes: the check would be vacuous)");
        assertTrue(rel < relTol, msg);
        assertTrue(grad.dataType() == DataType.DOUBLE, "gradient computed in " + grad.dataType());
        return rel;
    }
}
