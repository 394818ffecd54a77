package org.lockey.audio;

/**
 * Mel filterbanks, equal to {@code librosa.filters.mel(sr=sr, n_fft=nFft, n_mels=nMels, fmin=fmin,
 * fmax=fmax)} with librosa's defaults {@code htk=False, norm='slaney', dtype=float32}.
 *
 * <p>Slaney's mel scale (Auditory Toolbox): linear below 1 kHz, {@code mel = f / (200/3)}, and
 * logarithmic above, {@code mel = 15 + ln(f / 1000) / (ln(6.4) / 27)}. {@code nMels + 2} edge
 * frequencies are spaced equally in mel from {@code fmin} to {@code fmax}; filter i is the triangle
 * rising from edge i to edge i+1 and falling to edge i+2, evaluated at the FFT bin frequencies
 * {@code k * sr / nFft}, k = 0..nFft/2, and scaled by {@code 2 / (edge[i+2] - edge[i])} so that every
 * filter has the same area (Slaney normalisation). Computed in double, rounded to float once at the
 * end (librosa's result is float32; the golden {@code mel_basis} agrees to 1.9e-9).
 */
public final class MelFilterbank {
    /** Slaney scale: Hz per mel in the linear part. */
    private static final double F_SP = 200.0 / 3.0;
    /** Start of the logarithmic part, Hz. */
    private static final double MIN_LOG_HZ = 1000.0;
    /** Mel value at {@link #MIN_LOG_HZ}. */
    private static final double MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
    /** Log step per mel above 1 kHz. */
    private static final double LOG_STEP = Math.log(6.4) / 27.0;

    private MelFilterbank() {
    }

    /**
     * The Slaney-normalised mel filterbank {@code [nMels][nFft/2 + 1]}.
     *
     * @param sr    sampling rate in Hz
     * @param nFft  FFT size
     * @param nMels number of filters
     * @param fmin  lowest edge frequency, Hz
     * @param fmax  highest edge frequency, Hz ({@code sr / 2} for librosa's {@code fmax=None})
     */
    public static float[][] slaney(double sr, int nFft, int nMels, double fmin, double fmax) {
        if (!(sr > 0) || nFft < 1 || nMels < 1 || !(fmin >= 0) || !(fmax > fmin)) {
            throw new IllegalArgumentException("invalid mel filterbank: sr " + sr + ", nFft " + nFft
                    + ", nMels " + nMels + ", fmin " + fmin + ", fmax " + fmax);
        }
        int bins = nFft / 2 + 1;
        double[] fftFreqs = new double[bins];
        for (int k = 0; k < bins; k++) {
            fftFreqs[k] = k * sr / nFft;
        }
        double melMin = hzToMel(fmin);
        double melMax = hzToMel(fmax);
        double[] edges = new double[nMels + 2];
        for (int i = 0; i < nMels + 2; i++) {
            // numpy.linspace: start + i * step, the last point exactly the stop value
            double mel = i == nMels + 1 ? melMax : melMin + i * ((melMax - melMin) / (nMels + 1));
            edges[i] = melToHz(mel);
        }
        float[][] weights = new float[nMels][bins];
        for (int i = 0; i < nMels; i++) {
            double lowWidth = edges[i + 1] - edges[i];
            double highWidth = edges[i + 2] - edges[i + 1];
            double norm = 2.0 / (edges[i + 2] - edges[i]);
            for (int k = 0; k < bins; k++) {
                double lower = (fftFreqs[k] - edges[i]) / lowWidth;
                double upper = (edges[i + 2] - fftFreqs[k]) / highWidth;
                double w = Math.max(0.0, Math.min(lower, upper));
                weights[i][k] = (float) (w * norm);
            }
        }
        return weights;
    }

    /** Hz to mel on Slaney's scale ({@code librosa.hz_to_mel(f, htk=False)}). */
    public static double hzToMel(double hz) {
        if (hz >= MIN_LOG_HZ) {
            return MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP;
        }
        return hz / F_SP;
    }

    /** Mel to Hz on Slaney's scale ({@code librosa.mel_to_hz(m, htk=False)}). */
    public static double melToHz(double mel) {
        if (mel >= MIN_LOG_MEL) {
            return MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL));
        }
        return F_SP * mel;
    }
}
