package org.lockey.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.lockey.audio.Audio;
import org.lockey.audio.Resampler;
import org.lockey.audio.Wav;

/**
 * {@link Stoi} against pystoi's values ({@code src/test/resources/stoi/expected.csv}, made by
 * {@code make_expected.py} beside it), and properties that can fail: identical signals score 1, the score rises
 * with the SNR, bad inputs give one clear message.
 */
class StoiTest {
    static final Path CASES = Path.of("src/test/resources/stoi/expected.csv");

    /**
     * Tolerance against pystoi. Both compute in double from the same float32 samples; they differ only in the order
     * of additions (numpy's pairwise sums and FFT against JTransforms' and plain loops), worth about 1e-15 relative
     * per operation. The one discontinuity, a frame exactly at the 40-dB silence threshold, does not occur in these
     * cases. 1e-9 leaves room for error growth through the 31,947-tap resampling filter while catching real slips:
     * moving the lowest band's upper edge by one bin moves the worst case by 5.4e-3, and keeping the frame that
     * starts exactly at length - 256 in silence removal moves {@code core_exact_frames} by 1.7e-4 (mutations tried
     * by hand).
     */
    static final double TOLERANCE = 1e-9;

    /** One row of expected.csv. */
    record Case(String name, String clip, int rate, String kind, double param, long seed, int samples,
            double expected) {
        static Case parse(String line) {
            String[] c = line.split(",");
            return new Case(c[0], c[1], Integer.parseInt(c[2]), c[3], Double.parseDouble(c[4]), Long.parseLong(c[5]),
                    Integer.parseInt(c[6]), Double.parseDouble(c[7]));
        }

        /** The clean signal: the clip, cut to {@code samples} when positive. */
        float[] clean() {
            float[] x = StoiTest.clip(clip);
            return samples > 0 ? java.util.Arrays.copyOf(x, samples) : x;
        }
    }

    static List<Case> cases() throws Exception {
        List<String> lines = Files.readAllLines(CASES);
        List<Case> out = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            out.add(Case.parse(l));
        }
        return out;
    }

    /** make_expected.py's SplitMix64 uniform in [-1, 1): the 53 high bits of each output. */
    static double[] splitmixUniform(long seed, int n) {
        double[] out = new double[n];
        long state = seed;
        for (int i = 0; i < n; i++) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            out[i] = 2.0 * ((z >>> 11) * 0x1.0p-53) - 1.0;
        }
        return out;
    }

    /** make_expected.py's degradations, rebuilt. */
    static float[] degrade(float[] x, String kind, double param, long seed) {
        float[] y = new float[x.length];
        switch (kind) {
            case "identical" -> System.arraycopy(x, 0, y, 0, x.length);
            case "noise" -> {
                double[] n = splitmixUniform(seed, x.length);
                double px = 0;
                double pn = 0;
                for (int i = 0; i < x.length; i++) {
                    px += (double) x[i] * x[i];
                    pn += n[i] * n[i];
                }
                double g = Math.sqrt(px / (pn * Math.pow(10, param / 10)));
                for (int i = 0; i < x.length; i++) {
                    y[i] = (float) (x[i] + g * n[i]);
                }
            }
            case "lowpass" -> {
                int k = (int) param;
                for (int i = 0; i < x.length; i++) {
                    double s = 0;
                    for (int j = Math.max(0, i - k + 1); j <= i; j++) {
                        s += x[j];
                    }
                    y[i] = (float) (s / k);
                }
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return y;
    }

    static float[] clip(String file) {
        Audio a = Wav.read(Path.of(file));
        assertEquals(22050, a.sampleRate(), file);
        return a.mono();
    }

    @Test
    void agreesWithPystoiOnEveryStoredCase() throws Exception {
        List<Case> cases = cases();
        assertTrue(cases.size() >= 10, "cases: " + cases.size());
        StringBuilder report = new StringBuilder();
        double worst = 0;
        for (Case c : cases) {
            float[] x = c.clean();
            float[] y = degrade(x, c.kind(), c.param(), c.seed());
            double d = Stoi.of(x, y, c.rate());
            double err = Math.abs(d - c.expected());
            worst = Math.max(worst, err);
            report.append(String.format(Locale.ROOT, "%-16s ours %.15f pystoi %.15f |diff| %.2e%n", c.name(), d,
                    c.expected(), err));
        }
        System.out.print(report);
        assertTrue(worst <= TOLERANCE, "worst |diff| " + worst + " > " + TOLERANCE + "\n" + report);
    }

    @Test
    void theStoredCasesSpanTheScale() throws Exception {
        // Guards the golden file itself: a degenerate reference (everything ~1) would make the comparison above weak.
        double min = cases().stream().mapToDouble(Case::expected).min().orElseThrow();
        assertTrue(min < 0.8, "lowest expected STOI " + min);
    }

    @Test
    void identicalSignalsScoreOne() {
        float[] x = clip("reference-data/speech/013.wav");
        assertEquals(1.0, Stoi.of(x, x.clone(), 22050), 1e-6);
        assertEquals(1.0, Stoi.of(x, x.clone(), 16000), 1e-6);
        float[] louder = x.clone();
        for (int i = 0; i < louder.length; i++) {
            louder[i] *= 0.25f; // a level change alone is not a loss of intelligibility
        }
        assertEquals(1.0, Stoi.of(x, louder, 22050), 1e-6);
    }

    @Test
    void risesWithTheSnrOnASeededNoiseLadder() {
        float[] x = clip("reference-data/speech/023.wav");
        double previous = -1;
        StringBuilder ladder = new StringBuilder();
        for (int snr = -15; snr <= 30; snr += 5) {
            float[] y = withGaussianNoise(x, snr, 7);
            double d = Stoi.of(x, y, 22050);
            ladder.append(String.format(Locale.ROOT, "%d dB: %.4f%n", snr, d));
            assertTrue(d > previous, "not rising at " + snr + " dB:\n" + ladder);
            previous = d;
        }
        assertTrue(previous > 0.97 && previous < 1, ladder.toString());
    }

    /**
     * The project's own resampler ({@code audio.Resampler}, 90-dB design, zero-phase) in place of pystoi's
     * Octave-style filter: how far STOI moves (docs/evaluation.md quotes this bound).
     */
    @Test
    void theProjectsResamplerMovesStoiByLittle() throws Exception {
        double worst = 0;
        for (Case c : cases()) {
            if (c.rate() != 22050) {
                continue;
            }
            float[] x = c.clean();
            float[] y = degrade(x, c.kind(), c.param(), c.seed());
            double ours = Stoi.at10k(toDouble(Resampler.resample(x, 22050, Stoi.RATE)),
                    toDouble(Resampler.resample(y, 22050, Stoi.RATE)), x.length / 22050.0);
            worst = Math.max(worst, Math.abs(ours - c.expected()));
        }
        System.out.printf(Locale.ROOT, "STOI with audio.Resampler instead of pystoi's: worst |diff| %.2e%n", worst);
        assertTrue(worst > TOLERANCE && worst < 1e-4, "worst |diff| " + worst);
    }

    @Test
    void theResamplerMatchesPolyphaseLengthAndPassesDc() {
        double[] ones = new double[22050];
        java.util.Arrays.fill(ones, 1.0);
        double[] y = Stoi.resampleTo10k(ones, 22050);
        assertEquals(10000, y.length);
        assertEquals(1.0, y[5000], 1e-3); // unit DC gain away from the edges
        assertEquals(1.0, org.lockey.audio.Resampler.besselI0(0), 0);
        assertEquals(27.239871823604442, org.lockey.audio.Resampler.besselI0(5), 1e-12); // I0(5), Abramowitz & Stegun table 9.8
    }

    @Test
    void badInputsGiveOneClearMessage() {
        float[] x = clip("reference-data/speech/013.wav");
        LockeyException len = assertThrows(LockeyException.class,
                () -> Stoi.of(x, java.util.Arrays.copyOf(x, x.length - 1), 22050));
        assertTrue(len.getMessage().contains("equal length") && len.getMessage().contains(String.valueOf(x.length)),
                len.getMessage());
        LockeyException rate = assertThrows(LockeyException.class, () -> Stoi.of(x, x, 0));
        assertTrue(rate.getMessage().contains("positive sample rate"), rate.getMessage());
        float[] shortClip = java.util.Arrays.copyOf(x, 22050 / 4);
        LockeyException tooShort = assertThrows(LockeyException.class, () -> Stoi.of(shortClip, shortClip, 22050));
        assertTrue(tooShort.getMessage().contains("at least 30 STFT frames"), tooShort.getMessage());
        assertEquals(1, tooShort.getMessage().lines().count(), tooShort.getMessage());
    }

    static float[] withGaussianNoise(float[] x, double snrDb, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] n = new double[x.length];
        double px = 0;
        double pn = 0;
        for (int i = 0; i < x.length; i++) {
            n[i] = r.nextGaussian();
            px += (double) x[i] * x[i];
            pn += n[i] * n[i];
        }
        double g = Math.sqrt(px / (pn * Math.pow(10, snrDb / 10)));
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (x[i] + g * n[i]);
        }
        return y;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
