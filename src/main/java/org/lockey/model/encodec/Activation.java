package org.lockey.model.encodec;

import java.util.Iterator;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An element-wise activation named the way SEANet's config names it: a {@code torch.nn} class name
 * plus keyword parameters ({@code activation="ELU", activation_params={"alpha": 1.0}};
 * {@code encodec/modules/seanet.py} resolves the name with {@code getattr(nn, activation)}).
 * Upstream dispatches on any string; here the set is closed and an unknown name is an error.
 *
 * <p>As a {@link SeanetLayer} it is a parameter-free member of the {@code model} Sequential.
 *
 * @param kind      which function
 * @param parameter ELU's {@code alpha} or LeakyReLU's {@code negative_slope}; 0 otherwise
 */
public record Activation(Kind kind, double parameter) implements SeanetLayer {

    /** The supported functions with their {@code torch.nn} class names. */
    public enum Kind {
        /** {@code nn.ELU(alpha)}: x for x > 0, alpha (exp(x) - 1) otherwise. */
        ELU("ELU"),
        /** {@code nn.LeakyReLU(negative_slope)}. */
        LEAKY_RELU("LeakyReLU"),
        /** {@code nn.ReLU()}. */
        RELU("ReLU"),
        /** {@code nn.Tanh()}. */
        TANH("Tanh"),
        /** {@code nn.Sigmoid()}. */
        SIGMOID("Sigmoid"),
        /** No activation (upstream {@code final_activation=None}). */
        IDENTITY("");

        private final String torchName;

        Kind(String torchName) {
            this.torchName = torchName;
        }

        /** The {@code torch.nn} class name ("" for identity). */
        public String torchName() {
            return torchName;
        }
    }

    /** {@code nn.ELU(alpha=1.0)}, SEANet's default. */
    public static Activation elu() {
        return new Activation(Kind.ELU, 1.0);
    }

    /** No activation. */
    public static Activation identity() {
        return new Activation(Kind.IDENTITY, 0);
    }

    /**
     * Parses an upstream (name, params) pair; a null or JSON-null name is the identity.
     *
     * @param name   a {@code torch.nn} class name, e.g. "ELU"
     * @param params keyword arguments, e.g. {@code {"alpha": 1.0}}; null or empty for defaults
     */
    public static Activation fromUpstream(String name, JsonNode params) {
        if (name == null) {
            return identity();
        }
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (k != Kind.IDENTITY && k.torchName.equals(name)) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new LockeyException("activation '" + name + "' is not supported (ELU, LeakyReLU, ReLU, Tanh, Sigmoid)");
        }
        String paramName = switch (kind) {
            case ELU -> "alpha";
            case LEAKY_RELU -> "negative_slope";
            default -> null;
        };
        // torch defaults: ELU alpha 1.0, LeakyReLU negative_slope 0.01.
        double value = kind == Kind.ELU ? 1.0 : kind == Kind.LEAKY_RELU ? 0.01 : 0;
        if (params != null && !params.isNull()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals(paramName) && e.getValue().isNumber()) {
                    value = e.getValue().asDouble();
                } else if (!e.getKey().equals("inplace")) {
                    throw new LockeyException("activation " + name + ": parameter '" + e.getKey() + "' is not supported");
                }
            }
        }
        return new Activation(kind, value);
    }

    /** The upstream class name, or null for the identity. */
    public String upstreamName() {
        return kind == Kind.IDENTITY ? null : kind.torchName;
    }

    /** The upstream keyword parameters ({@code {}} when there are none). */
    public ObjectNode upstreamParams() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        if (kind == Kind.ELU) {
            n.put("alpha", parameter);
        } else if (kind == Kind.LEAKY_RELU) {
            n.put("negative_slope", parameter);
        }
        return n;
    }

    /** Applies the function to {@code x} (any shape). */
    public SDVariable apply(SDVariable x) {
        SameDiff sd = x.getSameDiff();
        return switch (kind) {
            case ELU -> parameter == 1.0 ? sd.nn().elu(x) : scaledElu(sd, x, parameter);
            case LEAKY_RELU -> sd.nn().leakyRelu(x, parameter);
            case RELU -> sd.nn().relu(x, 0);
            case TANH -> sd.math().tanh(x);
            case SIGMOID -> sd.nn().sigmoid(x);
            case IDENTITY -> x;
        };
    }

    /** ELU with alpha != 1: max(x, 0) + alpha (exp(min(x, 0)) - 1). */
    private static SDVariable scaledElu(SameDiff sd, SDVariable x, double alpha) {
        SDVariable neg = sd.math().exp(sd.math().min(x, sd.zerosLike(x))).sub(1.0).mul(alpha);
        return sd.nn().relu(x, 0).add(neg);
    }

    @Override
    public SDVariable build(Scope scope, SDVariable x, long length) {
        return apply(x);
    }

    @Override
    public long outputLength(long length) {
        return length;
    }

    @Override
    public double reach() {
        return 0;
    }

    @Override
    public double rate() {
        return 1;
    }
}
