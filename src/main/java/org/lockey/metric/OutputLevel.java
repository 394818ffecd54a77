package org.lockey.metric;

import java.util.List;

/**
 * The level of outputs beside their teachers: what tells degraded audio from a railed signal.
 *
 * @param rmsRatio        RMS of the outputs over RMS of their teachers (mean over outputs)
 * @param dc              mean sample value (mean over outputs)
 * @param clippedFraction share of samples at |x| >= {@link #CLIP_LEVEL}
 */
public record OutputLevel(double rmsRatio, double dc, double clippedFraction) {
    /** The magnitude counted as clipped. */
    public static final double CLIP_LEVEL = 0.99;

    /** The level of {@code outputs} against {@code teachers} (pairwise). */
    public static OutputLevel of(List<float[]> outputs, List<float[]> teachers) {
        double ratio = 0;
        double dc = 0;
        long clipped = 0;
        long samples = 0;
        for (int i = 0; i < outputs.size(); i++) {
            float[] y = outputs.get(i);
            double sq = 0;
            double sum = 0;
            for (float v : y) {
                sq += (double) v * v;
                sum += v;
                clipped += Math.abs(v) >= CLIP_LEVEL ? 1 : 0;
            }
            double tq = 0;
            for (float v : teachers.get(i)) {
                tq += (double) v * v;
            }
            ratio += Math.sqrt(sq / Math.max(tq, 1e-30));
            dc += sum / y.length;
            samples += y.length;
        }
        int n = Math.max(1, outputs.size());
        return new OutputLevel(ratio / n, dc / n, clipped / (double) Math.max(1, samples));
    }
}
