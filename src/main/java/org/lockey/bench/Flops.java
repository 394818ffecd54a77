package org.lockey.bench;

import java.util.List;
import java.util.Map;

import org.lockey.io.Tensor;
import org.lockey.model.encodec.SeanetConfig;
import org.lockey.model.hifigan.HifiGanConfig;

/**
 * Floating-point operations of one forward pass, counted from the architecture: 2 per
 * multiply-accumulate of every convolution, transposed convolution, matrix product and LSTM gate
 * product (activations, norms, padding and biases are left out; they are a few per cent at most).
 * The benchmark divides these counts by the measured time to give GFLOP/s; both sides of the
 * comparison do the same arithmetic, so the count is shared.
 */
public final class Flops {
    private Flops() {
    }

    /** Conv1d: {@code cin -> cout}, kernel {@code k}, {@code lout} output positions. */
    public static double conv1d(long cin, long cout, long k, long lout) {
        return 2.0 * cin * cout * k * lout;
    }

    /** ConvTranspose1d: every input position scatters a {@code cin x cout x k} product. */
    public static double convTranspose1d(long cin, long cout, long k, long lin) {
        return 2.0 * cin * cout * k * lin;
    }

    /** Grouped Conv1d: {@code cin -> cout} in {@code groups} groups, kernel {@code k}, {@code lout} output positions. */
    public static double groupedConv1d(long cin, long cout, long groups, long k, long lout) {
        return 2.0 * (cin / groups) * cout * k * lout;
    }

    /** Output length of a convolution. */
    private static long outLength(long len, long k, long stride, long pad) {
        return (len + 2 * pad - k) / stride + 1;
    }

    /**
     * HiFi-GAN's MPD (periods 2, 3, 5, 7, 11) and MSD (3 scales, AvgPool1d(4, 2, 2) between them) on one
     * audio example of {@code length} samples, every hidden width divided by {@code divisor}; the layer tables
     * of {@code model.hifigan.DiscriminatorP} and {@code DiscriminatorS} (upstream {@code models.py}).
     */
    public static double hifiGanDiscriminators(int divisor, long length) {
        double f = 0;
        long[] mpdChannels = {1, 32 / divisor, 128 / divisor, 512 / divisor, 1024 / divisor, 1024 / divisor};
        for (int p : new int[] {2, 3, 5, 7, 11}) {
            long h = (length + p - 1) / p;                               // rows after the reflect pad to a multiple of p
            for (int i = 0; i < 5; i++) {
                long stride = i < 4 ? 3 : 1;
                long out = outLength(h, 5, stride, 2);
                f += 2.0 * mpdChannels[i] * mpdChannels[i + 1] * 5 * out * p;
                h = out;
            }
            f += 2.0 * mpdChannels[5] * 3 * h * p;                       // conv_post, k 3, pad 1
        }
        // {in, out, kernel, stride, groups, padding} of convs.0-6 at full width
        long[][] msd = {{1, 128, 15, 1, 1, 7}, {128, 128, 41, 2, 4, 20}, {128, 256, 41, 2, 16, 20},
            {256, 512, 41, 4, 16, 20}, {512, 1024, 41, 4, 16, 20}, {1024, 1024, 41, 1, 16, 20}, {1024, 1024, 5, 1, 1, 2}};
        long t = length;
        for (int s = 0; s < 3; s++) {
            if (s > 0) {
                t = outLength(t, 4, 2, 2);
            }
            long len = t;
            for (long[] l : msd) {
                long in = l[0] == 1 ? 1 : l[0] / divisor;
                long out = outLength(len, l[2], l[3], l[5]);
                f += groupedConv1d(in, l[1] / divisor, l[4], l[2], out);
                len = out;
            }
            f += conv1d(1024 / divisor, 1, 3, len);
        }
        return f;
    }

    /** An LSTM of {@code layers} layers, {@code hidden} units, input size = hidden, {@code steps} steps. */
    public static double lstm(int layers, long hidden, long steps) {
        return layers * steps * 2.0 * 4 * hidden * (hidden + hidden);
    }

    /** The HiFi-GAN generator on {@code frames} mel frames (conv_pre, MRF stages, conv_post). */
    public static double hifiGan(HifiGanConfig c, long frames) {
        double f = conv1d(c.numMels(), c.upsampleInitialChannel(), 7, frames);
        long ch = c.upsampleInitialChannel();
        long len = frames;
        for (int i = 0; i < c.numUpsamples(); i++) {
            long out = c.channelsAfterStage(i);
            f += convTranspose1d(ch, out, c.upsampleKernelSizes().get(i), len);
            len *= c.upsampleRates().get(i);
            ch = out;
            for (int j = 0; j < c.numKernels(); j++) {
                int k = c.resblockKernelSizes().get(j);
                int convsPerDilation = c.resblock() == HifiGanConfig.ResBlockKind.ONE ? 2 : 1;
                f += c.resblockDilationSizes().get(j).size() * convsPerDilation * conv1d(ch, ch, k, len);
            }
        }
        return f + conv1d(ch, 1, 7, len);
    }

    /**
     * The SEANet encoder on {@code samples} audio samples (first conv, residual stages with the ratios reversed,
     * each ending in a strided conv of kernel 2r, LSTM, last conv to the latent dimension).
     */
    public static double seanetEncoder(SeanetConfig c, long samples) {
        long ch = c.nFilters();
        long len = samples;
        double f = conv1d(c.channels(), ch, c.kernelSize(), len);
        List<Integer> reversed = new java.util.ArrayList<>(c.ratios());
        java.util.Collections.reverse(reversed);
        for (int r : reversed) {
            long hidden = ch / c.compress();
            for (int j = 0; j < c.nResidualLayers(); j++) {
                f += conv1d(ch, hidden, c.residualKernelSize(), len) + conv1d(hidden, ch, 1, len);
                if (!c.trueSkip()) {
                    f += conv1d(ch, ch, 1, len);
                }
            }
            len = (len + r - 1) / r;
            f += conv1d(ch, 2 * ch, 2L * r, len);
            ch *= 2;
        }
        return f + lstm(c.lstm(), ch, len) + conv1d(ch, c.dimension(), c.lastKernelSize(), len);
    }

    /** The SEANet decoder on {@code frames} latent frames (first conv, LSTM, upsampling stages, last conv). */
    public static double seanetDecoder(SeanetConfig c, long frames) {
        long ch = (long) c.nFilters() << c.ratios().size();
        double f = conv1d(c.dimension(), ch, c.kernelSize(), frames) + lstm(c.lstm(), ch, frames);
        long len = frames;
        for (int r : c.ratios()) {
            long out = ch / 2;
            f += convTranspose1d(ch, out, 2L * r, len);
            len *= r;
            ch = out;
            long hidden = ch / c.compress();
            for (int j = 0; j < c.nResidualLayers(); j++) {
                f += conv1d(ch, hidden, c.residualKernelSize(), len) + conv1d(hidden, ch, 1, len);
                if (!c.trueSkip()) {
                    f += conv1d(ch, ch, 1, len);
                }
            }
        }
        return f + conv1d(ch, c.channels(), c.lastKernelSize(), len);
    }

    /**
     * The 2-D convolutions of SilentCipher modules, read from their weights: every 4-D weight
     * {@code [out, in, kh, kw]} under one of {@code prefixes} is applied at every point of an
     * {@code height x frames} grid (the STFT bins the module sees, times the frames).
     */
    public static double conv2dGrid(Map<String, Tensor> weights, List<String> prefixes, long height, long frames) {
        double f = 0;
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            long[] s = e.getValue().shape();
            if (s.length == 4 && e.getKey().endsWith(".weight") && prefixes.stream().anyMatch(e.getKey()::startsWith)) {
                f += 2.0 * s[0] * s[1] * s[2] * s[3] * height * frames;
            }
        }
        return f;
    }
}
