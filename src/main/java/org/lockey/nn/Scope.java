package org.lockey.nn;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.lockey.io.StateDict;
import org.lockey.io.Tensor;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A position in a model's module tree that names SameDiff variables by their upstream PyTorch
 * {@code state_dict} keys: {@code scope.child("ups").child(0).param("weight_v", ...)} creates the
 * variable {@code ups.0.weight_v}.
 *
 * <p>All scopes of one model share a {@link Build}: the SameDiff graph, the checkpoint tensors to
 * take values from (by key), the seeded generator for parameters that have no checkpoint value,
 * the float type, whether parameters are trainable, and the record of every parameter and buffer
 * created. After building, {@link Build#checkLoaded} reports missing, unexpected and mis-shaped
 * checkpoint keys all at once (the nanoGPT {@code from_pretrained} way).
 */
public final class Scope {
    private final Build build;
    private final String prefix;

    private Scope(Build build, String prefix) {
        this.build = build;
        this.prefix = prefix;
    }

    /** Shared state of one model build. */
    public static final class Build {
        private final SameDiff sd;
        private final Map<String, Tensor> source;
        private final String sourceName;
        private final DataType dtype;
        private final boolean frozen;
        private boolean reuse;
        private final SplittableRandom rng;
        private final Map<String, long[]> created = new LinkedHashMap<>();
        private int anonymous;
        private final java.util.Set<String> issuedNames = new java.util.HashSet<>();
        private LayerTap tap;

        private Build(SameDiff sd, Map<String, Tensor> source, String sourceName, DataType dtype, boolean frozen,
                long seed) {
            this.sd = sd;
            this.source = source;
            this.sourceName = sourceName;
            this.dtype = dtype;
            this.frozen = frozen;
            this.rng = new SplittableRandom(seed);
        }

        /**
         * From now on, asking again for a key already created returns the existing variable instead
         * of failing: one set of (frozen) weights applied several times, e.g. the message decoder run
         * on each example of a batch separately.
         */
        public Build reuseVariables() {
            this.reuse = true;
            return this;
        }

        /**
         * From now on, the output of every {@link Conv1d} and {@link ConvTranspose1d} built under this
         * model goes through {@code tap} ({@link Scope#layerOutput}); set it before building the layers.
         */
        public Build tapLayers(LayerTap tap) {
            this.tap = tap;
            return this;
        }

        /** Keys the model created that the checkpoint does not hold (initialised instead). */
        public java.util.List<String> missingFromCheckpoint() {
            return created.keySet().stream().filter(k -> source == null || !source.containsKey(k)).toList();
        }

        /** Keys and shapes of every parameter and buffer created, in creation order. */
        public Map<String, long[]> created() {
            return Collections.unmodifiableMap(created);
        }

        /**
         * Throws a {@link org.lockey.LockeyException} when the checkpoint does not match the model: keys the
         * model needs but the checkpoint lacks, keys the checkpoint has but the model does not use
         * (only those starting with one of {@code ownedPrefixes}, when given), and shape mismatches
         * — all at once. Nothing to check when the model was built without a checkpoint.
         */
        public void checkLoaded(String... ownedPrefixes) {
            if (source != null) {
                StateDict.check(sourceName, created, source, ownedPrefixes);
            }
        }
    }

    /**
     * The root scope of a model.
     *
     * @param sd         the graph to add variables to
     * @param weights    checkpoint tensors by upstream key, or null to initialise everything
     * @param sourceName file name for error messages
     * @param dtype      float type of parameters (FLOAT; DOUBLE for gradient checks)
     * @param frozen     when true, parameters are graph constants (no gradient, never updated)
     * @param seed       seed of the initialiser for parameters without a checkpoint value
     */
    public static Scope root(SameDiff sd, Map<String, Tensor> weights, String sourceName, DataType dtype,
            boolean frozen, long seed) {
        HelperGuard.attach(sd);
        OpTimer.attachIfRecording(sd);                 // only while ./lockey bench --profile records
        return new Scope(new Build(sd, weights, sourceName, dtype, frozen, seed), "");
    }

    /** A root scope that initialises every parameter (seeded) in float32. */
    public static Scope fresh(SameDiff sd, long seed) {
        return root(sd, null, "(initialised)", DataType.FLOAT, false, seed);
    }

    /** A root scope whose parameters come from a checkpoint, trainable, float32. */
    public static Scope loaded(SameDiff sd, Map<String, Tensor> weights, String sourceName) {
        return root(sd, weights, sourceName, DataType.FLOAT, false, 0);
    }

    /** The same model tree under another shared prefix, e.g. the frozen teacher of a student. */
    public Scope child(String name) {
        return new Scope(build, prefix.isEmpty() ? name : prefix + "." + name);
    }

    /** {@code child(String.valueOf(index))}: list members such as {@code ups.0}. */
    public Scope child(int index) {
        return child(String.valueOf(index));
    }

    /** The graph. */
    public SameDiff sd() {
        return build.sd;
    }

    /** The shared build state. */
    public Build build() {
        return build;
    }

    /** The float type of this model's parameters and activations. */
    public DataType dtype() {
        return build.dtype;
    }

    /** This scope's dotted prefix ("" at the root). */
    public String prefix() {
        return prefix;
    }

    /**
     * The output {@code [B, C, T]} of the layer this scope names, passed through the build's
     * {@link LayerTap} when one is set ({@link Build#tapLayers}); otherwise {@code y} itself.
     */
    public SDVariable layerOutput(SDVariable y) {
        return build.tap == null ? y : build.tap.apply(this, y);
    }

    /** The full key of a leaf name under this scope. */
    public String key(String leaf) {
        return prefix.isEmpty() ? leaf : prefix + "." + leaf;
    }

    /**
     * A learnable parameter named {@code key(leaf)}: taken from the checkpoint when present
     * (shape-checked), otherwise initialised. Trainable unless the build is frozen.
     */
    public SDVariable param(String leaf, Init init, long... shape) {
        String key = key(leaf);
        if (build.reuse && build.created.containsKey(key)) {
            return existing(key, shape);
        }
        INDArray value = valueFor(key, init, shape);
        return build.frozen ? build.sd.constant(key, value) : build.sd.var(key, value);
    }

    /** Whether parameters are graph constants (frozen build: inference models, LOCKEY's teacher and decoder). */
    public boolean frozen() {
        return build.frozen;
    }

    /**
     * {@code derived} when it depends on a trainable parameter or folding is off; otherwise (a frozen build)
     * its value computed once now, as one graph constant named {@code leaf} (made unique). Used for the
     * kernels of frozen convolutions: weight norm and the layout permute then run once at build time
     * instead of at every call. The same ops compute the value, so the numbers are the same. Folding is
     * on unless the system property {@value #FOLD_PROPERTY} is {@code false} (read at build time).
     */
    public SDVariable foldIfFrozen(String leaf, SDVariable derived) {
        if (!build.frozen || !Boolean.parseBoolean(System.getProperty(FOLD_PROPERTY, "true"))) {
            return derived;
        }
        return build.sd.constant(uniqueName(leaf), derived.eval());
    }

    /** The system property switching {@link #foldIfFrozen} off ({@code false}) for before/after timings. */
    public static final String FOLD_PROPERTY = "lockey.fold";

    /** A state-dict buffer (BatchNorm statistics, codebooks): always a constant. */
    public SDVariable buffer(String leaf, Init init, long... shape) {
        String key = key(leaf);
        if (build.reuse && build.created.containsKey(key)) {
            return existing(key, shape);
        }
        return build.sd.constant(key, valueFor(key, init, shape));
    }

    /**
     * A state-dict buffer of a fixed element type, e.g. BatchNorm's {@code num_batches_tracked}
     * (int64 scalar): kept in that type whatever the model's float type is, and read exactly from
     * the checkpoint (a count above 2^24 would not survive a float32 round trip).
     */
    public SDVariable buffer(String leaf, DataType type, Init init, long... shape) {
        String key = key(leaf);
        if (build.reuse && build.created.containsKey(key)) {
            return existing(key, shape);
        }
        INDArray value = valueFor(key, init, shape); // records the key and checks its shape
        Tensor t = build.source == null ? null : build.source.get(key);
        return build.sd.constant(key, t != null && Arrays.equals(t.shape(), shape) ? t.toNd(type) : value.castTo(type));
    }

    /** A graph constant that is not part of the state dict (a DFT basis, a mask). */
    public SDVariable constant(String leaf, INDArray value) {
        return build.sd.constant(uniqueName(leaf), value.castTo(value.dataType().isFPType() ? build.dtype : value.dataType()));
    }

    /** A scalar constant of the model's float type. */
    public SDVariable scalar(String leaf, double value) {
        return build.sd.constant(uniqueName(leaf), build.dtype, value);
    }

    /**
     * A fresh graph name under this scope for an intermediate result or a name prefix
     * ("ups.0/out_3"): never an existing variable's name and never handed out before, so it is
     * also safe as the prefix of several constants.
     */
    public String uniqueName(String leaf) {
        String base = (prefix.isEmpty() ? "" : prefix + "/") + leaf;
        String name = base;
        while (build.sd.hasVariable(name) || build.issuedNames.contains(name)) {
            name = base + "_" + (++build.anonymous);
        }
        build.issuedNames.add(name);
        return name;
    }

    private SDVariable existing(String key, long[] shape) {
        if (!Arrays.equals(build.created.get(key), shape)) {
            throw new IllegalStateException("parameter " + key + " reused with shape " + Arrays.toString(shape));
        }
        return build.sd.getVariable(key);
    }

    private INDArray valueFor(String key, Init init, long[] shape) {
        if (build.created.containsKey(key)) {
            throw new IllegalStateException("parameter " + key + " created twice");
        }
        build.created.put(key, shape.clone());
        Tensor t = build.source == null ? null : build.source.get(key);
        // A mis-shaped checkpoint tensor is reported by checkLoaded(); build on with the initialiser.
        if (t != null && Arrays.equals(t.shape(), shape)) {
            return t.toNd(build.dtype);
        }
        return init.array(shape, build.rng, build.dtype);
    }
}
