package org.lockey.model.lockey;

import org.lockey.nn.Init;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The learnable key embedding (paper §III: "the key is projected to learnable embeddings"
 * [K x d]): one vector per (bit position i, bit value k_i), i.e. a table of 2K rows indexed by
 * {@code 2 i + k_i} (docs/lockey.md, "Decisions and why"). Bit i is the i-th most significant bit of the key.
 *
 * <p>Key: {@code key_embedding.weight} [2K, d] ({@code nn.Embedding(2K, d)}, initialised N(0, 1)).
 * Input key bits [B, K] (int64 0/1), output {@code [B, d, K]} (channels first, for the key
 * encoder's Conv1d). The lookup is a one-hot product rather than {@code gather}, whose backprop
 * fails in SameDiff M2.1; rows not selected by the key get a zero gradient.
 */
public record KeyEmbedding(KeyConfig config) {

    /** Adds {@code weight} under {@code scope} (usually {@code key_embedding}) and returns [B, d, K]. */
    public SDVariable build(Scope scope, SDVariable keyBits) {
        int k = config.keyBits();
        int d = config.keyDim();
        SameDiff sd = scope.sd();
        SDVariable table = scope.param("weight", Init.normal(1.0), 2L * k, d);       // [2K, d]
        long[] offsets = new long[k];
        for (int i = 0; i < k; i++) {
            offsets[i] = 2L * i;
        }
        SDVariable rows = keyBits.castTo(DataType.INT64)
                .add(scope.constant("row_offsets", Nd4j.createFromArray(offsets)));  // [B, K]: 2i + k_i
        SDVariable oneHot = sd.oneHot(rows, 2 * k, -1, 1.0, 0.0, scope.dtype());       // [B, K, 2K]
        SDVariable flat = oneHot.reshape(-1, 2L * k).mmul(table);                      // [B*K, d]
        SDVariable bkd = flat.reshape(sd.concat(0, sd.sizeAt(keyBits, 0).castTo(DataType.INT64),
                sd.constant(Nd4j.createFromArray((long) k, d))));                       // [B, K, d]
        return bkd.permute(0, 2, 1);                                                   // [B, d, K]
    }
}
