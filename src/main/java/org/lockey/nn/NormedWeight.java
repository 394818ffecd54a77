package org.lockey.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A weight under weight normalisation ({@code torch.nn.utils.weight_norm}, dim 0) or spectral
 * normalisation ({@code torch.nn.utils.spectral_norm}) whose reparametrisation runs eagerly, outside
 * the SameDiff graph: the graph sees the effective weight as a plain variable (already in SameDiff's
 * kernel layout), and the state-dict parameters ("masters": {@code weight_g}/{@code weight_v}, or
 * {@code weight_orig} with the {@code weight_u}/{@code weight_v} buffers) are turned into it by
 * {@link #refresh} before a run and receive their gradients by {@link #backward} after it.
 *
 * <p>Why not in the graph, as {@link WeightNorm#weight} does for the generator: HiFi-GAN's
 * discriminators hold 70.7 M values. In SameDiff 1.0.0-M2.1 the in-graph reparametrisation, its
 * layout permute (repeated for the real and the generated pass) and their backward ops cost more
 * than the convolutions and kept several extra copies of every weight alive: measured on MPD + MSD,
 * batch 1, 2048 samples, forward + backward took 11-34 s in the graph and 6-10 s with the
 * reparametrisation outside (2 loaded cores). The generator step uses the discriminators as
 * constants and needs no reparametrisation ops at all this way.
 *
 * <p>Passes: every {@link #forPass()} is one forward of the module. With weight norm all passes share
 * one effective weight. With spectral norm each pass has its own graph variable, because torch runs
 * one power iteration per training forward, so upstream's {@code d(y)} and {@code d(y_hat)} use
 * different (u, v) and sigma; {@link #refresh} in training mode reproduces that order.
 *
 * <p>The masters are created through the {@link Scope} (upstream keys, checkpoint values, shape
 * checks) as graph variables (or constants in a frozen scope) that no op reads; {@link #refresh}
 * and {@link #backward} take them from a lookup by key, so a second graph (the generator step's copy
 * of the discriminators) can refresh its effective weights from the first graph's masters.
 */
public final class NormedWeight {
    /** The reparametrisation. */
    public enum Kind {
        /** {@code w = g v / ||v||}. */
        WEIGHT,
        /** {@code w = W / sigma(W)}. */
        SPECTRAL
    }

    /** How the effective weight is laid out in the graph, from PyTorch's layout. */
    public enum Layout {
        /** As PyTorch stores it (for ops that reshape it themselves, e.g. grouped conv). */
        TORCH(null, null),
        /** conv1d: {@code [out, in, k] -> [k, in, out]}, as {@link Layouts#conv1d}. */
        CONV1D(new int[] {2, 1, 0}, new int[] {2, 1, 0}),
        /** conv2d: {@code [out, in, kH, kW] -> [kH, kW, in, out]}, as {@link Layouts#conv2d}. */
        CONV2D(new int[] {2, 3, 1, 0}, new int[] {3, 2, 0, 1});

        private final int[] forward;
        private final int[] inverse;

        Layout(int[] forward, int[] inverse) {
            this.forward = forward;
            this.inverse = inverse;
        }

        /** PyTorch layout to graph layout (a view). */
        public INDArray toGraph(INDArray torch) {
            return forward == null ? torch : torch.permute(forward);
        }

        /** Graph layout back to PyTorch layout (a view). */
        public INDArray toTorch(INDArray graph) {
            return inverse == null ? graph : graph.permute(inverse);
        }

        /** The graph shape of a PyTorch shape. */
        long[] graphShape(long[] torch) {
            if (forward == null) {
                return torch.clone();
            }
            long[] s = new long[forward.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = torch[forward[i]];
            }
            return s;
        }
    }

    private final Kind kind;
    private final Layout layout;
    private final Scope scope;
    private final long[] shape;
    private final boolean trainable;
    private final List<SDVariable> passWeights = new ArrayList<>();
    /** Spectral norm: the (u, v) each pass used at the last refresh, and its sigma. */
    private final List<INDArray[]> passVectors = new ArrayList<>();
    private final List<Double> passSigmas = new ArrayList<>();
    private final Function<String, INDArray> ownState;

    private NormedWeight(Kind kind, Layout layout, Scope scope, long[] shape, boolean trainable) {
        this.kind = kind;
        this.layout = layout;
        this.scope = scope;
        this.shape = shape.clone();
        this.trainable = trainable;
        this.ownState = key -> scope.sd().getVariable(key).getArr();
    }

    /**
     * Creates {@code weight_v} and {@code weight_g} (= ||v|| without a checkpoint) under
     * {@code scope}, PyTorch shape {@code shape}.
     */
    public static NormedWeight weightNorm(Scope scope, Init init, Layout layout, long... shape) {
        SDVariable[] gv = WeightNorm.params(scope, init, shape);
        return new NormedWeight(Kind.WEIGHT, layout, scope, shape, gv[0].getVariableType() == VariableType.VARIABLE);
    }

    /**
     * Creates {@code weight_orig} (from {@code init}), and the buffers {@code weight_u} {@code [h]} and
     * {@code weight_v} {@code [numel / h]} (normalised normal draws without a checkpoint) under
     * {@code scope}, PyTorch shape {@code shape}.
     */
    public static NormedWeight spectralNorm(Scope scope, Init init, Layout layout, long... shape) {
        SDVariable w = scope.param("weight_orig", init, shape);
        long h = shape[0];
        scope.buffer("weight_u", SpectralNorm.normalisedNormal(), h);
        scope.buffer("weight_v", SpectralNorm.normalisedNormal(), Init.numel(shape) / h);
        return new NormedWeight(Kind.SPECTRAL, layout, scope, shape, w.getVariableType() == VariableType.VARIABLE);
    }

    /**
     * The effective weight for one more forward pass, in the graph layout: a trainable variable
     * (constant in a frozen scope) named {@code <prefix>/weight} (weight norm, shared by all passes)
     * or {@code <prefix>/weight.pass<p>} (spectral norm). Its value is set from the masters now (eval
     * mode) and by every {@link #refresh}.
     */
    public SDVariable forPass() {
        if (kind == Kind.WEIGHT && !passWeights.isEmpty()) {
            return passWeights.get(0);
        }
        String name = scope.uniqueName(kind == Kind.WEIGHT ? "weight" : "weight.pass" + passWeights.size());
        INDArray init = Nd4j.create(scope.dtype(), layout.graphShape(shape));
        SDVariable w = trainable ? scope.sd().var(name, init) : scope.sd().constant(name, init);
        passWeights.add(w);
        if (kind == Kind.SPECTRAL) {
            passVectors.add(null);
            passSigmas.add(Double.NaN);
        }
        refresh(ownState, false);
        return w;
    }

    /**
     * Recomputes every pass's effective weight from the masters found by {@code state} (upstream
     * key to array). Weight norm: {@code g v / ||v||}. Spectral norm: in training mode one power
     * iteration per pass, in pass order, updating the {@code weight_u}/{@code weight_v} arrays of
     * {@code state} in place (as torch's buffers after that many training forwards); in eval mode
     * the stored u and v serve every pass.
     */
    public void refresh(Function<String, INDArray> state, boolean training) {
        if (kind == Kind.WEIGHT) {
            if (!passWeights.isEmpty()) {
                INDArray w = WeightNorm.effective(state.apply(scope.key("weight_g")), state.apply(scope.key("weight_v")));
                passWeights.get(0).getArr().assign(layout.toGraph(w));
                w.close();
            }
            return;
        }
        INDArray weight = state.apply(scope.key("weight_orig"));
        INDArray u = state.apply(scope.key("weight_u"));
        INDArray v = state.apply(scope.key("weight_v"));
        INDArray mat = weight.reshape(shape[0], weight.length() / shape[0]);
        for (int p = 0; p < passWeights.size(); p++) {
            if (training) {
                SpectralNorm.powerIteration(mat, u, v);
            }
            INDArray up = u.dup();
            INDArray vp = v.dup();
            double sigma = SpectralNorm.sigma(mat, up, vp);
            passVectors.set(p, new INDArray[] {up, vp});
            passSigmas.set(p, sigma);
            INDArray w = weight.div(sigma);
            passWeights.get(p).getArr().assign(layout.toGraph(w));
            w.close();
        }
    }

    /**
     * Adds the masters' gradients to {@code out} (keyed by upstream key) from the graph gradients of
     * the pass weights ({@code graphGrads}, by graph name; missing passes contribute nothing), using
     * the masters of {@code state} and the (u, v, sigma) of the last {@link #refresh}. The arrays put
     * into {@code out} are new; the caller may {@code close()} them after use.
     */
    public void backward(Function<String, INDArray> state, Map<String, INDArray> graphGrads, Map<String, INDArray> out) {
        if (kind == Kind.WEIGHT) {
            INDArray g = passWeights.isEmpty() ? null : graphGrads.get(passWeights.get(0).name());
            if (g == null) {
                return;
            }
            INDArray[] gv = WeightNorm.backward(state.apply(scope.key("weight_g")), state.apply(scope.key("weight_v")),
                    layout.toTorch(g));
            accumulate(out, scope.key("weight_g"), gv[0]);
            accumulate(out, scope.key("weight_v"), gv[1]);
            return;
        }
        INDArray weight = state.apply(scope.key("weight_orig"));
        for (int p = 0; p < passWeights.size(); p++) {
            INDArray g = graphGrads.get(passWeights.get(p).name());
            if (g == null) {
                continue;
            }
            INDArray[] uv = passVectors.get(p);
            INDArray d = SpectralNorm.backward(weight, uv[0], uv[1], passSigmas.get(p), layout.toTorch(g));
            accumulate(out, scope.key("weight_orig"), d);
        }
    }

    /**
     * {@code out[key] += fresh}; a fresh array that is not kept is freed now. These arrays are as large
     * as the discriminators' weights (70 M values in all), and waiting for the garbage collector to free
     * them let the process grow by gigabytes within one step.
     */
    private static void accumulate(Map<String, INDArray> out, String key, INDArray fresh) {
        INDArray prev = out.get(key);
        if (prev == null) {
            out.put(key, fresh);
        } else {
            prev.addi(fresh);
            fresh.close();
        }
    }

    /** The reparametrisation. */
    public Kind kind() {
        return kind;
    }

    /** The PyTorch shape of the weight. */
    public long[] shape() {
        return shape.clone();
    }

    /** The graph names of the pass weights (one for weight norm), for gradient requests. */
    public List<String> graphNames() {
        List<String> names = new ArrayList<>();
        passWeights.forEach(w -> names.add(w.name()));
        return Collections.unmodifiableList(names);
    }

    /** The trainable masters' keys: {@code weight_g, weight_v} or {@code weight_orig}. */
    public List<String> masterKeys() {
        return kind == Kind.WEIGHT ? List.of(scope.key("weight_g"), scope.key("weight_v"))
                : List.of(scope.key("weight_orig"));
    }

    /** The buffers' keys: none, or {@code weight_u, weight_v} for spectral norm. */
    public List<String> bufferKeys() {
        return kind == Kind.WEIGHT ? List.of() : List.of(scope.key("weight_u"), scope.key("weight_v"));
    }
}
