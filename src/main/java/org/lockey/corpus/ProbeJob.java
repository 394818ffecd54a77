package org.lockey.corpus;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.lockey.eval.KeyedSystem;
import org.lockey.eval.Probe;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;

/**
 * {@code eval probe} over a corpus: one item per (clip, key) pair, its SDR ({@link Probe#sdr}); the caller puts them
 * in place and combines them ({@link Probe#combine}). Workers derive the keys from the shipped registry and the seed
 * ({@link Probe#keys}).
 *
 * @param model    the keyed model directory
 * @param base     the base generator (the teacher)
 * @param registry the key registry
 * @param plan     what to probe (keys, excerpt, SDR, seed; its clip count is the caller's)
 */
public record ProbeJob(String model, String base, String registry, Probe.Plan plan)
        implements CorpusJob<ProbeJob.Worker, EvalItem, Double> {
    private static final long serialVersionUID = 1L;

    /** A worker: the system and the keys. */
    public static final class Worker {
        final EvalWorker eval;
        final Probe.Keys keys;
        final List<Key> all;

        Worker(EvalWorker eval, Probe.Keys keys) {
            this.eval = eval;
            this.keys = keys;
            this.all = keys.all();
        }
    }

    @Override
    public Map<String, Path> inputs() {
        return Map.of("model", Path.of(model), "base", Path.of(base), "registry", Path.of(registry));
    }

    @Override
    public Worker open(Map<String, Path> local) {
        KeyedSystem system = KeyedSystem.load(local.get("model"), local.get("base"));
        return new Worker(new EvalWorker(system, plan.seconds()), Probe.keys(KeyRegistry.load(local.get("registry")),
                plan.maxValid(), plan.invalidKeys(), plan.seed()));
    }

    @Override
    public Double apply(Worker w, EvalItem item) {
        w.eval.load(item);
        return Probe.sdr(w.eval.system, w.eval.silentCipher, w.eval.clip(), w.eval.teacher(), w.all.get(item.key()),
                item.key() < w.keys.valid().size(), plan.sdrDb());
    }

    @Override
    public String label() {
        return "lockey eval probe";
    }
}
