package org.lockey.model.encodec;

import java.util.List;

import org.lockey.nn.Lstm;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * SEANet's LSTM on convolutional layout ({@code encodec/modules/lstm.py: SLSTM}; audiocraft
 * {@code StreamableLSTM}): x [B, C, T] is permuted to [T, B, C], run through a
 * {@code torch.nn.LSTM(C, C, numLayers)} from a zero state, the input is added back (skip), and the
 * result is permuted back to [B, C, T]. Keys under {@code lstm}: {@code weight_ih_lK} [4C, C],
 * {@code weight_hh_lK} [4C, C], {@code bias_ih_lK} [4C], {@code bias_hh_lK} [4C].
 *
 * @param dimension C
 * @param numLayers stacked LSTM layers
 */
public record SLSTM(int dimension, int numLayers) implements SeanetLayer {

    /** The wrapped LSTM. */
    public Lstm lstm() {
        return new Lstm(dimension, dimension, numLayers);
    }

    /** x [B, C, T] -> lstm(x) + x, [B, C, T]. */
    @Override
    public SDVariable build(Scope scope, SDVariable x, long length) {
        SDVariable seq = x.permute(2, 0, 1);                          // [T, B, C]
        SDVariable y = lstm().build(scope.child("lstm"), seq);        // [T, B, C]
        return y.add(seq).permute(1, 2, 0);                           // [B, C, T]
    }

    /**
     * As {@link #build}, from the given per-layer states ([B, C] each), also returning the final
     * states: the chunked runner hands them from one chunk to the next.
     */
    public Lstm.Output build(Scope scope, SDVariable x, List<SDVariable> h0, List<SDVariable> c0) {
        SDVariable seq = x.permute(2, 0, 1);                          // [T, B, C]
        Lstm.Output out = lstm().build(scope.child("lstm"), seq, h0, c0);
        return new Lstm.Output(out.y().add(seq).permute(1, 2, 0), out.lastH(), out.lastC()); // y: [B, C, T]
    }

    @Override
    public long outputLength(long length) {
        return length;
    }

    @Override
    public double reach() {
        return Double.POSITIVE_INFINITY;
    }

    @Override
    public double rate() {
        return 1;
    }
}
