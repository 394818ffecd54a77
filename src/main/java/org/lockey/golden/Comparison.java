package org.lockey.golden;

import java.util.Arrays;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The golden tolerance rule for one tensor: {@code max|port - ref| <= tol * max(1, max|ref|)},
 * computed in double precision. Shapes must match exactly (a length error is an error, not a
 * comparison of the overlap).
 *
 * @param tensor   output name
 * @param maxError max absolute difference (infinite when shapes differ)
 * @param rmse     root-mean-square difference
 * @param bound    the allowed max absolute difference
 * @param note     empty, or why the comparison failed before looking at values
 */
public record Comparison(String tensor, double maxError, double rmse, double bound, String note) {

    /** True when within the bound. */
    public boolean passed() {
        return note.isEmpty() && maxError <= bound;
    }

    /** Compares {@code port} with {@code ref} under relative tolerance {@code tol}. */
    public static Comparison of(String tensor, INDArray port, double[] ref, long[] refShape, double tol) {
        double maxRef = 0;
        for (double r : ref) {
            maxRef = Math.max(maxRef, Math.abs(r));
        }
        double bound = tol * Math.max(1.0, maxRef);
        if (port == null) {
            return new Comparison(tensor, Double.POSITIVE_INFINITY, Double.NaN, bound, "not produced");
        }
        if (!Arrays.equals(port.shape(), refShape)) {
            return new Comparison(tensor, Double.POSITIVE_INFINITY, Double.NaN, bound,
                    "shape " + Arrays.toString(port.shape()) + " != " + Arrays.toString(refShape));
        }
        double[] got = port.castTo(DataType.DOUBLE).dup().data().asDouble();
        double max = 0;
        double ss = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs(got[i] - ref[i]);
            if (Double.isNaN(d)) {
                d = Double.POSITIVE_INFINITY;
            }
            max = Math.max(max, d);
            ss += d * d;
        }
        return new Comparison(tensor, max, ref.length == 0 ? 0 : Math.sqrt(ss / ref.length), bound, "");
    }
}
