package org.lockey.model.encodec;

import java.util.ArrayList;
import java.util.List;

import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * SEANet decoder ({@code encodec/modules/seanet.py: SEANetDecoder}; audiocraft
 * {@code modules/seanet.py}): latent [B, D, T] -> audio [B, channels, T * prod(ratios)]. The layers of
 * {@code model}, with mult = 2^len(ratios) halving per stage:
 * <pre>
 *   0        SConv1d(D -> mult * n_filters, kernel_size)
 *   1        SLSTM(mult * n_filters, lstm layers)                         (only when lstm > 0)
 *   per ratio r:
 *            activation
 *            SConvTranspose1d(mult * nf -> mult * nf / 2, kernel 2r, stride r)
 *            n_residual_layers x SEANetResnetBlock(mult * nf / 2, [residual_kernel_size, 1],
 *                                                  [dilation_base^j, 1])
 *   then     activation, SConv1d(n_filters -> channels, last_kernel_size), final activation (if any)
 * </pre>
 * For the 32 kHz model: 0 conv, 1 LSTM, 2 ELU, 3 convtr, 4 resblock, ..., 14 ELU, 15 conv.
 *
 * @param config the SEANet arguments
 */
public record SEANetDecoder(SeanetConfig config) {

    /** The {@code model} Sequential, in upstream order. */
    public SeanetStack stack() {
        SeanetConfig c = config;
        List<SeanetLayer> m = new ArrayList<>();
        int mult = 1 << c.ratios().size();
        m.add(new SConv1d(c.dimension(), mult * c.nFilters(), c.kernelSize(), 1, 1, c.causal(), c.norm(), c.padMode()));
        if (c.lstm() > 0) {
            m.add(new SLSTM(mult * c.nFilters(), c.lstm()));
        }
        for (int ratio : c.ratios()) {
            int ch = mult * c.nFilters();
            m.add(c.activation());
            m.add(new SConvTranspose1d(ch, ch / 2, 2 * ratio, ratio, c.causal(), c.trimRightRatio(), c.norm()));
            for (int j = 0; j < c.nResidualLayers(); j++) {
                m.add(new SEANetResnetBlock(ch / 2, List.of(c.residualKernelSize(), 1),
                        List.of(pow(c.dilationBase(), j), 1), c.activation(), c.norm(), c.causal(), c.padMode(),
                        c.compress(), c.trueSkip()));
            }
            mult /= 2;
        }
        m.add(c.activation());
        m.add(new SConv1d(c.nFilters(), c.channels(), c.lastKernelSize(), 1, 1, c.causal(), c.norm(), c.padMode()));
        if (c.finalActivation().kind() != Activation.Kind.IDENTITY) {
            m.add(c.finalActivation());
        }
        return new SeanetStack(m, 0);
    }

    /**
     * Adds the parameters under {@code scope} (keys {@code model.N...}; pass {@code root.child("decoder")}
     * in a full model) and decodes: latent [B, D, frames] -> audio [B, channels, frames * hop].
     */
    public SDVariable build(Scope scope, SDVariable latent, long frames) {
        return stack().build(scope.child("model"), latent, frames);
    }

    /** Output samples for {@code frames} latent frames. */
    public long outputLength(long frames) {
        return stack().outputLength(frames);
    }

    static int pow(int base, int exp) {
        int r = 1;
        for (int i = 0; i < exp; i++) {
            r = Math.multiplyExact(r, base);
        }
        return r;
    }
}
