package org.lockey.golden;

import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A computation the golden files check: given a case (its config, weights and inputs), produce the
 * case's outputs. Implementations are registered in {@link Components}.
 */
public interface Component {
    /** The id used in the golden metadata, e.g. {@code hifigan.generator}. */
    String id();

    /** Runs the case and returns (at least) every tensor named in {@code c.outputs()}. */
    Map<String, INDArray> run(GoldenCase c);
}
