package org.lockey.nn;

import java.util.ArrayList;
import java.util.List;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMActivations;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMDataFormat;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMDirectionMode;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMLayerConfig;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.weights.LSTMLayerWeights;

/**
 * {@code torch.nn.LSTM(inputSize, hiddenSize, numLayers)}: unidirectional, both biases, no dropout,
 * sequence-first ({@code batch_first=False}), zero initial hidden and cell state.
 *
 * <p>Per layer k and time step t, with PyTorch's gate order i, f, g, o along the 4H rows:
 * <pre>
 *   [i f g o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
 *   c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
 *   h_t = sigmoid(o) * tanh(c_t)
 * </pre>
 * Keys (upstream names): {@code weight_ih_lK} [4H, in_K], {@code weight_hh_lK} [4H, H],
 * {@code bias_ih_lK} [4H], {@code bias_hh_lK} [4H], with in_0 = inputSize and in_K = H above.
 *
 * <p>Runs on SameDiff's fused {@code lstmLayer} (same gate order i, f, g, o), which takes
 * {@code W [in, 4H]}, {@code R [H, 4H]} and one bias {@code [4H]}: the upstream weights are
 * transposed and the two biases summed <em>as graph ops</em>, so all four stay trainable variables
 * under their upstream keys. {@code LstmTest} checks this against a double-precision loop of the
 * equations above and against finite differences.
 *
 * <p>{@link #build(Scope, SDVariable, List, List)} also takes initial states and returns the final
 * ones, so that a long sequence can be processed chunk by chunk with exactly the result of one pass.
 *
 * @param inputSize  features of x_t
 * @param hiddenSize H
 * @param numLayers  stacked layers (layer K > 0 reads layer K-1's h)
 */
public record Lstm(int inputSize, int hiddenSize, int numLayers) {

    public Lstm {
        if (inputSize < 1 || hiddenSize < 1 || numLayers < 1) {
            throw new IllegalArgumentException("invalid LSTM " + inputSize + "->" + hiddenSize + " x" + numLayers);
        }
    }

    /** Parameters per layer and in total, as stored (both biases counted). */
    public long parameterCount() {
        long n = 0;
        for (int k = 0; k < numLayers; k++) {
            long in = k == 0 ? inputSize : hiddenSize;
            n += 4L * hiddenSize * (in + hiddenSize + 2);
        }
        return n;
    }

    /**
     * The output of a stateful build.
     *
     * @param y     last layer's hidden states, [T, B, H]
     * @param lastH per layer, h at the last step, [B, H]
     * @param lastC per layer, c at the last step, [B, H]
     */
    public record Output(SDVariable y, List<SDVariable> lastH, List<SDVariable> lastC) {
    }

    /**
     * Adds the parameters under {@code scope} (keys {@code weight_ih_l0} ...) and returns the last
     * layer's hidden states from a zero initial state: x [T, B, inputSize] -> [T, B, hiddenSize].
     */
    public SDVariable build(Scope scope, SDVariable x) {
        return run(scope, x, null, null, false).y();
    }

    /**
     * As {@link #build(Scope, SDVariable)}, starting from the given per-layer states (each [B, H])
     * and also returning the states after the last step.
     */
    public Output build(Scope scope, SDVariable x, List<SDVariable> h0, List<SDVariable> c0) {
        if (h0.size() != numLayers || c0.size() != numLayers) {
            throw new IllegalArgumentException("need " + numLayers + " initial states per kind");
        }
        return run(scope, x, h0, c0, true);
    }

    private Output run(Scope scope, SDVariable x, List<SDVariable> h0, List<SDVariable> c0, boolean stateful) {
        SameDiff sd = scope.sd();
        HelperGuard.attach(sd);
        // PyTorch initialises every LSTM weight and bias from U(-1/sqrt(H), 1/sqrt(H)).
        Init init = Init.uniform(1.0 / Math.sqrt(hiddenSize));
        long gates = 4L * hiddenSize;
        SDVariable h = x;
        List<SDVariable> lastH = new ArrayList<>();
        List<SDVariable> lastC = new ArrayList<>();
        for (int k = 0; k < numLayers; k++) {
            long in = k == 0 ? inputSize : hiddenSize;
            SDVariable wih = scope.param("weight_ih_l" + k, init, gates, in);          // [4H, in]
            SDVariable whh = scope.param("weight_hh_l" + k, init, gates, hiddenSize);  // [4H, H]
            SDVariable bih = scope.param("bias_ih_l" + k, init, gates);               // [4H]
            SDVariable bhh = scope.param("bias_hh_l" + k, init, gates);               // [4H]
            LSTMLayerWeights weights = LSTMLayerWeights.builder()
                    .weights(Layouts.linear(wih))    // [in, 4H]
                    .rWeights(Layouts.linear(whh))   // [H, 4H]
                    .bias(bih.add(bhh))              // [4H]
                    .build();
            LSTMLayerConfig cfg = LSTMLayerConfig.builder()
                    .lstmdataformat(LSTMDataFormat.TNS)
                    .directionMode(LSTMDirectionMode.FWD)
                    .gateAct(LSTMActivations.SIGMOID)
                    .cellAct(LSTMActivations.TANH)
                    .outAct(LSTMActivations.TANH)
                    .retFullSequence(true)
                    .retLastH(stateful)
                    .retLastC(stateful)
                    .build();
            if (stateful) {
                // SDRNN.lstmLayer(x, cLast, yLast, maxTSLength, ...) hands its second argument to the
                // native op's initial-h slot and its third to the initial-c slot (argument order of
                // LSTMLayer's constructor, M2.1), despite the names: so h0 goes second. LstmTest's
                // carried-state test fails if this is swapped. Outputs: (h, hLast, cLast).
                SDVariable[] out = sd.rnn().lstmLayer(h, h0.get(k), c0.get(k), null, weights, cfg);
                h = out[0];                                                           // [T, B, H]
                lastH.add(out[1]);                                                    // [B, H]
                lastC.add(out[2]);                                                    // [B, H]
            } else {
                h = sd.rnn().lstmLayer(h, weights, cfg)[0];                          // [T, B, H]
            }
        }
        return new Output(h, lastH, lastC);
    }
}
