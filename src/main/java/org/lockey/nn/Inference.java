package org.lockey.nn;

import java.util.Map;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inference on a SameDiff graph whose intermediate arrays are closed as soon as the graph no longer needs them,
 * instead of kept for reuse.
 *
 * <p>Why: SameDiff 1.0.0-M2.1 runs a graph in one {@code InferenceSession} per graph and thread, whose memory
 * manager ({@code ArrayCacheMemoryMgr}) keeps every released intermediate array, keyed by data type and exact
 * shape, up to a quarter of JavaCPP's {@code maxBytes} per session (2 GB under the launcher's 8 GB), and evicts
 * only when a new array would overflow it. A process that runs several graphs on inputs of several lengths (eval
 * detection: the SilentCipher graph on 1, 2, 3, 5 and 10-s segments, the keyed generators) keeps arrays of every
 * length it has seen; measured on 50 embeddings and decodings per cycle of the five lengths under a 3 GB
 * {@code maxBytes}, resident memory reached 1.9 GB after the first cycle and 3.3 GB after the fourth, against
 * 0.85 and 1.0 GB with the cache off (commit d9fa2d0; measured again in docs/results.md, "Detection calibration
 * (issue 18, part 3)"). The cache gave no measurable speed there.
 *
 * <p>{@link #uncached} turns the cache off for one graph on the calling thread (the manager's own switch, as
 * the global system property {@code org.nd4j.autodiff.samediff=false} does for every session, see {@code
 * VocoderTrainer}); the arrays it already holds are closed. Outputs handed to the caller are never released by
 * the session and stay the caller's.
 */
public final class Inference {
    /**
     * SameDiff 1.0.0-M2.1 reads this system property (literally this name) when it creates a session's array
     * cache; "false" turns the cache off for every session created afterwards, training sessions included.
     */
    public static final String ARRAY_CACHE_PROPERTY = "org.nd4j.autodiff.samediff";

    private Inference() {
    }

    /**
     * Turns the array cache off for every session created from now on, unless the property was set explicitly
     * (a process with several graphs and sessions otherwise keeps up to a quarter of JavaCPP's {@code maxBytes}
     * per session: a LOCKEY fine-tune, with its student, loss, teacher and validation graphs, reached 8 GB
     * resident and was OOM-killed).
     */
    public static void uncachedSessions() {
        if (System.getProperty(ARRAY_CACHE_PROPERTY) == null) {
            System.setProperty(ARRAY_CACHE_PROPERTY, "false");
        }
    }

    /**
     * {@code sd.output(feed, outputs)} with the calling thread's session of {@code sd} uncached ({@link
     * #uncached}). Callers that share a graph between threads synchronise on it as for {@code sd.output}.
     */
    public static Map<String, INDArray> output(SameDiff sd, Map<String, INDArray> feed, String... outputs) {
        uncached(sd);
        return sd.output(feed, outputs);
    }

    /**
     * Turns off the array cache of the calling thread's inference session of {@code sd}, creating the session
     * as {@code sd.output} would when there is none yet. Cheap when already off.
     */
    public static void uncached(SameDiff sd) {
        InferenceSession session = sd.getSessions().computeIfAbsent(Thread.currentThread().getId(),
                t -> SameDiff.getInferenceFactory().create(sd));
        if (session.getMmgr() instanceof ArrayCacheMemoryMgr cache && cache.isEnableCache()) {
            cache.setEnableCache(false);
            cache.close(); // closes the arrays cached so far; then forget them
            cache.getArrays().clear();
            cache.getLruCache().clear();
            cache.getLruCacheValues().clear();
            cache.setCurrentCacheSize(0);
        }
    }

    /**
     * Whether the calling thread's inference session of {@code sd} would keep released arrays: false without a
     * session or after {@link #uncached}.
     */
    public static boolean caches(SameDiff sd) {
        InferenceSession session = sd.getSessions().get(Thread.currentThread().getId());
        if (session == null) {
            return false;
        }
        SessionMemMgr mmgr = session.getMmgr();
        return mmgr instanceof ArrayCacheMemoryMgr cache && cache.isEnableCache();
    }

    /** Bytes of released arrays the calling thread's session of {@code sd} holds for reuse (0 when uncached). */
    public static long cachedBytes(SameDiff sd) {
        InferenceSession session = sd.getSessions().get(Thread.currentThread().getId());
        return session != null && session.getMmgr() instanceof ArrayCacheMemoryMgr cache
                ? cache.getCurrentCacheSize() : 0;
    }
}
