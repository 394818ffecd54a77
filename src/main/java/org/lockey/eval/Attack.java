package org.lockey.eval;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.lockey.LockeyException;
import org.lockey.data.AudioDataset;
import org.lockey.metric.BitAccuracy;
import org.lockey.metric.Sdr;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;
import org.lockey.train.Progress;

/**
 * Paper §V-C, the white-box attack: "adding a small Gaussian noise to the output of each layer of the
 * model", for a range of standard deviations sigma, and the watermark's bit accuracy against the SDR of
 * the generated samples.
 *
 * <p>What is perturbed: i.i.d. N(0, sigma^2) on the output of every convolution of the generator
 * ({@link KeyedSystem#generatePerturbed}; for HiFi-GAN {@code conv_pre}, every {@code ups.i}, every
 * {@code resblocks.j.convs*.m}, {@code conv_post} before its tanh), never on the key path (embedding,
 * E_k, verifier): the attacker owns a copy of the generator and a valid key. sigma is absolute, in the
 * units of the activations (no per-layer scaling).
 *
 * <p>Measured per sigma, over {@code keys} valid keys (issued first, as Table II) x {@code clips} clips:
 * SDR as Table II's SDR_valid (the perturbed output against the teacher's output watermarked with the
 * key, SilentCipher at {@code sdrDb}), the aligned bit accuracy of the key decoded from the perturbed
 * output (Table II's clean column), and the SDR of the perturbed output against the unperturbed keyed
 * output (the damage the noise itself does). The noise of (clip c, key k) comes from one seed derived
 * from ({@code seed}, c, k) for every sigma, so the sigmas scale one noise draw (common random numbers:
 * the curve is not blurred by a new draw per point).
 */
public final class Attack {
    /** The default grid of sigmas: 0 (the unperturbed model) and a log-spaced range 1e-4 .. 0.3. */
    public static final List<Double> DEFAULT_STDS = List.of(0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1);

    /**
     * The figures of one sigma over keys x clips.
     *
     * @param std            sigma
     * @param sdr            {min, mean, max} SDR (dB) against the watermarked teacher
     * @param accuracy       {min, mean, max} aligned bit accuracy of the decoded key
     * @param sdrUnperturbed mean SDR (dB) against the unperturbed keyed output (infinite for sigma 0)
     */
    public record Point(double std, double[] sdr, double[] accuracy, double sdrUnperturbed) {
    }

    /**
     * @param points one per sigma, in the order given
     * @param clips  clips evaluated
     * @param keys   valid keys per clip
     * @param layers how many layers took noise
     */
    public record Result(List<Point> points, int clips, int keys, int layers) {
    }

    private Attack() {
    }

    /**
     * Runs the attack on the first {@code clips} clips of {@code data} with the first {@code keys} valid
     * keys of {@code registry} (issued keys first).
     */
    public static Result run(KeyedSystem system, KeyRegistry registry, AudioDataset data, int clips, int keys,
            List<Double> stds, double sdrDb, long seed) {
        for (double s : stds) {
            checkStd(s);
        }
        if (stds.isEmpty()) {
            throw new LockeyException("no noise standard deviation to try");
        }
        List<Key> chosen = Table2.validKeys(registry, keys);
        int n = Math.min(clips, data.size());
        if (n == 0 || chosen.isEmpty()) {
            throw new LockeyException("nothing to evaluate: " + n + " clips and " + chosen.size() + " valid keys");
        }
        int m = n * chosen.size();
        double[][] sdr = new double[stds.size()][m];
        double[][] acc = new double[stds.size()][m];
        double[][] damage = new double[stds.size()][m];
        var sc = system.watermark().silentCipher();
        Progress progress = new Progress("attack " + system.branch(), 0, (long) m * stds.size());
        long done = 0;
        for (int c = 0; c < n; c++) {
            float[] clip = data.clip(c);
            float[] y0 = system.teacher(clip);
            for (int k = 0; k < chosen.size(); k++) {
                Key key = chosen.get(k);
                boolean[] bits = key.bitFlags();
                float[] yt = sc.embed(y0, bits, sdrDb).watermarked();
                float[] clean = system.generate(clip, key);
                long noiseSeed = noiseSeed(seed, c, k);
                int j = c * chosen.size() + k;
                for (int i = 0; i < stds.size(); i++) {
                    float[] y = system.generatePerturbed(clip, key, stds.get(i), noiseSeed);
                    sdr[i][j] = Sdr.db(yt, y);
                    damage[i][j] = Sdr.db(clean, y);
                    acc[i][j] = BitAccuracy.aligned(sc.decode(y).frameClasses(), bits, 0);
                    progress.update(++done, Map.of());
                }
            }
        }
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < stds.size(); i++) {
            points.add(new Point(stds.get(i), summary(sdr[i]), summary(acc[i]),
                    Arrays.stream(damage[i]).average().orElseThrow()));
        }
        return new Result(points, n, chosen.size(), system.perturbedLayers().size());
    }

    /** The seed of the noise of clip c and key k (the same for every sigma). */
    static long noiseSeed(long seed, int clip, int key) {
        return new SplittableRandom(seed + clip * 0x9E3779B97F4A7C15L + key * 0xBF58476D1CE4E5B9L).nextLong();
    }

    /** Throws a one-line error unless {@code std} is a finite number >= 0. */
    public static void checkStd(double std) {
        if (!(std >= 0) || Double.isInfinite(std)) {
            throw new LockeyException("noise standard deviation " + std + " is not a finite number >= 0");
        }
    }

    private static double[] summary(double[] v) {
        return new double[] {Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).average().orElseThrow(),
            Arrays.stream(v).max().orElseThrow()};
    }

    /** sigma as written ("0", "0.0001", "0.3"): exact and short. */
    static String label(double std) {
        return std == 0 ? "0" : BigDecimal.valueOf(std).stripTrailingZeros().toPlainString();
    }

    /** One row per sigma. */
    public static ResultTable table(String model, Result r) {
        ResultTable t = new ResultTable("White-box attack (§V-C): Gaussian noise on every generator layer, "
                + r.keys() + " valid keys x " + r.clips() + " clips",
                List.of("Model", "Noise std", "Mean SDR", "Min SDR", "Max SDR", "Mean bit acc.", "Min bit acc.",
                        "Max bit acc.", "SDR vs unperturbed"), 2);
        for (Point p : r.points()) {
            t.row(List.of(model, label(p.std()), p.sdr()[1], p.sdr()[0], p.sdr()[2], p.accuracy()[1],
                    p.accuracy()[0], p.accuracy()[2], p.sdrUnperturbed()));
        }
        return t.note("N(0, std^2) added to the output of each of the generator's " + r.layers() + " convolution "
                + "layers (not the key path); std in the activations' own units. SDR (dB) as Table II's SDR_valid: "
                + "against the teacher's output watermarked with the key. Bit accuracy: the key decoded from the "
                + "perturbed output (aligned, 0.5 = chance). SDR vs unperturbed: against the same key's output "
                + "without noise.");
    }

    /** Bit accuracy against SDR, one labelled point per sigma, joined in order of sigma. */
    public static void plot(Path png, String title, Result r) {
        List<Plots.Series> series = new ArrayList<>();
        double[] xs = r.points().stream().mapToDouble(p -> p.sdr()[1]).toArray();
        double[] ys = r.points().stream().mapToDouble(p -> p.accuracy()[1]).toArray();
        series.add(new Plots.Series("in order of std", xs, ys, true));
        for (Point p : r.points()) {
            series.add(new Plots.Series("std " + label(p.std()), new double[] {p.sdr()[1]},
                    new double[] {p.accuracy()[1]}, false));
        }
        Plots.xy(png, title + ": white-box attack (mean over " + r.keys() + " keys x " + r.clips() + " clips)",
                "SDR (dB) against the watermarked teacher", "bit accuracy (0.5 = chance)", series, 0, 1.05, 10, null);
    }
}
