package org.lockey.audio;

/**
 * Band-limited sample-rate conversion by any rational ratio: a Kaiser-windowed sinc low-pass
 * evaluated as a polyphase filter, zero-phase.
 *
 * <p>The ratio is reduced by the gcd, {@code to / from = up / down} (48000 -> 22050 is 147/320,
 * 22050 -> 16000 is 320/441). Output sample n sits at input time {@code t = n * down / up}
 * (aligned: output 0 is input 0, no delay) and is
 * {@code y[n] = sum_k x[k] h(t - k)} with {@code x[k] = 0} outside the signal, where
 * {@code h(tau) = 2 fc sinc(2 fc tau) kaiser(tau / halfWidth)} (tau in input samples). Output length
 * is {@code ceil(L * to / from)}. Equal rates return a copy of the input.
 *
 * <p>Design, in terms of the lower of the two Nyquist frequencies {@code nyq = min(from, to) / 2}:
 * passband up to {@code rolloff * nyq} ({@link #DEFAULT_ROLLOFF} = 0.94), stopband from
 * {@code nyq} (so content above the new Nyquist cannot alias when downsampling), cut-off {@code fc}
 * half-way between, Kaiser beta and half-width from Kaiser's formulas for
 * {@link #DEFAULT_ATTENUATION_DB} = 90 dB over that transition band. The half-width is about
 * {@code 95 * max(1, from / to)} input samples (48000 -> 22050: 207 input samples, 415 taps per output
 * sample).
 *
 * <p>Measured (ResamplerTest, for 48000->22050, 44100->32000, 22050->16000, 16000->22050 and
 * 44100->48000). From the polyphase coefficients, as the complex gain of every phase on dense
 * frequency grids: passband deviation at most 0.00036 dB up to {@code 0.94 * nyq}; distance from
 * the ideal gain 1 (phase error and images included) at most -87.7 dB; stopband gain at most
 * -89.6 dB from {@code nyq} to the input Nyquist (downsampling). End to end with sines, away from
 * the edges: passband amplitude within 0.00026 dB, output within -87.7 dB of the ideal sine at the
 * output times (zero delay), sines above the new Nyquist at most -89.3 dB.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Resampler {
    /** Passband edge as a fraction of the lower Nyquist frequency. */
    public static final double DEFAULT_ROLLOFF = 0.94;
    /** Design stopband attenuation for Kaiser's formulas, dB. */
    public static final double DEFAULT_ATTENUATION_DB = 90.0;
    /** Largest polyphase table kept in memory (entries); beyond it taps are computed per sample. */
    private static final long MAX_TABLE = 1L << 22;

    private final int from;
    private final int to;
    private final int up;
    private final int down;
    private final double rolloff;
    private final double fc;
    private final double halfWidth;
    private final double beta;
    private final double i0Beta;
    /** Taps per side: output n uses input samples floor(t) - taps + 1 .. floor(t) + taps. */
    private final int taps;
    /** table[p][m] = h(p / up + taps - 1 - m), or null when too large. */
    private final double[][] table;

    /** A resampler with the default design (rolloff 0.94, 90 dB Kaiser design). */
    public Resampler(int from, int to) {
        this(from, to, DEFAULT_ROLLOFF, DEFAULT_ATTENUATION_DB);
    }

    /**
     * @param from          input rate, Hz
     * @param to            output rate, Hz
     * @param rolloff       passband edge as a fraction of {@code min(from, to) / 2}, in (0, 1)
     * @param attenuationDb Kaiser design attenuation, dB (at least 21)
     */
    public Resampler(int from, int to, double rolloff, double attenuationDb) {
        if (from < 1 || to < 1) {
            throw new IllegalArgumentException("sample rates must be positive, got " + from + " -> " + to);
        }
        if (!(rolloff > 0 && rolloff < 1)) {
            throw new IllegalArgumentException("rolloff must be in (0, 1), got " + rolloff);
        }
        if (!(attenuationDb >= 21)) {
            throw new IllegalArgumentException("attenuation must be >= 21 dB, got " + attenuationDb);
        }
        this.from = from;
        this.to = to;
        int g = gcd(from, to);
        this.up = to / g;
        this.down = from / g;
        this.rolloff = rolloff;
        // frequencies in cycles per input sample
        double stop = 0.5 * Math.min(1.0, (double) to / from);
        double pass = rolloff * stop;
        this.fc = 0.5 * (pass + stop);
        double transition = stop - pass;
        this.beta = attenuationDb > 50 ? 0.1102 * (attenuationDb - 8.7)
                : 0.5842 * Math.pow(attenuationDb - 21, 0.4) + 0.07886 * (attenuationDb - 21);
        double length = (attenuationDb - 7.95) / (2.285 * 2 * Math.PI * transition);
        this.halfWidth = length / 2;
        this.i0Beta = besselI0(beta);
        this.taps = (int) Math.ceil(halfWidth) + 1;
        if (up == down) {
            this.table = null;
        } else if ((long) up * 2 * taps <= MAX_TABLE) {
            double[][] t = new double[up][2 * taps];
            for (int p = 0; p < up; p++) {
                double frac = (double) p / up;
                for (int m = 0; m < 2 * taps; m++) {
                    t[p][m] = kernel(frac + taps - 1 - m);
                }
            }
            this.table = t;
        } else {
            this.table = null;
        }
    }

    /** Resamples one signal with the default design. */
    public static float[] resample(float[] x, int from, int to) {
        return new Resampler(from, to).apply(x);
    }

    /** Resamples every channel of a clip to {@code to} Hz with the default design. */
    public static Audio resample(Audio audio, int to) {
        Resampler r = new Resampler(audio.sampleRate(), to);
        float[][] out = new float[audio.channelCount()][];
        for (int c = 0; c < out.length; c++) {
            out[c] = r.apply(audio.channels()[c]);
        }
        return new Audio(out, to);
    }

    public int from() {
        return from;
    }

    public int to() {
        return to;
    }

    /** Reduced numerator of {@code to / from}. */
    public int up() {
        return up;
    }

    /** Reduced denominator of {@code to / from}. */
    public int down() {
        return down;
    }

    public double rolloff() {
        return rolloff;
    }

    /** Half-width of the windowed sinc in input samples. */
    public double halfWidth() {
        return halfWidth;
    }

    /** Kaiser window beta. */
    public double kaiserBeta() {
        return beta;
    }

    /** Cut-off (-6 dB point) in cycles per input sample. */
    public double cutoff() {
        return fc;
    }

    /** {@code ceil(length * to / from)}. */
    public int outputLength(int length) {
        long n = ((long) length * up + down - 1) / down;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("output of " + n + " samples is too long");
        }
        return (int) n;
    }

    /** Resamples a float signal (computed in double). */
    public float[] apply(float[] x) {
        if (up == down) {
            return x.clone();
        }
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        double[] y = apply(d);
        float[] out = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            out[i] = (float) y[i];
        }
        return out;
    }

    /** Resamples a double signal. */
    public double[] apply(double[] x) {
        if (up == down) {
            return x.clone();
        }
        int len = x.length;
        int outLen = outputLength(len);
        double[] y = new double[outLen];
        double[] onTheFly = table == null ? new double[2 * taps] : null;
        for (int n = 0; n < outLen; n++) {
            long pos = (long) n * down;
            int i0 = (int) (pos / up);
            int p = (int) (pos % up);
            double[] h;
            if (table != null) {
                h = table[p];
            } else {
                double frac = (double) p / up;
                for (int m = 0; m < 2 * taps; m++) {
                    onTheFly[m] = kernel(frac + taps - 1 - m);
                }
                h = onTheFly;
            }
            int k0 = i0 - taps + 1;
            int mStart = Math.max(0, -k0);
            int mEnd = Math.min(2 * taps, len - k0);
            double s = 0;
            for (int m = mStart; m < mEnd; m++) {
                s += h[m] * x[k0 + m];
            }
            y[n] = s;
        }
        return y;
    }

    /**
     * The complex gains of phase {@code p} at frequencies {@code f} (cycles per input sample): for an
     * input {@code e^{2 pi i f k}}, output samples of this phase are {@code e^{2 pi i f t} * gain},
     * {@code gain = sum_m h(tau_m) e^{-2 pi i f tau_m}}. An ideal zero-phase resampler has gain 1 in
     * the passband and 0 in the stopband at every phase. Returns {@code [freqs][2]} (re, im).
     */
    double[][] phaseGains(int p, double[] freqs) {
        double frac = (double) p / up;
        double[] h = new double[2 * taps];
        for (int m = 0; m < 2 * taps; m++) {
            h[m] = table != null ? table[p][m] : kernel(frac + taps - 1 - m);
        }
        double[][] out = new double[freqs.length][2];
        for (int i = 0; i < freqs.length; i++) {
            double w = 2 * Math.PI * freqs[i];
            // e^{-i w tau_m}, tau_m = frac + taps - 1 - m: start at m = 0, rotate by e^{+i w} per step
            double tau0 = frac + taps - 1;
            double cr = Math.cos(w * tau0);
            double ci = -Math.sin(w * tau0);
            double sr = Math.cos(w);
            double si = Math.sin(w);
            double re = 0;
            double im = 0;
            for (int m = 0; m < 2 * taps; m++) {
                re += h[m] * cr;
                im += h[m] * ci;
                double nr = cr * sr - ci * si;
                ci = cr * si + ci * sr;
                cr = nr;
            }
            out[i][0] = re;
            out[i][1] = im;
        }
        return out;
    }

    /** h(tau) = 2 fc sinc(2 fc tau) * kaiser(tau / halfWidth). */
    private double kernel(double tau) {
        double r = tau / halfWidth;
        if (Math.abs(r) >= 1) {
            return 0;
        }
        double a = 2 * fc * tau;
        double sinc = a == 0 ? 1 : Math.sin(Math.PI * a) / (Math.PI * a);
        return 2 * fc * sinc * besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
    }

    /** Modified Bessel function of the first kind, order 0 (power series; converges for all x); Kaiser windows here and in
     * {@code metric.Stoi}. */
    public static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 500; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }

    /** The greatest common divisor of two non-negative ints (Euclid). */
    public static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
