package org.lockey.model.silentcipher;

import org.lockey.nn.BatchNorm2d;
import org.lockey.nn.GatedConv2d;
import org.lockey.nn.Init;
import org.lockey.nn.Layouts;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The message decoder {@code dec_m_0} (upstream {@code silentcipher.model.MsgDecoder}, checkpoint
 * {@code dec_m_0.ckpt}): the decoder D_m of the SilentCipher paper (Sec. 3.1), reading the message
 * back from the magnitude STFT of (possibly distorted) watermarked audio.
 *
 * <p>Forward: magnitude [B, 1, F, T] -> keep bins [0, band) -> [B, 1, band, T] -> gated blocks
 * (3x3, pad 1) 1 -> c -> ... -> c -> message_dim, stored at the <em>odd</em> indices
 * {@code main.1, main.3, ..., main.(2n-1)} because upstream's Sequential interleaves
 * {@code Dropout(0)} layers at the even indices (identity, no parameters) -> [B, message_dim, band, T]
 * -> {@code linear} (band -> 1) over the frequency axis -> logits [B, 1, message_dim, T].
 *
 * <p>It is built on any SDVariable, so LOCKEY's training graph can put it (frozen) on an STFT
 * magnitude computed in the graph and differentiate through it to the generated audio.
 */
public final class MsgDecoder {
    /** Scope name and checkpoint prefix of the first (only) message decoder. */
    public static final String PREFIX = "dec_m_0";

    private final SilentCipherConfig config;
    private final BatchNorm2d.Mode bnMode;

    public MsgDecoder(SilentCipherConfig config, BatchNorm2d.Mode bnMode) {
        this.config = config;
        this.bnMode = bnMode;
    }

    /** Logits: magnitude [B, 1, F, T] (F >= band) -> [B, 1, message_dim, T]. {@code scope} is the {@code dec_m_0} scope. */
    public SDVariable decode(Scope scope, SDVariable magnitude) {
        int band = config.messageBandSize();
        int c = config.msgDecoderChannels();
        int n = config.msgDecoderLayers();
        int dim = config.messageDim();
        Scope main = scope.child("main");
        // sd.slice, not SDVariable.get(SDIndex...): M2.1's strided_slice gradient fails or is wrong
        // for batch 1 (measured in nn.StftGraph).
        SDVariable h = scope.sd().slice(magnitude, new int[] {0, 0, 0, 0}, -1, -1, band, -1); // [B, 1, band, T]
        for (int i = 0; i < n; i++) {
            int in = i == 0 ? 1 : c;
            int out = i == n - 1 ? dim : c;
            h = GatedConv2d.of(in, out, 3, 1, bnMode).build(main.child(2 * i + 1), h); // [B, out, band, T]
        }
        Init init = Init.torchDefault(band);
        SDVariable w = scope.param("linear.weight", init, 1, band); // [1, band]
        SDVariable b = scope.param("linear.bias", init, 1); // [1]
        // linear over frequency = 1x1 convolution with the band bins as channels.
        SDVariable binsAsChannels = h.permute(0, 2, 1, 3); // [B, band, dim, T]
        SDVariable kernel = Layouts.conv2d(w.reshape(1, band, 1, 1)); // [1, 1, band, 1]
        return scope.sd().cnn().conv2d(binsAsChannels, kernel, b, CarrierEncoder.oneByOne()); // [B, 1, dim, T]
    }
}
