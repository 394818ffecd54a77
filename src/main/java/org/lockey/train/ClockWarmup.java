package org.lockey.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyClock;
import org.lockey.model.lockey.KeyConfig;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.model.silentcipher.PayloadCodec;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The spectral clock alone, trained before fine-tuning to write a watermark the frozen message decoder reads (ours;
 * {@code finetune --clock-warmup N}), as the key warm-up trains the key path alone ({@link KeyWarmup}).
 *
 * <p><b>Why.</b> SilentCipher's watermark is content-dependent: a least-squares fit of one spectral gain profile per
 * symbol to the teacher's watermark explains about a fifth of its energy and decodes at chance (docs/lockey.md). So
 * the clock cannot copy the teacher's residual; it has to find its own way of writing each symbol that the decoder
 * D_m reads. In fine-tuning, the gradient that teaches it (D_m's cross-entropy at the output, through the whole
 * generator, on one valid key per step at batch 2) is mostly noise for a gain shared by every clip and frame of a
 * symbol. With the generator frozen at its teacher, the clock needs no generator in its graph: its inputs are the
 * base generator's outputs, computed once, and each step sees {@code batch} crops with their own valid keys.
 *
 * <p><b>What.</b> A pool of {@code pool} crops of the base generator's output y_0; per step {@code batch} of them,
 * each with a seeded valid key; the loss per example is D_m's cross-entropy on {@code y' = y_0 + ISTFT(g STFT(y_0))}
 * ({@link KeyClock#spectral}) plus a hinge that holds the change below the teacher's own watermark level:
 * {@code fidelity * relu(|y' - y_0|^2 / |y_0|^2 - 10^(-sdr/10))}; Adam on the gains alone.
 */
public final class ClockWarmup {
    /**
     * How to train.
     *
     * @param steps    Adam steps
     * @param batch    crops per step (each with its own valid key)
     * @param pool     base-generator crops computed once and drawn from
     * @param lr       Adam learning rate of the gains
     * @param sdrDb    the change's floor: SDR of y' against y_0 that the hinge defends (the teacher's watermark SDR)
     * @param fidelity weight of the hinge
     * @param seed     seed of the crops and keys
     */
    public record Recipe(int steps, int batch, int pool, double lr, double sdrDb, double fidelity, long seed) {
        public Recipe {
            if (steps < 1 || batch < 1 || pool < batch || lr <= 0 || fidelity < 0) {
                throw new LockeyException("invalid clock warm-up: steps, batch >= 1, pool >= batch, lr > 0, fidelity >= 0");
            }
        }
    }

    /**
     * The trained gains and where they stand.
     *
     * @param weights       {@code key_clock.spectral_symbols} and {@code key_clock.spectral_end}
     * @param frameAccuracy share of frames whose argmax class is the target, over the last 20 steps
     * @param sdrDb         mean SDR of y' against y_0 over the last 20 steps
     * @param confusion     over the last 20 steps, {@code confusion[target][read]}: frames of each target class
     *                      (0 the end token, 1..4 the symbol values) by the class the decoder's argmax reads
     */
    public record Trained(Map<String, INDArray> weights, double frameAccuracy, double sdrDb, long[][] confusion) {
        /** The confusion matrix as lines, one per target class: the share of its frames read as each class. */
        public String confusionLines() {
            StringBuilder b = new StringBuilder("target \\ read: end s0 s1 s2 s3");
            for (int t = 0; t < confusion.length; t++) {
                long total = java.util.Arrays.stream(confusion[t]).sum();
                b.append(System.lineSeparator()).append(t == 0 ? "end" : "s" + (t - 1)).append(':');
                for (long c : confusion[t]) {
                    b.append(String.format(Locale.ROOT, " %.2f", total == 0 ? 0.0 : c / (double) total));
                }
            }
            return b.toString();
        }
    }

    private ClockWarmup() {
    }

    /** Trains the spectral clock of {@code key} on {@code data}'s crops of the branch's base generator. */
    public static Trained train(FinetuneBranch branch, SilentCipher watermark, KeyRegistry registry, AudioDataset data,
            KeyConfig key, Recipe recipe, Consumer<String> log) {
        if (!key.spectralClock()) {
            throw new LockeyException("--clock-warmup trains the spectral clock; use --payload-clock --clock-form spectral "
                    + "or carrier");
        }
        int length = branch.cropSamples();
        int wmFrames = watermark.config().frames(length);
        PayloadCodec codec = new PayloadCodec(key.keyBits());
        int classes = watermark.config().messageDim();
        List<float[]> pool = basePool(branch, data, recipe, length);
        log.accept("clock warm-up: " + pool.size() + " crops of the base generator");

        int b = recipe.batch();
        SameDiff sd = SameDiff.create();
        Scope root = Scope.fresh(sd, recipe.seed());
        SDVariable y0 = sd.placeHolder("y0", DataType.FLOAT, b, 1, length);
        SDVariable bits = sd.placeHolder("key_bits", DataType.INT64, b, key.keyBits());
        SDVariable symbols = sd.placeHolder("symbols", DataType.INT64, b, wmFrames);
        SDVariable marked = KeyClock.spectral(root.child(KeyClock.PREFIX), key, bits, y0, null);      // [B, 1, L]
        SDVariable logits = WatermarkLoss.decoderLogits(sd, watermark, marked, b, length);       // [B, 5, T]
        SDVariable ce = WatermarkLoss.perExample(sd, logits, symbols, classes);                  // [B]
        SDVariable change = marked.sub(y0);
        SDVariable relative = sd.math().square(change).sum(1, 2)
                .div(sd.math().square(y0).sum(1, 2).add(1e-12));                                  // [B]
        double floor = Math.pow(10, -recipe.sdrDb() / 10);
        SDVariable hinge = sd.nn().relu(relative.sub(floor), 0).mul(recipe.fidelity());
        SDVariable loss = ce.add(hinge).mean();
        sd.setLossVariables(loss);
        String tables = KeyClock.PREFIX + (key.clockForm() == KeyConfig.ClockForm.CARRIER ? ".carrier" : ".spectral");
        List<String> params = List.of(tables + "_symbols", tables + "_end");
        for (String p : params) {
            sd.getVariable(p).getArr().assign(0);
        }
        Adam adam = new Adam(Adam.Config.adam(recipe.lr()));
        double accSum = 0;
        double sdrSum = 0;
        long[][] confusion = new long[classes][classes];
        int tail = 0;
        Progress progress = new Progress("clock warm-up", 0, recipe.steps());
        for (int step = 0; step < recipe.steps(); step++) {
            SplittableRandom r = AudioDataset.rng(recipe.seed(), step, 91);
            float[][][] batchAudio = new float[b][1][];
            long[][] keyBits = new long[b][];
            long[][] targets = new long[b][wmFrames];
            for (int i = 0; i < b; i++) {
                batchAudio[i][0] = pool.get(r.nextInt(pool.size()));
                Key k = registry.validKeys().get(r.nextInt(registry.validKeys().size()));
                keyBits[i] = k.bitArray();
                int[] cls = codec.frameClasses(k.bitFlags(), wmFrames);
                for (int t = 0; t < wmFrames; t++) {
                    targets[i][t] = cls[t];
                }
            }
            Map<String, INDArray> feed = new LinkedHashMap<>(KeyClock.frameFeed(key, 0, length));
            feed.put("y0", Nd4j.create(batchAudio).castTo(DataType.FLOAT));
            feed.put("key_bits", Nd4j.createFromArray(keyBits));
            feed.put("symbols", Nd4j.createFromArray(targets));
            var og = sd.calculateGradientsAndOutputs(feed, List.of(loss.name(), logits.name(), relative.name()), params);
            Map<String, INDArray> values = new LinkedHashMap<>();
            for (String p : params) {
                values.put(p, sd.getVariable(p).getArr());
            }
            adam.step(values, og.getGradients());
            INDArray l = og.getOutputs().get(logits.name());
            INDArray rel = og.getOutputs().get(relative.name());
            int right = 0;
            double sdr = 0;
            for (int i = 0; i < b; i++) {
                for (int t = 0; t < wmFrames; t++) {
                    int best = 0;
                    for (int c = 1; c < classes; c++) {
                        if (l.getDouble(i, c, t) > l.getDouble(i, best, t)) {
                            best = c;
                        }
                    }
                    right += best == targets[i][t] ? 1 : 0;
                    if (step >= recipe.steps() - 20) {
                        confusion[(int) targets[i][t]][best]++;
                    }
                }
                sdr += -10 * Math.log10(Math.max(rel.getDouble(i), 1e-12));
            }
            double acc = right / (double) (b * wmFrames);
            if (step >= recipe.steps() - 20) {
                accSum += acc;
                sdrSum += sdr / b;
                tail++;
            }
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("loss", og.getOutputs().get(loss.name()).getDouble(0));
            f.put("frame_acc", acc);
            f.put("sdr", sdr / b);
            progress.update(step + 1, f);
            if ((step + 1) % 50 == 0) {
                log.accept(String.format(Locale.ROOT, "clock warm-up step %d/%d  loss %.4f  frame accuracy %.3f  SDR %.1f dB",
                        step + 1, recipe.steps(), f.get("loss"), acc, sdr / b));
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String p : params) {
            out.put(p, sd.getVariable(p).getArr().dup());
        }
        return new Trained(out, accSum / Math.max(1, tail), sdrSum / Math.max(1, tail), confusion);
    }

    /** {@code recipe.pool()} seeded crops of the training data through the base generator, 4 at a time. */
    private static List<float[]> basePool(FinetuneBranch branch, AudioDataset data, Recipe recipe, int length) {
        List<float[]> pool = new ArrayList<>();
        for (int done = 0; done < recipe.pool(); done += 4) {
            int n = Math.min(4, recipe.pool() - done);
            List<float[]> crops = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SplittableRandom r = AudioDataset.rng(recipe.seed(), done + i, 93);
                crops.add(data.crop(r.nextInt(data.size()), length, r));
            }
            INDArray y0 = branch.teacher(branch.inputs(crops));                                  // [n, 1, L]
            for (int i = 0; i < n; i++) {
                pool.add(y0.get(NDArrayIndex.point(i), NDArrayIndex.point(0), NDArrayIndex.all()).toFloatVector());
            }
        }
        return pool;
    }
}
