package org.lockey.model.hifigan;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * HiFi-GAN's sub-discriminators written as plain double-precision loops from the facts of upstream
 * {@code models.py} and PyTorch's op definitions, independently of the SameDiff modules: the
 * reference the module tests compare against. Weights are read by upstream key from a lookup and
 * reparametrised here (weight norm {@code g v / ||v||}; spectral norm {@code W / (u . W v)} with the
 * stored u, v: eval mode).
 */
final class DiscriminatorReference {
    private final Function<String, INDArray> state;

    DiscriminatorReference(Function<String, INDArray> state) {
        this.state = state;
    }

    /** One example: the score (flattened conv_post output) and the feature maps, each flattened row-major. */
    record Output(double[] score, List<double[]> featureMaps) {
    }

    private double[] values(String key) {
        return state.apply(key).castTo(DataType.DOUBLE).data().asDouble();
    }

    /** The effective weight of a conv under {@code prefix}, flattened as PyTorch's [out, ...] row-major. */
    double[] effectiveWeight(String prefix, boolean spectral, int out) {
        if (!spectral) {
            double[] g = values(prefix + ".weight_g");
            double[] v = values(prefix + ".weight_v");
            int per = v.length / out;
            double[] w = new double[v.length];
            for (int o = 0; o < out; o++) {
                double ss = 0;
                for (int j = 0; j < per; j++) {
                    ss += v[o * per + j] * v[o * per + j];
                }
                for (int j = 0; j < per; j++) {
                    w[o * per + j] = g[o] * v[o * per + j] / Math.sqrt(ss);
                }
            }
            return w;
        }
        double[] w = values(prefix + ".weight_orig");
        double[] u = values(prefix + ".weight_u");
        double[] v = values(prefix + ".weight_v");
        double sigma = 0;
        for (int i = 0; i < u.length; i++) {
            for (int j = 0; j < v.length; j++) {
                sigma += u[i] * w[i * v.length + j] * v[j];
            }
        }
        double[] r = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            r[i] = w[i] / sigma;
        }
        return r;
    }

    /**
     * {@code F.conv1d(x, w, b, stride, padding, groups)} on one example x [cin][t], w flattened
     * [cout][cin/groups][k].
     */
    static double[][] conv1d(double[][] x, double[] w, double[] b, int cout, int k, int stride, int padding, int groups) {
        int cin = x.length;
        int t = x[0].length;
        int cg = cin / groups;
        int m = cout / groups;
        int tout = (t + 2 * padding - k) / stride + 1;
        double[][] y = new double[cout][tout];
        for (int o = 0; o < cout; o++) {
            int j = o / m;
            for (int n = 0; n < tout; n++) {
                double acc = b[o];
                for (int c = 0; c < cg; c++) {
                    for (int i = 0; i < k; i++) {
                        int src = n * stride + i - padding;
                        if (src >= 0 && src < t) {
                            acc += w[(o * cg + c) * k + i] * x[j * cg + c][src];
                        }
                    }
                }
                y[o][n] = acc;
            }
        }
        return y;
    }

    /** {@code Conv2d(kernel (k, 1), stride (s, 1), padding (p, 0))} on x [cin][h][p], w flattened [cout][cin][k][1]. */
    static double[][][] conv2dK1(double[][][] x, double[] w, double[] b, int cout, int k, int stride, int padding) {
        int cin = x.length;
        int h = x[0].length;
        int cols = x[0][0].length;
        int hout = (h + 2 * padding - k) / stride + 1;
        double[][][] y = new double[cout][hout][cols];
        for (int o = 0; o < cout; o++) {
            for (int n = 0; n < hout; n++) {
                for (int col = 0; col < cols; col++) {
                    double acc = b[o];
                    for (int c = 0; c < cin; c++) {
                        for (int i = 0; i < k; i++) {
                            int src = n * stride + i - padding;
                            if (src >= 0 && src < h) {
                                acc += w[(o * cin + c) * k + i] * x[c][src][col];
                            }
                        }
                    }
                    y[o][n][col] = acc;
                }
            }
        }
        return y;
    }

    static double lrelu(double v) {
        return v >= 0 ? v : Generator.LRELU_SLOPE * v;
    }

    /** {@code nn.AvgPool1d(4, 2, padding=2)}: padding counts (count_include_pad). */
    static double[] avgPool(double[] x) {
        int tout = (x.length + 4 - 4) / 2 + 1;
        double[] y = new double[tout];
        for (int n = 0; n < tout; n++) {
            double acc = 0;
            for (int i = 0; i < 4; i++) {
                int src = n * 2 + i - 2;
                if (src >= 0 && src < x.length) {
                    acc += x[src];
                }
            }
            y[n] = acc / 4;
        }
        return y;
    }

    /**
     * {@code DiscriminatorP(period)} on one example y [T]: reflect-pad the end to a multiple of the
     * period ({@code F.pad(..., "reflect")} mirrors without repeating the edge: pad sample j is
     * y[T-2-j]), view [1, T'/p, p] (sample n at row n / p, column n % p), the convs, flatten.
     */
    Output periodDiscriminator(String prefix, double[] y, int period, int[] channels, boolean spectral) {
        int t = y.length;
        int pad = t % period == 0 ? 0 : period - t % period;
        double[] x = new double[t + pad];
        System.arraycopy(y, 0, x, 0, t);
        for (int j = 0; j < pad; j++) {
            x[t + j] = y[t - 2 - j];
        }
        int rows = x.length / period;
        double[][][] h = new double[1][rows][period];
        for (int n = 0; n < x.length; n++) {
            h[0][n / period][n % period] = x[n];
        }
        List<double[]> fmaps = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String p = prefix + ".convs." + i;
            int s = i < 4 ? 3 : 1;
            h = conv2dK1(h, effectiveWeight(p, spectral, channels[i + 1]), values(p + ".bias"), channels[i + 1], 5, s, 2);
            for (double[][] plane : h) {
                for (double[] row : plane) {
                    for (int c = 0; c < row.length; c++) {
                        row[c] = lrelu(row[c]);
                    }
                }
            }
            fmaps.add(flatten(h));
        }
        String post = prefix + ".conv_post";
        h = conv2dK1(h, effectiveWeight(post, spectral, 1), values(post + ".bias"), 1, 3, 1, 1);
        double[] score = flatten(h);
        fmaps.add(score);
        return new Output(score, fmaps);
    }

    /** {@code DiscriminatorS} on one example y [T]; {@code widths} = channels after convs.0-6. */
    Output scaleDiscriminator(String prefix, double[] y, int[] widths, boolean spectral) {
        int[][] layers = {{15, 1, 1, 7}, {41, 2, 4, 20}, {41, 2, 16, 20}, {41, 4, 16, 20}, {41, 4, 16, 20},
                {41, 1, 16, 20}, {5, 1, 1, 2}};                                               // k, stride, groups, padding
        double[][] h = {y.clone()};
        List<double[]> fmaps = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            String p = prefix + ".convs." + i;
            int[] l = layers[i];
            h = conv1d(h, effectiveWeight(p, spectral, widths[i]), values(p + ".bias"), widths[i], l[0], l[1], l[3], l[2]);
            for (double[] row : h) {
                for (int c = 0; c < row.length; c++) {
                    row[c] = lrelu(row[c]);
                }
            }
            fmaps.add(flatten(new double[][][] {h}));
        }
        String post = prefix + ".conv_post";
        h = conv1d(h, effectiveWeight(post, spectral, 1), values(post + ".bias"), 1, 3, 1, 1, 1);
        double[] score = h[0].clone();
        fmaps.add(score);
        return new Output(score, fmaps);
    }

    static double[] flatten(double[][][] a) {
        int n = 0;
        for (double[][] p : a) {
            for (double[] r : p) {
                n += r.length;
            }
        }
        double[] out = new double[n];
        int i = 0;
        for (double[][] p : a) {
            for (double[] r : p) {
                System.arraycopy(r, 0, out, i, r.length);
                i += r.length;
            }
        }
        return out;
    }
}
