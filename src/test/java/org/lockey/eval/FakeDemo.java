package org.lockey.eval;

import java.nio.file.Path;
import java.util.List;

import org.lockey.audio.Audio;
import org.lockey.audio.Wav;
import org.lockey.io.AtomicFiles;

/**
 * A small fake output of {@link Demo} for the tests of {@link DemoReport}: one branch ({@value #BRANCH})
 * with a real clip, a teacher, a user's and an invalid-key clip (real 16-bit PCM WAVs of half a second,
 * so a browser can decode them), their traces, a Table II with a note, the accuracy plot and
 * {@code summary.json}. Texts carry markup so that escaping is exercised.
 */
final class FakeDemo {
    /** The branch directory's name. */
    static final String BRANCH = "hifigan";
    /** The clips of the branch, in page order. */
    static final List<String> CLIPS = List.of("real.wav", "teacher.wav", "alice.wav", "invalid-1.wav");
    /** Each clip's length in seconds. */
    static final double SECONDS = 0.5;
    /** Images on the page: a spectrogram per clip and the accuracy plot. */
    static final int IMAGES = CLIPS.size() + 1;

    private FakeDemo() {
    }

    /**
     * Writes the fake demo output into {@code out}.
     *
     * @param user the name the user's clip is traced to (its key is "{@code user}'s key")
     * @return the branch directory
     */
    static Path write(Path out, String user) {
        Path dir = out.resolve(BRANCH);
        for (int i = 0; i < CLIPS.size(); i++) {
            Wav.writePcm16(dir.resolve(CLIPS.get(i)), Audio.mono(tone(300 + 200 * i, (int) (SECONDS * 22050)), 22050));
        }
        DemoReport.writeTraces(dir, List.of(new DemoReport.TraceRow("alice.wav", user + "'s key", user, 0, 0.97, 0.6),
                new DemoReport.TraceRow("invalid-1.wav", "an invalid key", "", -1, 0.1, -28)));
        new ResultTable("Table II & <friends>", List.of("Models", "SDR Valid", "orig"), 1)
                .row(List.of("HiFi-GAN", 0.65, 0.979)).note("mp3_64k: skipped <no encoder>").write(dir, "table2");
        Plots.xy(dir.resolve("accuracy.png"), "accuracy", "x", "y",
                List.of(new Plots.Series("valid", new double[] {0, 1}, new double[] {0.9, 1}, true)));
        String summary = """
                {"hifigan": {"sdr_valid": 0.65, "sdr_invalid": -28.1,
                  "bit_accuracy": {"mp3_64k": null, "orig": 0.979, "aac_64k": 0.91},
                  "users_traced": 1, "users_total": 1, "invalid_keys_traced_to_a_user": 0}}
                """;
        AtomicFiles.writeString(out.resolve("summary.json"), summary);
        return dir;
    }

    /** {@code n} samples of a sine at {@code hz} Hz (22.05 kHz), amplitude 0.3. */
    private static float[] tone(double hz, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * hz * i / 22050));
        }
        return x;
    }
}
