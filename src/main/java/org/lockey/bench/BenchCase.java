package org.lockey.bench;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.lockey.io.Tensor;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One line of the side-by-side table: a component, a size, and how to build it.
 *
 * @param name         the key in {@code results.json} (e.g. {@code hifigan_v1_infer})
 * @param component    what the PyTorch peer builds ({@code src/bench/peer/README.md}): a golden component name
 *                     or a training step ({@code lockey.train_step}, {@code hifigan.train_step},
 *                     {@code silentcipher.train_step}, {@code encodec.train_step})
 * @param description  one line for the table
 * @param audioSeconds seconds of audio one call produces or reads (for the real-time factor)
 * @param prepare      builds the model and inputs (untimed)
 */
public record BenchCase(String name, String component, String description, double audioSeconds,
        Supplier<Prepared> prepare) {

    /** A call that may fail. */
    @FunctionalInterface
    public interface Call {
        /** One timed call; returns the outputs named in {@link Prepared#outputs}. */
        Map<String, Tensor> run() throws Exception;
    }

    /**
     * A built case: what the peer needs to build the same thing, and our call.
     *
     * @param config  the component's configuration in the golden-metadata schema (the peer builds from it)
     * @param weights the weights under upstream keys (empty for a weightless component)
     * @param inputs  the inputs, under the names the peer expects
     * @param outputs the names of the outputs compared between the two sides (first call)
     * @param gflop   floating-point work of one call in GFLOP ({@link Flops}), 0 when not counted
     * @param call    our side of one call
     */
    public record Prepared(ObjectNode config, Map<String, Tensor> weights, Map<String, Tensor> inputs,
            List<String> outputs, double gflop, Call call) {
    }
}
