package org.lockey.golden;

import java.util.Arrays;

import org.lockey.LockeyException;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the EnCodec golden components ({@code golden/README.md}, sections {@code encodec.*}) share. Each
 * reads the case's upstream {@code config}, builds the model from it and the weights file (keys without
 * the {@code encoder.}/{@code decoder.}/{@code quantizer.} prefix), and runs the case's inputs:
 * {@link EncodecSeanetDecoderComponent}, {@link EncodecSeanetEncoderComponent},
 * {@link EncodecRvqDecodeComponent}, {@link EncodecRvqEncodeComponent}.
 */
final class EncodecCases {
    private EncodecCases() {
    }

    static long[][][] to3(long[] flat, long[] shape) {
        long[][][] out = new long[(int) shape[0]][(int) shape[1]][(int) shape[2]];
        int i = 0;
        for (long[][] a : out) {
            for (long[] b : a) {
                for (int f = 0; f < b.length; f++) {
                    b[f] = flat[i++];
                }
            }
        }
        return out;
    }

    static String weightsName(GoldenCase c) {
        return c.meta("weights", c.name());
    }

    static void requireChannels(GoldenCase c, String name, INDArray x, long channels) {
        if (x.rank() != 3 || x.size(1) != channels) {
            throw new LockeyException(c.name() + ": " + name + " " + Arrays.toString(x.shape()) + " does not have "
                    + channels + " channels in axis 1 ([B, C, T])");
        }
    }
}
