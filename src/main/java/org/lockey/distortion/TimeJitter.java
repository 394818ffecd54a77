package org.lockey.distortion;

import java.util.SplittableRandom;

import org.lockey.LockeyException;

/**
 * Table I column {@code time_jit}: time jitter (LOCKEY Sec. V-A names it without parameters). Here,
 * as in the jitter attack of audio watermarking benchmarks (samples deleted or duplicated at random
 * places, so the timing wobbles while the content stays): the signal is cut into slots of
 * {@value #SLOT_SECONDS} s ({@code round(0.05 rate)} samples); in every whole slot one event happens
 * at a uniformly random position at least {@value #MARGIN} samples from the slot's edges: with
 * probability 1/2 the next k input samples are <em>deleted</em>, otherwise the last k samples are
 * <em>repeated</em>, k uniform in 1..{@value #MAX_RUN}. The output is cut, or zero-padded at the
 * end, to the input length.
 *
 * <p>So every output sample (before any padding) is an input sample; consecutive output samples are
 * consecutive input samples except at the events, where the input index jumps by 1 + k (deletion)
 * or by 1 - k (repetition); 20 events per second; the accumulated drift is a random walk of those
 * steps (at most 4 samples per event, typically a few tens of samples after seconds, well below a
 * SilentCipher hop).
 */
public final class TimeJitter implements Distortion {
    /** Seconds per slot (one event per slot). */
    public static final double SLOT_SECONDS = 0.05;
    /** Longest run of samples deleted or repeated by one event. */
    public static final int MAX_RUN = 4;
    /** Events stay this many samples away from a slot's edges, so runs never overlap. */
    public static final int MARGIN = 8;

    @Override
    public String name() {
        return "time_jit";
    }

    @Override
    public String description() {
        return "one event per 50 ms slot at a random position: delete or repeat 1..4 samples (p = 1/2); "
                + "cut or zero-padded to the input length";
    }

    /** The samples per slot at {@code sampleRate}. */
    public static int slotSamples(int sampleRate) {
        int slot = (int) Math.round(SLOT_SECONDS * sampleRate);
        if (slot < 2 * MARGIN + 1) {
            throw new LockeyException("time_jit: " + sampleRate + " Hz is too low a rate for " + SLOT_SECONDS
                    + " s slots with a " + MARGIN + "-sample margin");
        }
        return slot;
    }

    @Override
    public float[] apply(float[] audio, int sampleRate, SplittableRandom rng) {
        int slot = slotSamples(sampleRate);
        int slots = audio.length / slot;
        float[] out = new float[audio.length];
        int written = 0;
        int read = 0; // next input sample to copy
        for (int s = 0; s < slots && written < out.length; s++) {
            int position = s * slot + MARGIN + rng.nextInt(slot - 2 * MARGIN);
            boolean delete = rng.nextBoolean();
            int run = 1 + rng.nextInt(MAX_RUN);
            // copy up to the event; the margins keep `position` ahead of `read` (a run is <= MARGIN)
            int n = Math.min(position - read, out.length - written);
            System.arraycopy(audio, read, out, written, n);
            written += n;
            read = position;
            if (delete) {
                read += run;
            } else {
                int m = Math.min(run, out.length - written);
                System.arraycopy(audio, read - run, out, written, m);
                written += m;
            }
        }
        int rest = Math.min(audio.length - read, out.length - written);
        if (rest > 0) {
            System.arraycopy(audio, read, out, written, rest);
        }
        return out;
    }
}
