package org.lockey.model.hifigan;

import java.util.List;

import org.lockey.nn.NormedWeight;

/**
 * A sub-discriminator ({@link DiscriminatorP}, {@link DiscriminatorS}) built once and run on several
 * inputs (upstream calls {@code d(y)} and {@code d(y_hat)} with the same module).
 *
 * @param outputs       one per input, in input order
 * @param weights the reparametrised weights of its convs, in layer order; pass i of each is input i
 */
public record Forwards(List<DiscriminatorOutput> outputs, List<NormedWeight> weights) {
    public Forwards {
        outputs = List.copyOf(outputs);
        weights = List.copyOf(weights);
    }
}
