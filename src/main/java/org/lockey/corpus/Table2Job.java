package org.lockey.corpus;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.lockey.distortion.CodecBackend;
import org.lockey.distortion.Codecs;
import org.lockey.distortion.Distortion;
import org.lockey.distortion.Distortions;
import org.lockey.eval.Table2;

/**
 * {@code eval table2} over a corpus: one item per (clip, key) pair, its {@link Table2.Pair} figures
 * ({@link Table2#pair}); the caller combines them in item order ({@link Table2#combine}), so every engine gives the
 * serial command's table. Workers derive the keys from the shipped registry and the seed ({@link Table2#keys}) and
 * the distortions from their names and codec backend.
 *
 * @param files       the keyed model, its base generator and the key registry
 * @param distortions the columns, comma separated
 * @param codecs      the codec backend's id
 * @param keys        valid keys (and as many invalid ones)
 * @param sdrDb       the teacher's watermark SDR
 * @param seed        the seed of the invalid keys and the distortions
 */
public record Table2Job(SystemFiles files, String distortions, String codecs, int keys, double sdrDb, long seed) implements CorpusJob<Table2Job.Worker, EvalItem, Table2.Pair> {
    private static final long serialVersionUID = 1L;

    /** A worker: the system, the keys, the distortions. */
    public static final class Worker {
        final EvalWorker eval;
        final Table2.Keys keys;
        final List<Distortion> distortions;
        final Map<String, String> unavailable;

        Worker(EvalWorker eval, Table2.Keys keys, List<Distortion> distortions) {
            this.eval = eval;
            this.keys = keys;
            this.distortions = distortions;
            this.unavailable = Table2.unavailable(distortions);
        }
    }

    /** The distortions of {@link #distortions} with the codecs of {@link #codecs}. */
    public List<Distortion> distortionList() {
        return Distortions.parse(distortions, Codecs.of(CodecBackend.parse(codecs)));
    }

    @Override
    public Map<String, Path> inputs() {
        return files.inputs();
    }

    @Override
    public Worker open(Map<String, Path> local) {
        return new Worker(new EvalWorker(SystemFiles.system(local)), Table2.keys(SystemFiles.registry(local), keys, seed),
                distortionList());
    }

    @Override
    public Table2.Pair apply(Worker w, EvalItem item) {
        w.eval.load(item);
        return Table2.pair(w.eval.system, w.eval.silentCipher, w.eval.clip(), w.eval.teacher(), item.clip(),
                item.key(), w.keys, w.distortions, w.unavailable, sdrDb, seed);
    }

    @Override
    public String label() {
        return "lockey eval table2";
    }
}
