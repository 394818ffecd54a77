package org.lockey.train;

import java.util.ArrayList;
import java.util.List;

import org.lockey.LockeyException;
import org.lockey.audio.Spectrum;
import org.lockey.audio.Stft;
import org.lockey.audio.StftConfig;
import org.lockey.nn.Reduce;
import org.lockey.nn.StftGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Multi-scale STFT reconstruction loss of the codec-decoder training ({@link CodecDecoderTrainer}).
 * For an estimate {@code y^} and a reference {@code y}, both {@code [B, L]}:
 * <pre>
 *   for each n in nFfts:  STFT_n = torch.stft(., n_fft = n, hop_length = n / 4, win_length = n,
 *                                  window = periodic Hann, center = True (reflect padding), normalized = True)
 *                          M_n(x) = sqrt(re^2 + im^2 + 1e-18)                                  [B, n/2 + 1, frames]
 *                          mag_n  = mean |M_n(y^) - M_n(y)|
 *                          log_n  = mean |ln(M_n(y^) + floor) - ln(M_n(y) + floor)|
 *   mag = (1 / S) sum_n mag_n,  log = (1 / S) sum_n log_n,  stft = mag + log          (S = number of scales)
 * </pre>
 * Means run over batch, bins and frames (accumulated in double, {@link Reduce}). {@code normalized = True}
 * (a factor {@code 1 / sqrt(n)}) keeps the magnitude of broadband sound about equal at every scale,
 * so no scale dominates the linear term; the floor keeps the log term finite and smooth at silence
 * and stops it from weighting inaudible bins; the {@code 1e-18} inside the square root only keeps the
 * gradient finite at an exactly zero bin.
 *
 * <p>Inspiration, not reproduction: audiocraft trains EnCodec with {@code MultiScaleMelSpectrogramLoss}
 * ({@code audiocraft/losses/specloss.py}: mel spectrograms at n_fft = 2^6 .. 2^10, hop n_fft / 4, an L1
 * term on the mel magnitude plus an MSE term on {@code log10(floor + mel)}, floor 1e-5) and offers
 * {@code MRSTFTLoss} ({@code stftloss.py}: spectral convergence plus L1 of {@code log(eps + |STFT|)}).
 * This loss keeps their structure (several resolutions, hop n_fft / 4, a linear and a floored log
 * term) on linear-frequency magnitudes, with an L1 on both terms.
 *
 * @param nFfts the scales (each even, at least 4)
 * @param floor added to the magnitude before the log
 */
public record MultiScaleStftLoss(List<Integer> nFfts, double floor) {
    /** Inside the square root of the magnitude (see the class comment). */
    static final double POWER_EPS = 1e-18;

    public MultiScaleStftLoss {
        nFfts = List.copyOf(nFfts);
        if (nFfts.isEmpty() || nFfts.stream().anyMatch(n -> n < 4 || n % 4 != 0) || !(floor > 0)) {
            throw new LockeyException("multi-scale STFT loss needs n_fft values that are multiples of 4 and a "
                    + "floor > 0, got " + nFfts + " and " + floor);
        }
    }

    /** n_fft 2048, 1024, 512, 256, 128 (hop n_fft / 4), floor 1e-5. */
    public static MultiScaleStftLoss standard() {
        return new MultiScaleStftLoss(List.of(2048, 1024, 512, 256, 128), 1e-5);
    }

    /** The STFT of scale {@code n}. */
    public static StftConfig stft(int n) {
        return new StftConfig(n, n / 4, n, true, true);
    }

    /** The shortest signal every scale can take: reflect padding of n / 2 needs more than n / 2 samples. */
    public int minLength() {
        return nFfts.stream().mapToInt(n -> n / 2 + 1).max().orElseThrow();
    }

    /**
     * The loss's graph outputs, scalars.
     *
     * @param magnitude {@code mag}, the mean over scales of the magnitude L1
     * @param logMagnitude {@code log}, the mean over scales of the log-magnitude L1
     * @param total     {@code mag + log}
     */
    public record Terms(SDVariable magnitude, SDVariable logMagnitude, SDVariable total) {
    }

    /**
     * Adds the loss to a graph.
     *
     * @param prefix unique name prefix of this loss's constants and outputs
     * @param est    the estimate {@code [B, length]}
     * @param ref    the reference {@code [B, length]}
     * @param length L (static)
     */
    public Terms build(SameDiff sd, String prefix, SDVariable est, SDVariable ref, int length) {
        checkLength(length);
        List<SDVariable> mags = new ArrayList<>();
        List<SDVariable> logs = new ArrayList<>();
        for (int n : nFfts) {
            String p = prefix + ".n" + n;
            StftGraph g = new StftGraph(stft(n));
            SDVariable me = g.magnitude(sd, p + ".est", g.stft(sd, p + ".est", est, length), POWER_EPS);   // [B, F, T]
            SDVariable mr = g.magnitude(sd, p + ".ref", g.stft(sd, p + ".ref", ref, length), POWER_EPS);   // [B, F, T]
            mags.add(Reduce.mean(sd.math().abs(me.sub(mr)), false, 0, 1, 2));
            SDVariable le = sd.math().log(me.add(floor));
            SDVariable lr = sd.math().log(mr.add(floor));
            logs.add(Reduce.mean(sd.math().abs(le.sub(lr)), false, 0, 1, 2));
        }
        SDVariable mag = average(sd, prefix + ".magnitude", mags);
        SDVariable log = average(sd, prefix + ".log_magnitude", logs);
        return new Terms(mag, log, mag.add(prefix + ".total", log));
    }

    private static SDVariable average(SameDiff sd, String name, List<SDVariable> terms) {
        SDVariable sum = terms.get(0);
        for (int i = 1; i < terms.size(); i++) {
            sum = sum.add(terms.get(i));
        }
        return sum.div(name, terms.size());
    }

    /**
     * The same loss on plain arrays, in double precision (validation of whole clips): {@code {mag, log}}
     * for one estimate and its reference of equal length.
     */
    public double[] value(float[] est, float[] ref) {
        if (est.length != ref.length) {
            throw new IllegalArgumentException("STFT loss of signals of different lengths: " + est.length + " and "
                    + ref.length);
        }
        checkLength(est.length);
        double mag = 0;
        double log = 0;
        for (int n : nFfts) {
            Stft stft = new Stft(stft(n));
            Spectrum a = stft.forward(est);
            Spectrum b = stft.forward(ref);
            double sm = 0;
            double sl = 0;
            long count = 0;
            for (int f = 0; f < a.bins(); f++) {
                for (int t = 0; t < a.frames(); t++) {
                    double ma = Math.sqrt(a.re()[f][t] * a.re()[f][t] + a.im()[f][t] * a.im()[f][t] + POWER_EPS);
                    double mb = Math.sqrt(b.re()[f][t] * b.re()[f][t] + b.im()[f][t] * b.im()[f][t] + POWER_EPS);
                    sm += Math.abs(ma - mb);
                    sl += Math.abs(Math.log(ma + floor) - Math.log(mb + floor));
                    count++;
                }
            }
            mag += sm / count;
            log += sl / count;
        }
        return new double[] {mag / nFfts.size(), log / nFfts.size()};
    }

    private void checkLength(int length) {
        if (length < minLength()) {
            throw new LockeyException("the STFT loss at n_fft " + nFfts.stream().mapToInt(Integer::intValue).max()
                    .orElseThrow() + " needs at least " + minLength() + " samples, got " + length);
        }
    }
}
