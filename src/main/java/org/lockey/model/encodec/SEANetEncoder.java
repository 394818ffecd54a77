package org.lockey.model.encodec;

import java.util.ArrayList;
import java.util.List;

import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * SEANet encoder ({@code encodec/modules/seanet.py: SEANetEncoder}; audiocraft
 * {@code modules/seanet.py}): audio [B, channels, N] -> latent [B, D, ceil(N / prod(ratios))]. The
 * layers of {@code model}, with mult = 1 doubling per stage and the ratios <em>reversed</em>:
 * <pre>
 *   0        SConv1d(channels -> n_filters, kernel_size)
 *   per ratio r of reversed(ratios):
 *            n_residual_layers x SEANetResnetBlock(mult * nf, [residual_kernel_size, 1],
 *                                                  [dilation_base^j, 1])
 *            activation
 *            SConv1d(mult * nf -> 2 mult * nf, kernel 2r, stride r)     (ceil(L / r) frames)
 *   then     SLSTM(mult * nf, lstm layers)                              (only when lstm > 0)
 *            activation, SConv1d(mult * nf -> D, last_kernel_size)
 * </pre>
 * For the 32 kHz model: 0 conv, 1 resblock, 2 ELU, 3 conv (stride 4), ..., 13 LSTM, 14 ELU, 15 conv.
 *
 * @param config the SEANet arguments (the decoder-only {@code final_activation} and
 *               {@code trim_right_ratio} are not used)
 */
public record SEANetEncoder(SeanetConfig config) {

    /** The {@code model} Sequential, in upstream order. */
    public SeanetStack stack() {
        SeanetConfig c = config;
        List<SeanetLayer> m = new ArrayList<>();
        int mult = 1;
        m.add(new SConv1d(c.channels(), c.nFilters(), c.kernelSize(), 1, 1, c.causal(), c.norm(), c.padMode()));
        List<Integer> reversed = new ArrayList<>(c.ratios());
        java.util.Collections.reverse(reversed);
        for (int ratio : reversed) {
            int ch = mult * c.nFilters();
            for (int j = 0; j < c.nResidualLayers(); j++) {
                m.add(new SEANetResnetBlock(ch, List.of(c.residualKernelSize(), 1),
                        List.of(SEANetDecoder.pow(c.dilationBase(), j), 1), c.activation(), c.norm(), c.causal(),
                        c.padMode(), c.compress(), c.trueSkip()));
            }
            m.add(c.activation());
            m.add(new SConv1d(ch, 2 * ch, 2 * ratio, ratio, 1, c.causal(), c.norm(), c.padMode()));
            mult *= 2;
        }
        if (c.lstm() > 0) {
            m.add(new SLSTM(mult * c.nFilters(), c.lstm()));
        }
        m.add(c.activation());
        m.add(new SConv1d(mult * c.nFilters(), c.dimension(), c.lastKernelSize(), 1, 1, c.causal(), c.norm(),
                c.padMode()));
        return new SeanetStack(m, 0);
    }

    /**
     * Adds the parameters under {@code scope} (keys {@code model.N...}; {@code root.child("encoder")}
     * in a full model) and encodes: audio [B, channels, samples] -> latent [B, D, outputLength(samples)].
     */
    public SDVariable build(Scope scope, SDVariable audio, long samples) {
        return stack().build(scope.child("model"), audio, samples);
    }

    /** Latent frames for {@code samples} audio samples: ceil(samples / hop). */
    public long outputLength(long samples) {
        return stack().outputLength(samples);
    }
}
