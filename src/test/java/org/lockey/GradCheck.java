package org.lockey;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Compares SameDiff's gradients with central finite differences, in double precision. Build the
 * graph with {@code DataType.DOUBLE}; the loss must be a scalar.
 */
public final class GradCheck {
    private GradCheck() {
    }

    /**
     * Checks d loss / d name for every name (variables or placeholders), at up to {@code samples}
     * random coordinates each; fails with the worst relative error when above {@code tol}.
     *
     * @return the worst relative error seen
     */
    public static double check(SameDiff sd, String loss, Map<String, INDArray> placeholders, List<String> names,
            int samples, double eps, double tol, long seed) {
        Map<String, INDArray> grads = sd.calculateGradients(placeholders, names);
        SplittableRandom rng = new SplittableRandom(seed);
        double worst = 0;
        List<String> report = new ArrayList<>();
        for (String name : names) {
            INDArray arr = placeholders.containsKey(name) ? placeholders.get(name) : sd.getVariable(name).getArr();
            if (arr.dataType() != DataType.DOUBLE) {
                throw new IllegalArgumentException(name + " is " + arr.dataType() + "; build the graph in DOUBLE");
            }
            INDArray g = grads.get(name);
            long n = arr.length();
            for (int s = 0; s < Math.min(samples, n); s++) {
                long i = samples >= n ? s : rng.nextLong(n);
                double orig = arr.getDouble(i);
                arr.putScalar(i, orig + eps);
                double up = sd.output(placeholders, loss).get(loss).getDouble(0);
                arr.putScalar(i, orig - eps);
                double down = sd.output(placeholders, loss).get(loss).getDouble(0);
                arr.putScalar(i, orig);
                double numeric = (up - down) / (2 * eps);
                double analytic = g.getDouble(i);
                double rel = Math.abs(numeric - analytic) / Math.max(1e-8, Math.max(Math.abs(numeric), Math.abs(analytic)));
                if (Math.abs(numeric - analytic) < 1e-9) {
                    rel = 0;
                }
                if (rel > worst) {
                    worst = rel;
                    report.add(name + "[" + i + "] analytic " + analytic + " numeric " + numeric);
                }
            }
        }
        final double w = worst;
        assertTrue(worst <= tol, () -> "gradient check failed: worst relative error " + w + " > " + tol
                + "; " + report.get(report.size() - 1));
        return worst;
    }
}
