package org.lockey.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.lockey.LockeyException;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyEmbedding;
import org.lockey.model.lockey.KeyEncoder;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.lockey.KeyVerifier;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The key path alone (embedding, E_k, verification head; no generator), trained on the verification CE.
 * Two uses: {@code ./lockey eval key-capacity} (how well the key path can learn a valid set: it
 * trains the verification CE of paper §III-C, with valid and invalid keys drawn with probability 1/2
 * as in fine-tuning, and measures the verifier's accuracy on the valid set and on every invalid key of
 * the space (K &lt;= 20) or a seeded sample of them. This separates two causes of a keyed generator that
 * does not tell valid from invalid keys: too few steps, or a key path that cannot represent the set),
 * and the key warm-up of {@code finetune --key-warmup} (ours): a short run of it before fine-tuning
 * gives the key path the many thousands of key draws that a CPU-sized fine-tune (batch 2, a thousand
 * steps) cannot, so that E_k's output already differs between valid and invalid keys when the
 * generator starts to learn from it.
 *
 * <p>Measured ({@code docs/lockey.md}, "Key warm-up"): with 655 valid keys the key path needs many
 * thousands of steps of 64 keys to approach a clean split; with 16 it needs a few hundred.
 */
public final class KeyWarmup {
    /**
     * The outcome of one training.
     *
     * @param validAccuracy   share of valid keys classified valid
     * @param invalidAccuracy share of the invalid keys evaluated classified invalid
     * @param invalidEvaluated how many invalid keys were evaluated
     * @param finalLoss       mean verification CE of the last 50 steps
     */
    public record Result(double validAccuracy, double invalidAccuracy, int invalidEvaluated, double finalLoss) {
        /** The balanced accuracy, the mean of the two. */
        public double balanced() {
            return (validAccuracy + invalidAccuracy) / 2;
        }
    }

    private KeyWarmup() {
    }

    /**
     * A trained key path.
     *
     * @param result  its verifier accuracy
     * @param weights its parameters under their keyed-model keys ({@code key_embedding.*},
     *                {@code key_encoder.*}, {@code verifier.*})
     */
    public record Trained(Result result, Map<String, INDArray> weights) {
    }

    /**
     * How the key path is trained.
     *
     * @param steps      Adam steps
     * @param batch      keys per step
     * @param validShare the expected share of valid keys in a batch (each key is valid with this probability;
     *                   fine-tuning draws 1/2). Below 1/2 the run sees more of the invalid keys, which are
     *                   nearly all of the key space, and the verifier's threshold moves towards them.
     * @param lr         Adam's learning rate at the start; it decays along a half cosine to {@link #FINAL_LR_SHARE}
     *                   of itself at the last step
     * @param seed       initialisation and key draws
     * @param nearMissShare the share of invalid draws that are near misses: a valid key with one or two bits
     *                   flipped (when that is not valid itself). These are the keys a verifier gets wrong last;
     *                   drawn uniformly, they are 1 in 6 of the invalid keys for 655 valid ones.
     * @param shapeWeight the weight of {@link KeyShapeLoss} beside the verification CE (0 = the CE alone)
     */
    public record Recipe(int steps, int batch, double validShare, double lr, long seed, double nearMissShare,
            double shapeWeight) {
        /** Without near misses. */
        public Recipe(int steps, int batch, double validShare, double lr, long seed) {
            this(steps, batch, validShare, lr, seed, 0, 0);
        }

        /** The verification CE alone. */
        public Recipe(int steps, int batch, double validShare, double lr, long seed, double nearMissShare) {
            this(steps, batch, validShare, lr, seed, nearMissShare, 0);
        }

        /** The learning rate of the last step, as a share of the first. */
        public static final double FINAL_LR_SHARE = 0.05;

        public Recipe {
            if (steps < 0 || batch < 1 || !(validShare > 0 && validShare < 1) || !(lr > 0)
                    || !(nearMissShare >= 0 && nearMissShare <= 1) || !(shapeWeight >= 0)) {
                throw new LockeyException("key warm-up: steps >= 0, batch >= 1, valid share in (0, 1), "
                        + "lr > 0, a near-miss share in [0, 1] and a shape weight >= 0 are needed");
            }
        }

        /** The learning rate of step {@code s} (1-based). */
        public double lrAt(int s) {
            double t = steps <= 1 ? 0 : (s - 1) / (double) (steps - 1);
            return lr * (FINAL_LR_SHARE + (1 - FINAL_LR_SHARE) * 0.5 * (1 + Math.cos(Math.PI * t)));
        }
    }


    /**
     * Trains a fresh key path by {@code recipe}.
     *
     * @param registry  the valid set
     * @param cfg       key path sizes ({@code channels} = the width of E_k's output)
     * @param progress  receives a line every tenth of the run
     */
    public static Trained train(KeyRegistry registry, KeyConfig cfg, Recipe recipe, Consumer<String> progress) {
        int steps = recipe.steps();
        int batch = recipe.batch();
        long seed = recipe.seed();
        SameDiff sd = SameDiff.create();
        Scope root = Scope.fresh(sd, seed);
        SDVariable bits = sd.placeHolder("key_bits", DataType.INT64, -1, cfg.keyBits());
        SDVariable valid = sd.placeHolder("valid", DataType.INT64, -1);
        SDVariable e = new KeyEmbedding(cfg).build(root.child("key_embedding"), bits);
        SDVariable k = new KeyEncoder(cfg).build(root.child("key_encoder"), e);
        SDVariable logits = new KeyVerifier(cfg).build(root.child("verifier"), k);
        SDVariable ce = VerificationLoss.perExample(sd, logits, valid);
        SDVariable loss = recipe.shapeWeight() > 0
                ? ce.add(KeyShapeLoss.perExample(sd, k, valid).mul(recipe.shapeWeight())).mean()
                : ce.mean();
        List<String> trainable = sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .map(SDVariable::name).toList();
        Adam adam = new Adam(Adam.Config.adam(recipe.lr()));
        SplittableRandom r = new SplittableRandom(seed);
        List<Key> validKeys = registry.validKeys();
        double tail = 0;
        int tailCount = 0;
        for (int s = 1; s <= steps; s++) {
            Key[] keys = new Key[batch];
            long[] flags = new long[batch];
            for (int i = 0; i < batch; i++) {
                boolean v = r.nextDouble() < recipe.validShare();
                keys[i] = v ? validKeys.get(r.nextInt(validKeys.size()))
                        : r.nextDouble() < recipe.nearMissShare() ? nearMiss(registry, validKeys, r)
                        : registry.randomInvalid(r);
                flags[i] = v ? 1 : 0;
            }
            Map<String, INDArray> feed = Map.of("key_bits", Key.bitMatrix(keys), "valid", Nd4j.createFromArray(flags));
            var og = sd.calculateGradientsAndOutputs(feed, List.of(loss.name()), trainable);
            Map<String, INDArray> params = new LinkedHashMap<>();
            for (String t : trainable) {
                params.put(t, sd.getVariable(t).getArr());
            }
            adam.setLr(recipe.lrAt(s));
            adam.step(params, og.getGradients());
            double l = og.getOutputs().get(loss.name()).getDouble(0);
            if (s > steps - 50) {
                tail += l;
                tailCount++;
            }
            if (s % Math.max(1, steps / 10) == 0) {
                progress.accept(String.format(java.util.Locale.ROOT, "step %d/%d  %s %.4f", s, steps,
                        recipe.shapeWeight() > 0 ? "loss" : "ce_v", l));
            }
        }
        double accValid = accuracy(sd, logits, validKeys, 0);
        List<Key> invalids = new ArrayList<>();
        if (registry.bits() <= 20) {
            for (long v = 0; v < (1L << registry.bits()); v++) {
                Key key = new Key(registry.bits(), v);
                if (!registry.isValid(key)) {
                    invalids.add(key);
                }
            }
        } else {
            SplittableRandom er = new SplittableRandom(seed + 1);
            for (int i = 0; i < 65536; i++) {
                invalids.add(registry.randomInvalid(er));
            }
        }
        double accInvalid = accuracy(sd, logits, invalids, 1);
        Map<String, INDArray> weights = new LinkedHashMap<>();
        for (String t : trainable) {
            weights.put(t, sd.getVariable(t).getArr());
        }
        return new Trained(new Result(accValid, accInvalid, invalids.size(), tail / Math.max(1, tailCount)), weights);
    }

    /** A valid key with one or two random bits flipped, or a uniform invalid key when that lands on a valid one. */
    static Key nearMiss(KeyRegistry registry, List<Key> validKeys, SplittableRandom r) {
        Key base = validKeys.get(r.nextInt(validKeys.size()));
        long v = base.value() ^ (1L << r.nextInt(base.bits()));
        if (r.nextBoolean()) {
            v ^= 1L << r.nextInt(base.bits());
        }
        Key k = new Key(base.bits(), v);
        return v == base.value() || registry.isValid(k) ? registry.randomInvalid(r) : k;
    }

    private static double accuracy(SameDiff sd, SDVariable logits, List<Key> keys, int wanted) {
        int right = 0;
        for (int from = 0; from < keys.size(); from += 4096) {
            List<Key> chunk = keys.subList(from, Math.min(keys.size(), from + 4096));
            INDArray out = sd.output(Map.of("key_bits", Key.bitMatrix(chunk.toArray(new Key[0]))), logits.name())
                    .get(logits.name());
            for (int i = 0; i < chunk.size(); i++) {
                int cls = out.getDouble(i, 0) >= out.getDouble(i, 1) ? 0 : 1;
                right += cls == wanted ? 1 : 0;
            }
        }
        return right / (double) keys.size();
    }

}
