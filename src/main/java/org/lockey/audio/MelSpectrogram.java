package org.lockey.audio;

/**
 * HiFi-GAN's log-mel spectrogram, equal to {@code meldataset.mel_spectrogram(y, n_fft, num_mels,
 * sampling_rate, hop_size, win_size, fmin, fmax, center)} of jik876/hifi-gan for one clip.
 *
 * <p>Steps (all in double, output rounded to float):
 * <ol>
 *   <li>reflect-pad {@code (n_fft - hop_size) / 2} samples on each side (so that with
 *       {@code center = false} there are {@code floor(L / hop_size)} frames);</li>
 *   <li>{@link Stft} with a periodic Hann window of {@code win_size}, not normalised;</li>
 *   <li>magnitude {@code sqrt(re^2 + im^2 + 1e-9)} ({@link #MAGNITUDE_EPS}, keeps the gradient finite
 *       at zero);</li>
 *   <li>{@code mel_basis @ magnitude} with the float32 {@link MelFilterbank#slaney} basis;</li>
 *   <li>{@code log(max(x, 1e-5))} (natural log, {@link #CLAMP_MIN}).</li>
 * </ol>
 * Shapes: audio {@code [L]} -> {@code [num_mels][frames]}. Proven by the golden case
 * {@code hifigan_logmel} ({@code hifigan.mel}). Instances are immutable and thread-safe.
 */
public final class MelSpectrogram {
    /** Epsilon inside the magnitude's square root (upstream {@code + 1e-9}). */
    public static final double MAGNITUDE_EPS = 1e-9;
    /** Lower clamp before the log (upstream {@code dynamic_range_compression_torch}, clip_val 1e-5). */
    public static final double CLAMP_MIN = 1e-5;

    private final MelConfig config;
    private final Stft stft;
    private final float[][] basis;

    public MelSpectrogram(MelConfig config) {
        this.config = config;
        this.stft = new Stft(config.stft());
        this.basis = MelFilterbank.slaney(config.samplingRate(), config.nFft(), config.numMels(),
                config.fmin(), config.fmax());
    }

    public MelConfig config() {
        return config;
    }

    /** The mel basis {@code [num_mels][n_fft/2 + 1]} (a copy). */
    public float[][] melBasis() {
        float[][] copy = new float[basis.length][];
        for (int i = 0; i < basis.length; i++) {
            copy[i] = basis[i].clone();
        }
        return copy;
    }

    /** The mel spectrogram before the log, {@code mel_basis @ magnitude}: {@code [num_mels][frames]}. */
    public double[][] linear(float[] audio) {
        int pad = config.pad();
        double[] x = new double[audio.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = audio[i];
        }
        if (pad > 0) {
            x = Stft.reflectPad(x, pad, pad);
        }
        double[][] mag = stft.forward(x).magnitude(MAGNITUDE_EPS);
        int bins = mag.length;
        int frames = mag[0].length;
        double[][] mel = new double[basis.length][frames];
        for (int m = 0; m < basis.length; m++) {
            for (int k = 0; k < bins; k++) {
                double w = basis[m][k];
                if (w == 0.0) {
                    continue;
                }
                double[] row = mag[k];
                double[] out = mel[m];
                for (int t = 0; t < frames; t++) {
                    out[t] += w * row[t];
                }
            }
        }
        return mel;
    }

    /** The log-mel spectrogram {@code log(max(mel, 1e-5))}: {@code [num_mels][frames]}. */
    public float[][] apply(float[] audio) {
        double[][] mel = linear(audio);
        float[][] out = new float[mel.length][mel[0].length];
        for (int m = 0; m < mel.length; m++) {
            for (int t = 0; t < mel[m].length; t++) {
                out[m][t] = (float) Math.log(Math.max(mel[m][t], CLAMP_MIN));
            }
        }
        return out;
    }
}
