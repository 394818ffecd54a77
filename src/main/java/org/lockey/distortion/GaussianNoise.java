package org.lockey.distortion;

import java.util.SplittableRandom;

import org.lockey.LockeyException;

/**
 * Table I column {@code gaus}: additive white Gaussian noise at a fixed signal-to-noise ratio
 * (LOCKEY Sec. V-A: "additive Gaussian noise at 40 dB").
 *
 * <p>Noise samples {@code n[i] ~ N(0, 1)} are drawn from the generator and scaled by one factor so
 * that the <em>realised</em> ratio {@code sum(x^2) / sum(n^2)} is exactly {@code 10^(snrDb/10)}
 * (not only in expectation): the measured SNR of the output is the nominal one up to float32
 * rounding of the sum. All-zero input (no signal power to refer to) is returned unchanged.
 *
 * @param snrDb the signal-to-noise ratio in dB (Table I: {@value #TABLE_I_SNR_DB})
 */
public record GaussianNoise(double snrDb) implements Distortion {
    /** Table I's SNR. */
    public static final double TABLE_I_SNR_DB = 40.0;

    public GaussianNoise {
        if (!Double.isFinite(snrDb)) {
            throw new LockeyException("gaus: SNR " + snrDb + " dB is not finite");
        }
    }

    /** Table I's {@code gaus}: 40 dB. */
    public static GaussianNoise tableI() {
        return new GaussianNoise(TABLE_I_SNR_DB);
    }

    @Override
    public String name() {
        return "gaus";
    }

    @Override
    public String description() {
        return "additive white Gaussian noise scaled to exactly " + snrDb + " dB SNR";
    }

    @Override
    public float[] apply(float[] audio, int sampleRate, SplittableRandom rng) {
        double signal = 0;
        for (float v : audio) {
            signal += (double) v * v;
        }
        if (signal == 0) {
            return audio.clone();
        }
        double[] n = new double[audio.length];
        double noise = 0;
        for (int i = 0; i < n.length; i++) {
            n[i] = rng.nextGaussian();
            noise += n[i] * n[i];
        }
        double scale = Math.sqrt(signal / noise / Math.pow(10, snrDb / 10));
        float[] out = new float[audio.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (audio[i] + scale * n[i]);
        }
        return out;
    }
}
