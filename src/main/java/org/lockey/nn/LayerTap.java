package org.lockey.nn;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A hook on the output of every layer built under one {@link Scope.Build}: {@link Conv1d} and
 * {@link ConvTranspose1d} pass their output {@code [B, C, T]} through it (via
 * {@link Scope#layerOutput}) and the next op sees what it returns. Without a tap nothing is added to
 * the graph. {@link LayerNoise} uses it for the white-box attack of LOCKEY §V-C.
 */
@FunctionalInterface
public interface LayerTap {
    /**
     * @param layer  the layer's scope ({@code layer.prefix()} is its upstream key, e.g. {@code resblocks.4.convs1.2})
     * @param output the layer's output {@code [B, C, T]}
     * @return what the following ops see, the same shape
     */
    SDVariable apply(Scope layer, SDVariable output);
}
