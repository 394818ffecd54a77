package org.lockey.model.encodec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lockey.io.Tensor;
import org.lockey.nn.Inference;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An inference graph (float32, frozen parameters) of a run of SEANet layers for one fixed input
 * shape [B, C, length]. Parameters come from checkpoint tensors whose keys are relative to the
 * encoder or decoder ({@code model.N...}); building checks that every layer's keys and shapes match,
 * reporting all problems at once.
 */
public final class StackGraph {
    private final SameDiff sd;
    private final String output;
    private final long[] inputShape;

    /**
     * @param stack      the layers
     * @param weights    tensors by relative key ({@code model.N...})
     * @param sourceName checkpoint name for error messages
     * @param inputShape [B, C, length]
     */
    public StackGraph(SeanetStack stack, Map<String, Tensor> weights, String sourceName, long[] inputShape) {
        this.sd = SameDiff.create();
        this.inputShape = inputShape.clone();
        Scope root = Scope.root(sd, weights, sourceName, DataType.FLOAT, true, 0);
        SDVariable x = sd.placeHolder("input", DataType.FLOAT, inputShape);
        SDVariable y = stack.build(root.child("model"), x, inputShape[2]);
        this.output = y.name();
        root.build().checkLoaded(ownedPrefixes(stack));
    }

    /** {@code model.N.} for every layer of the stack: the keys this graph must account for. */
    static String[] ownedPrefixes(SeanetStack stack) {
        List<String> p = new ArrayList<>();
        for (int i = 0; i < stack.layers().size(); i++) {
            p.add("model." + (stack.first() + i) + ".");
        }
        return p.toArray(new String[0]);
    }

    /** The input shape this graph was built for. */
    long[] inputShape() {
        return inputShape.clone();
    }

    /** Runs the layers on x [B, C, length] (float32). */
    public INDArray run(INDArray x) {
        return Inference.output(sd, Map.of("input", x.castTo(DataType.FLOAT)), output).get(output);
    }

    /** The tensors of {@code weights} whose key starts with {@code prefix}, with the prefix removed. */
    static Map<String, Tensor> strip(Map<String, Tensor> weights, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                out.put(e.getKey().substring(prefix.length()), e.getValue());
            }
        }
        return out;
    }
}
