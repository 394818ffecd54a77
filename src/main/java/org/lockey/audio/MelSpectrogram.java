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

    /**
     * Frames computed together by {@link #apply} and {@link #linear}: the working arrays (the block's samples
     * and its magnitude spectrogram) stay near 10 MB whatever the clip's length, where the whole STFT of a
     * one-hour clip at 22.05 kHz would take 2.5 GB in double.
     */
    public static final int BLOCK_FRAMES = 2048;

    /** The mel spectrogram before the log, {@code mel_basis @ magnitude}: {@code [num_mels][frames]}. */
    public double[][] linear(float[] audio) {
        int frames = frames(audio);
        double[][] mel = new double[basis.length][frames];
        for (int from = 0; from < frames; from += BLOCK_FRAMES) {
            int to = Math.min(frames, from + BLOCK_FRAMES);
            double[][] block = linearFrames(audio, from, to);
            for (int m = 0; m < basis.length; m++) {
                System.arraycopy(block[m], 0, mel[m], from, to - from);
            }
        }
        return mel;
    }

    /** The log-mel spectrogram {@code log(max(mel, 1e-5))}: {@code [num_mels][frames]}. */
    public float[][] apply(float[] audio) {
        int frames = frames(audio);
        float[][] out = new float[basis.length][frames];
        for (int from = 0; from < frames; from += BLOCK_FRAMES) {
            int to = Math.min(frames, from + BLOCK_FRAMES);
            double[][] mel = linearFrames(audio, from, to);
            for (int m = 0; m < mel.length; m++) {
                for (int t = 0; t < to - from; t++) {
                    out[m][from + t] = (float) Math.log(Math.max(mel[m][t], CLAMP_MIN));
                }
            }
        }
        return out;
    }

    /** The clip's frame count; too short a clip for the reflect padding is an error, as upstream's. */
    private int frames(float[] audio) {
        int pad = config.pad();
        if (pad >= audio.length) {
            throw new IllegalArgumentException("reflect padding (" + pad + ", " + pad
                    + ") needs a signal longer than each side, got " + audio.length + " samples");
        }
        return config.frames(audio.length);
    }

    /**
     * Mel frames {@code [from, to)} of the clip: the samples those frames read are gathered from the clip
     * through both reflect paddings (the front-end's own, then the STFT's centre padding), so every frame sees
     * exactly the samples it sees when the whole clip is padded at once, and the numbers are the same.
     */
    private double[][] linearFrames(float[] audio, int from, int to) {
        StftConfig stftConfig = stft.config();
        int hop = stftConfig.hop();
        int pad = config.pad();
        int centerPad = stftConfig.centerPad();
        int paddedOnce = audio.length + 2 * pad;
        double[] samples = new double[(to - from - 1) * hop + stftConfig.nFft()];
        for (int i = 0; i < samples.length; i++) {
            int j = from * hop + i;                                    // position in the twice-padded signal
            int k = Stft.reflectIndex(j, paddedOnce, centerPad);       // ... in the once-padded signal
            samples[i] = audio[Stft.reflectIndex(k, audio.length, pad)];
        }
        double[][] mag = stft.framesOf(samples, to - from).magnitude(MAGNITUDE_EPS);
        int bins = mag.length;
        int frames = to - from;
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
}
