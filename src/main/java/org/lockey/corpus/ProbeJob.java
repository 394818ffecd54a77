package org.lockey.corpus;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.lockey.eval.Probe;
import org.lockey.model.lockey.Key;

/**
 * {@code eval probe} over a corpus: one item per (clip, key) pair, its SDR ({@link Probe#sdr}); the caller puts them
 * in place and combines them ({@link Probe#combine}). Workers derive the keys from the shipped registry and the seed
 * ({@link Probe#keys}).
 *
 * @param files the keyed model, its base generator and the key registry
 * @param plan  what to probe (keys, excerpt, SDR, seed; its clip count is the caller's)
 */
public record ProbeJob(SystemFiles files, Probe.Plan plan)
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
        return files.inputs();
    }

    @Override
    public Worker open(Map<String, Path> local) {
        return new Worker(new EvalWorker(SystemFiles.system(local), plan.seconds()),
                Probe.keys(SystemFiles.registry(local), plan.maxValid(), plan.invalidKeys(), plan.seed()));
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
