package org.lockey.audio;

/**
 * A one-sided complex spectrogram as two real arrays, {@code [bins][frames]} each (the layout of
 * {@code torch.stft(..., return_complex=True)[b]}: frequency first, then time).
 *
 * @param re real parts, {@code re[f][t]}
 * @param im imaginary parts, same shape
 */
public record Spectrum(double[][] re, double[][] im) {
    public Spectrum {
        if (re.length != im.length) {
            throw new IllegalArgumentException("re has " + re.length + " bins, im " + im.length);
        }
        if (re.length == 0) {
            throw new IllegalArgumentException("spectrum has no bins");
        }
        int t = re[0].length;
        for (int f = 0; f < re.length; f++) {
            if (re[f].length != t || im[f].length != t) {
                throw new IllegalArgumentException("ragged spectrum at bin " + f);
            }
        }
    }

    /** Number of frequency bins F. */
    public int bins() {
        return re.length;
    }

    /** Number of frames T. */
    public int frames() {
        return re[0].length;
    }

    /** {@code sqrt(re^2 + im^2 + eps)} per element, {@code [bins][frames]}. */
    public double[][] magnitude(double eps) {
        double[][] m = new double[bins()][frames()];
        for (int f = 0; f < bins(); f++) {
            for (int t = 0; t < frames(); t++) {
                m[f][t] = Math.sqrt(re[f][t] * re[f][t] + im[f][t] * im[f][t] + eps);
            }
        }
        return m;
    }
}
