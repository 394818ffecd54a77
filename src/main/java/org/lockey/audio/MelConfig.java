package org.lockey.audio;

import org.lockey.LockeyException;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Parameters of HiFi-GAN's log-mel front-end ({@code meldataset.mel_spectrogram} arguments, read
 * from the HiFi-GAN {@code config_v*.json} / golden {@code config} keys given in brackets).
 *
 * @param samplingRate sampling rate in Hz [{@code sampling_rate}]
 * @param nFft         FFT size [{@code n_fft}]
 * @param numMels      number of mel bands [{@code num_mels}]
 * @param hopSize      frame advance [{@code hop_size}], at most nFft
 * @param winSize      Hann window length [{@code win_size}], at most nFft
 * @param fmin         lowest mel edge, Hz [{@code fmin}]
 * @param fmax         highest mel edge, Hz [{@code fmax}; upstream {@code null} (used for the
 *                     training loss mel, {@code fmax_for_loss}) means {@code samplingRate / 2},
 *                     which is what this field then holds]
 * @param center       torch.stft {@code center} after the front-end's own padding [{@code center};
 *                     upstream default {@code false}]
 */
public record MelConfig(int samplingRate, int nFft, int numMels, int hopSize, int winSize, double fmin,
                        double fmax, boolean center) {
    public MelConfig {
        if (samplingRate < 1 || nFft < 1 || numMels < 1 || hopSize < 1 || winSize < 1) {
            throw new IllegalArgumentException("mel config: sizes must be positive: " + sizes(samplingRate,
                    nFft, numMels, hopSize, winSize));
        }
        if (hopSize > nFft || winSize > nFft) {
            throw new IllegalArgumentException("mel config: hop_size and win_size must not exceed n_fft: "
                    + sizes(samplingRate, nFft, numMels, hopSize, winSize));
        }
        if (!(fmin >= 0) || !(fmax > fmin)) {
            throw new IllegalArgumentException("mel config: need 0 <= fmin < fmax, got fmin " + fmin
                    + ", fmax " + fmax);
        }
    }

    /** HiFi-GAN V1/V2/V3 ({@code config_v1.json}): 22050 Hz, 1024, 80 mels, hop 256, win 1024, 0..8000 Hz. */
    public static MelConfig hifiGan() {
        return new MelConfig(22050, 1024, 80, 256, 1024, 0.0, 8000.0, false);
    }

    /** The same front-end with another {@code fmax} (e.g. {@code samplingRate / 2} for the loss mel). */
    public MelConfig withFmax(double newFmax) {
        return new MelConfig(samplingRate, nFft, numMels, hopSize, winSize, fmin, newFmax, center);
    }

    /**
     * Reads the upstream keys from a JSON object (HiFi-GAN config or a golden case's {@code config}):
     * {@code sampling_rate, n_fft, num_mels, hop_size, win_size, fmin} are required; {@code fmax} may
     * be {@code null} or absent (= sampling_rate / 2); {@code center} is optional (default false).
     *
     * @throws LockeyException naming the key when a key is missing or has the wrong type
     */
    public static MelConfig fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new LockeyException("mel config: expected a JSON object");
        }
        int sr = intField(node, "sampling_rate");
        double fmaxValue = node.hasNonNull("fmax") ? number(node, "fmax") : sr / 2.0;
        boolean center = false;
        if (node.hasNonNull("center")) {
            if (!node.get("center").isBoolean()) {
                throw new LockeyException("mel config: 'center' must be true or false");
            }
            center = node.get("center").booleanValue();
        }
        try {
            return new MelConfig(sr, intField(node, "n_fft"), intField(node, "num_mels"),
                    intField(node, "hop_size"), intField(node, "win_size"), number(node, "fmin"), fmaxValue,
                    center);
        } catch (IllegalArgumentException e) {
            throw new LockeyException(e.getMessage(), e);
        }
    }

    /** The STFT this front-end runs after its own reflect padding. */
    public StftConfig stft() {
        return new StftConfig(nFft, hopSize, winSize, center, false);
    }

    /** Reflect padding on each side before the STFT: {@code (n_fft - hop_size) / 2}, rounded down. */
    public int pad() {
        return (nFft - hopSize) / 2;
    }

    /** Number of frames for a clip of {@code length} samples. */
    public int frames(int length) {
        return stft().frames(length + 2 * pad());
    }

    private static double number(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isNumber()) {
            throw new LockeyException("mel config: '" + key + "' must be a number");
        }
        return v.doubleValue();
    }

    private static int intField(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isNumber() || !v.canConvertToInt() || v.doubleValue() != v.intValue()) {
            throw new LockeyException("mel config: '" + key + "' must be an integer");
        }
        return v.intValue();
    }

    private static String sizes(int sr, int nFft, int mels, int hop, int win) {
        return "sampling_rate " + sr + ", n_fft " + nFft + ", num_mels " + mels + ", hop_size " + hop
                + ", win_size " + win;
    }
}
