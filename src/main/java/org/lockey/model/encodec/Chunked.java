package org.lockey.model.encodec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.lockey.io.Tensor;
import org.lockey.nn.Inference;
import org.lockey.nn.Lstm;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Chunked, bounded-memory execution of a SEANet stack that gives the same result as one pass over
 * the whole sequence (up to float32 summation order).
 *
 * <p>The stack is cut around its LSTM into three stages, each producing its output in chunks of C
 * latent frames on demand and keeping only a rolling buffer:
 * <ul>
 * <li>convolutional stages (everything before and after the LSTM) run <b>overlap-save</b>: output
 * frames [a, a + C) are computed from an input window with m frames of context on each side, where m
 * ({@link SeanetStack#marginFrames}) bounds the stage's receptive field, and only [a, a + C) is kept.
 * Padding added at a window edge can only reach outputs inside the discarded margin, so the kept
 * samples equal the whole-sequence ones. Windows have a fixed length C + 2m (shifted inwards at the
 * sequence ends, where the stage's own padding is the true one), so one graph serves every chunk;</li>
 * <li>the LSTM runs on consecutive chunks of C frames, <b>handing its (h, c) state</b> from one chunk
 * to the next, which is exactly one pass; the last chunk is zero-padded at its end (the LSTM is
 * causal, so this cannot change earlier outputs) to keep one graph.</li>
 * </ul>
 * Memory is O(C + m) frames per stage, independent of the sequence length; windows are aligned to
 * whole frames, so every strided convolution sees the same sample phase as in one pass.
 */
final class Chunked {
    private Chunked() {
    }

    /** A sequence [channels][samples] with a fixed number of samples per latent frame, read in order. */
    interface Source {
        int channels();

        /** Samples per latent frame. */
        int samplesPerFrame();

        /** Latent frames (the last may be partial). */
        long frames();

        /** Samples in total, at most frames * samplesPerFrame. */
        long samples();

        /** Samples [from, to) of every channel. */
        float[][] read(long from, long to);

        /** Samples before {@code before} will not be read again. */
        void release(long before);
    }

    /** A source over arrays already in memory. */
    static final class ArraySource implements Source {
        private final float[][] data;
        private final int perFrame;

        ArraySource(float[][] data, int perFrame) {
            this.data = data;
            this.perFrame = perFrame;
        }

        @Override
        public int channels() {
            return data.length;
        }

        @Override
        public int samplesPerFrame() {
            return perFrame;
        }

        @Override
        public long frames() {
            return (samples() + perFrame - 1) / perFrame;
        }

        @Override
        public long samples() {
            return data[0].length;
        }

        @Override
        public float[][] read(long from, long to) {
            float[][] out = new float[data.length][];
            for (int c = 0; c < data.length; c++) {
                out[c] = java.util.Arrays.copyOfRange(data[c], (int) from, (int) to);
            }
            return out;
        }

        @Override
        public void release(long before) {
        }
    }

    /** A source producing its samples chunk by chunk into a rolling buffer. */
    abstract static class Buffered implements Source {
        private float[][] buf;
        private long bufStart;
        private int bufLen;
        private long released;

        /** The next chunk of samples, starting where the previous one ended. */
        protected abstract float[][] produce();

        @Override
        public float[][] read(long from, long to) {
            while (bufStart + bufLen < to) {
                append(produce());
            }
            if (from < bufStart) {
                throw new IllegalStateException("samples " + from + ".. were released");
            }
            float[][] out = new float[buf.length][];
            for (int c = 0; c < buf.length; c++) {
                out[c] = java.util.Arrays.copyOfRange(buf[c], (int) (from - bufStart), (int) (to - bufStart));
            }
            return out;
        }

        @Override
        public void release(long before) {
            released = Math.max(released, before);
        }

        private void append(float[][] chunk) {
            int n = chunk[0].length;
            if (n == 0) {
                throw new IllegalStateException("empty chunk before the end of the sequence");
            }
            if (buf == null) {
                buf = new float[chunk.length][Math.max(n, 16)];
            }
            // Drop what was released, then grow if the rest and the chunk do not fit.
            int drop = (int) Math.min(Math.max(0, released - bufStart), bufLen);
            if (bufLen + n > buf[0].length || drop > 0) {
                int keep = bufLen - drop;
                int cap = Math.max(buf[0].length, keep + n);
                for (int c = 0; c < buf.length; c++) {
                    float[] nb = cap == buf[c].length ? buf[c] : new float[cap];
                    System.arraycopy(buf[c], drop, nb, 0, keep);
                    buf[c] = nb;
                }
                bufStart += drop;
                bufLen = keep;
            }
            for (int c = 0; c < buf.length; c++) {
                System.arraycopy(chunk[c], 0, buf[c], bufLen, n);
            }
            bufLen += n;
        }
    }

    /** Caches graphs by a key (stage and input length); a few entries suffice per stage. */
    interface Graphs {
        <G> G get(String key, Function<String, G> build);
    }

    /** A convolutional stage run overlap-save (see the class comment). */
    static final class Windowed extends Buffered {
        private final SeanetStack stack;
        private final Source in;
        private final Map<String, Tensor> weights;
        private final String sourceName;
        private final String cacheKey;
        private final Graphs graphs;
        private final int chunk;
        private final int margin;
        private final int outPerFrame;
        private long next;

        Windowed(String cacheKey, SeanetStack stack, Source in, Map<String, Tensor> weights, String sourceName,
                Graphs graphs, int chunkFrames) {
            this.cacheKey = cacheKey;
            this.stack = stack;
            this.in = in;
            this.weights = weights;
            this.sourceName = sourceName;
            this.graphs = graphs;
            this.chunk = chunkFrames;
            this.margin = stack.marginFrames(in.samplesPerFrame());
            double perFrame = in.samplesPerFrame() * stack.rate();
            this.outPerFrame = (int) Math.round(perFrame);
            if (Math.abs(perFrame - outPerFrame) > 1e-9 || outPerFrame < 1) {
                throw new IllegalStateException("stage output is not a whole number of samples per frame: " + perFrame);
            }
        }

        @Override
        public int channels() {
            return outChannels(stack);
        }

        @Override
        public int samplesPerFrame() {
            return outPerFrame;
        }

        @Override
        public long frames() {
            return in.frames();
        }

        @Override
        public long samples() {
            return stack.outputLength(in.samples());
        }

        @Override
        protected float[][] produce() {
            long total = frames();
            long a = next;
            long b = Math.min(total, a + chunk);
            long window = (long) chunk + 2L * margin;
            long w0 = Math.max(0, Math.min(a - margin, total - window));
            long w1 = Math.min(total, w0 + window);
            long inFrom = w0 * in.samplesPerFrame();
            long inTo = Math.min(w1 * in.samplesPerFrame(), in.samples());
            float[][] x = in.read(inFrom, inTo);
            in.release(inFrom);
            long len = inTo - inFrom;
            StackGraph g = graphs.get(cacheKey + "@" + len,
                    k -> new StackGraph(stack, weights, sourceName, new long[] {1, x.length, len}));
            float[][] y = toRows(g.run(toBatch(x)));
            long outFrom = (a - w0) * outPerFrame;
            long outTo = Math.min(b * outPerFrame, samples()) - w0 * outPerFrame;
            next = b;
            float[][] out = new float[y.length][];
            for (int c = 0; c < y.length; c++) {
                out[c] = java.util.Arrays.copyOfRange(y[c], (int) outFrom, (int) outTo);
            }
            return out;
        }
    }

    /** The LSTM stage, run chunk after chunk with its state handed over. */
    static final class Recurrent extends Buffered {
        private final Source in;
        private final LstmGraph graph;
        private final int chunk;
        private List<INDArray> h;
        private List<INDArray> c;
        private long next;

        Recurrent(String cacheKey, SLSTM lstm, int index, Source in, Map<String, Tensor> weights, String sourceName,
                Graphs graphs, int chunkFrames) {
            if (in.samplesPerFrame() != 1) {
                throw new IllegalStateException("the LSTM runs at the frame rate");
            }
            this.in = in;
            this.chunk = (int) Math.min(chunkFrames, in.frames());
            this.graph = graphs.get(cacheKey + "@" + chunk,
                    k -> new LstmGraph(lstm, index, weights, sourceName, chunk));
            this.h = new ArrayList<>();
            this.c = new ArrayList<>();
            for (int k = 0; k < lstm.numLayers(); k++) {
                h.add(Nd4j.zeros(DataType.FLOAT, 1, lstm.dimension()));
                c.add(Nd4j.zeros(DataType.FLOAT, 1, lstm.dimension()));
            }
        }

        @Override
        public int channels() {
            return in.channels();
        }

        @Override
        public int samplesPerFrame() {
            return 1;
        }

        @Override
        public long frames() {
            return in.frames();
        }

        @Override
        public long samples() {
            return in.samples();
        }

        @Override
        protected float[][] produce() {
            long a = next;
            long b = Math.min(frames(), a + chunk);
            float[][] x = in.read(a, b);
            in.release(b);
            int n = (int) (b - a);
            float[][] padded = new float[x.length][chunk];
            for (int ch = 0; ch < x.length; ch++) {
                System.arraycopy(x[ch], 0, padded[ch], 0, n);
            }
            LstmGraph.Result r = graph.run(toBatch(padded), h, c);
            h = r.h();
            c = r.c();
            next = b;
            float[][] y = toRows(r.y());
            float[][] out = new float[y.length][];
            for (int ch = 0; ch < y.length; ch++) {
                out[ch] = java.util.Arrays.copyOf(y[ch], n);
            }
            return out;
        }
    }

    /** A float32 inference graph of one SLSTM layer for a fixed chunk length, with state in and out. */
    static final class LstmGraph {
        record Result(INDArray y, List<INDArray> h, List<INDArray> c) {
        }

        private final SameDiff sd;
        private final String y;
        private final List<String> hOut = new ArrayList<>();
        private final List<String> cOut = new ArrayList<>();
        private final int layers;

        LstmGraph(SLSTM lstm, int index, Map<String, Tensor> weights, String sourceName, int length) {
            this.sd = SameDiff.create();
            this.layers = lstm.numLayers();
            Scope root = Scope.root(sd, weights, sourceName, DataType.FLOAT, true, 0);
            SDVariable x = sd.placeHolder("input", DataType.FLOAT, 1, lstm.dimension(), length);
            List<SDVariable> h0 = new ArrayList<>();
            List<SDVariable> c0 = new ArrayList<>();
            for (int k = 0; k < layers; k++) {
                h0.add(sd.placeHolder("h" + k, DataType.FLOAT, 1, lstm.dimension()));
                c0.add(sd.placeHolder("c" + k, DataType.FLOAT, 1, lstm.dimension()));
            }
            Lstm.Output out = lstm.build(root.child("model").child(index), x, h0, c0);
            this.y = out.y().name();
            out.lastH().forEach(v -> hOut.add(v.name()));
            out.lastC().forEach(v -> cOut.add(v.name()));
            root.build().checkLoaded("model." + index + ".");
        }

        Result run(INDArray x, List<INDArray> h, List<INDArray> c) {
            Map<String, INDArray> ph = new java.util.HashMap<>();
            ph.put("input", x);
            for (int k = 0; k < layers; k++) {
                ph.put("h" + k, h.get(k));
                ph.put("c" + k, c.get(k));
            }
            List<String> names = new ArrayList<>(List.of(y));
            names.addAll(hOut);
            names.addAll(cOut);
            Map<String, INDArray> r = Inference.output(sd, ph, names.toArray(new String[0]));
            List<INDArray> hs = new ArrayList<>();
            List<INDArray> cs = new ArrayList<>();
            for (int k = 0; k < layers; k++) {
                hs.add(r.get(hOut.get(k)).dup());
                cs.add(r.get(cOut.get(k)).dup());
            }
            return new Result(r.get(y), hs, cs);
        }
    }

    /**
     * The stack as a chain of chunked stages reading {@code in}: [pre-LSTM convs] -> [LSTM] ->
     * [post-LSTM convs], or one convolutional stage when the stack has no LSTM.
     */
    static Source chain(String name, SeanetStack stack, Source in, Map<String, Tensor> weights, String sourceName,
            Graphs graphs, int chunkFrames) {
        int l = stack.lstmIndex();
        if (l < 0) {
            return new Windowed(name + "/all", stack, in, weights, sourceName, graphs, chunkFrames);
        }
        Source s = in;
        if (l > 0) {
            s = new Windowed(name + "/pre", stack.sub(0, l), s, weights, sourceName, graphs, chunkFrames);
        }
        s = new Recurrent(name + "/lstm", (SLSTM) stack.layers().get(l), stack.first() + l, s, weights, sourceName,
                graphs, chunkFrames);
        if (l + 1 < stack.layers().size()) {
            s = new Windowed(name + "/post", stack.sub(l + 1, stack.layers().size()), s, weights, sourceName, graphs,
                    chunkFrames);
        }
        return s;
    }

    /** Output channels of the last layer that changes them. */
    static int outChannels(SeanetStack stack) {
        for (int i = stack.layers().size() - 1; i >= 0; i--) {
            SeanetLayer l = stack.layers().get(i);
            if (l instanceof SConv1d c) {
                return c.outChannels();
            }
            if (l instanceof SConvTranspose1d t) {
                return t.outChannels();
            }
            if (l instanceof SEANetResnetBlock r) {
                return r.dim();
            }
            if (l instanceof SLSTM s) {
                return s.dimension();
            }
        }
        throw new IllegalStateException("a stack of activations only has no known width");
    }

    static INDArray toBatch(float[][] rows) {
        return Nd4j.createFromArray(rows).reshape(1, rows.length, rows[0].length);
    }

    static float[][] toRows(INDArray x) {
        return x.reshape(x.size(1), x.size(2)).toFloatMatrix();
    }
}
