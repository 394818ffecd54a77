package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.audio.Wav;
import org.lockey.distortion.Codecs;
import org.lockey.distortion.Ffmpeg;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.SilentCipherConfig;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.nn.BatchNorm2d;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SilentCipher training on a tiny config ({@link TinyWatermark}: 8 kHz, N_FFT 32, a 2-layer message
 * decoder) so that a step takes about a second: the straight-through gradient, a falling cross-entropy, exact resume, the
 * running-statistics update, and the errors.
 */
class WatermarkTrainerTest {
    static SilentCipherConfig tiny() {
        return TinyWatermark.config();
    }

    static final int CROP = TinyWatermark.CROP;

    static Path syntheticData(Path dir) {
        return TinyWatermark.data(dir);
    }

    static WatermarkTrainer.Settings settings(long steps, List<String> distortions) {
        return TinyWatermark.settings(steps, distortions);
    }

    static WatermarkTrainer trainer(WatermarkTrainer.Settings s, Path data, PrintStream log) {
        return TinyWatermark.trainer(s, data, log);
    }

    static PrintStream quiet() {
        return TinyWatermark.quiet();
    }

    @Test
    void straightThroughPassesTheGradientAtTheDistortedAudioToThePreDistortionAudio() {
        SilentCipherConfig config = tiny();
        int length = 600;
        Nd4j.getRandom().setSeed(3);
        INDArray pre = Nd4j.randn(DataType.DOUBLE, 2, length).muli(0.1);
        INDArray residual = Nd4j.randn(DataType.DOUBLE, 2, length).muli(0.02); // a "distortion" d(y) - y
        double[] g1 = gradient(config, pre, residual, true);
        double[] g2 = gradient(config, pre.add(residual), null, false);
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < g1.length; i++) {
            worst = Math.max(worst, Math.abs(g1[i] - g2[i]));
            scale = Math.max(scale, Math.abs(g2[i]));
        }
        assertTrue(scale > 0, "the loss depends on the audio");
        assertTrue(worst <= 1e-12 * scale, "d loss / d y (through y + residual) vs d loss / d (y + residual): "
                + worst + " of " + scale);
        double[] g0 = gradient(config, pre, null, false);
        assertFalse(java.util.Arrays.equals(g0, g1), "the residual changes the point the gradient is taken at");
    }

    /** d CE / d audio for a frozen, seeded message decoder on {@code audio} (+ residual through the straight-through). */
    private static double[] gradient(SilentCipherConfig config, INDArray audio, INDArray residual, boolean straight) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, null, "(test)", DataType.DOUBLE, true, 11);
        SDVariable x = sd.var("audio", audio.dup());
        SDVariable in = straight ? WatermarkGraph.straightThrough(x, sd.constant("residual", residual)) : x;
        int length = (int) audio.size(1);
        SilentCipher model = SilentCipher.initialised(config, 11);
        SDVariable logits = model.buildDecoderOnAudio(root, in, length, SilentCipher.MAGNITUDE_EPS);
        int frames = config.frames(length);
        int[] target = new int[2 * frames];
        for (int i = 0; i < target.length; i++) {
            target[i] = i % 5;
        }
        SDVariable t = sd.constant("target", Nd4j.createFromArray(target).reshape(2, frames));
        SDVariable loss = WatermarkLoss.perExample(sd, sd.squeeze(logits, 1), t, 5).mean();
        sd.identity("loss", loss);
        return sd.calculateGradients(Map.of(), "audio").get("audio").dup().data().asDouble();
    }

    @Test
    @Tag("slow")
    void messageCrossEntropyFallsInATinyRun(@TempDir Path tmp) {
        // batch 8 and lr 5e-3 with a 16 x 2 decoder: measured CE ~1.55 -> ~1.2 within 40 steps
        WatermarkTrainer.Settings s = new WatermarkTrainer.Settings(tiny().withMsgDecoder(16, 2), 16, 8, CROP, 40, 100, 0,
                1000, 7, 5e-3, 20, 0, List.of(WatermarkTrainer.NONE), BatchNorm2d.Mode.BATCH_STATISTICS);
        WatermarkTrainer t = trainer(s, syntheticData(tmp), quiet());
        t.run(tmp.resolve("run"), false);
        List<WatermarkTrainer.StepLog> h = t.history();
        assertEquals(40, h.size());
        double first = h.subList(0, 5).stream().mapToDouble(WatermarkTrainer.StepLog::ce).average().orElseThrow();
        double last = h.subList(35, 40).stream().mapToDouble(WatermarkTrainer.StepLog::ce).average().orElseThrow();
        System.out.printf("[train] tiny run: CE %.3f -> %.3f, frame bit accuracy %.3f -> %.3f%n", first, last,
                h.get(0).bitAccuracy(), h.get(39).bitAccuracy());
        assertTrue(Math.abs(first - Math.log(5)) < 0.3, "starts near chance, ln 5 = 1.609: " + first);
        // 1.58 nats is the entropy of the class prior (end token 1/9, symbols 2/9 each): below it the
        // decoder reads the message, not only the frequencies of the classes
        assertTrue(last < 1.4 && last < first - 0.2, "CE falls clearly: " + first + " -> " + last);
    }

    @Test
    void resumeContinuesExactly(@TempDir Path tmp) {
        Path data = syntheticData(tmp);
        trainer(settings(6, List.of(WatermarkTrainer.GAUS, WatermarkTrainer.JITTER, WatermarkTrainer.EQ)), data, quiet())
                .run(tmp.resolve("a"), false);
        trainer(settings(3, List.of(WatermarkTrainer.GAUS, WatermarkTrainer.JITTER, WatermarkTrainer.EQ)), data, quiet())
                .run(tmp.resolve("b"), false);
        WatermarkTrainer second = trainer(settings(6, List.of(WatermarkTrainer.GAUS, WatermarkTrainer.JITTER,
                WatermarkTrainer.EQ)), data, quiet());
        second.run(tmp.resolve("b"), true);
        assertEquals(3, second.history().size(), "the resumed run did steps 4..6");
        Map<String, Tensor> a = SafeTensors.read(Checkpoint.file(tmp.resolve("a"))).tensors();
        Map<String, Tensor> b = SafeTensors.read(Checkpoint.file(tmp.resolve("b"))).tensors();
        assertEquals(a.keySet(), b.keySet());
        assertTrue(a.keySet().stream().anyMatch(k -> k.startsWith("adam.m.")), "Adam moments are checkpointed");
        assertTrue(a.containsKey("dec_m_0.main.1.bn.running_var"), "BatchNorm buffers are checkpointed");
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), 0, k);
        }
        assertEquals(6L, a.get("enc_c.main.0.bn.num_batches_tracked").toLongArray()[0]);
    }

    @Test
    void runningStatisticsFollowPyTorchsMomentumUpdate() {
        Map<String, INDArray> buffers = new LinkedHashMap<>();
        buffers.put("x.bn.running_mean", Nd4j.createFromArray(1f, -2f));
        buffers.put("x.bn.running_var", Nd4j.createFromArray(1f, 4f));
        buffers.put("x.bn.num_batches_tracked", Nd4j.scalar(5L));
        WatermarkTrainer.updateRunningStatistics(buffers, "x.bn", Nd4j.createFromArray(3f, 0f).reshape(1, 2, 1, 1),
                Nd4j.createFromArray(2f, 8f).reshape(1, 2, 1, 1), 5);
        // 0.9 * old + 0.1 * new; the variance unbiased: 2 * 5/4 = 2.5, 8 * 5/4 = 10
        assertArrayEquals(new float[] {0.9f + 0.3f, -1.8f}, buffers.get("x.bn.running_mean").toFloatVector(), 1e-6f);
        assertArrayEquals(new float[] {0.9f + 0.25f, 3.6f + 1f}, buffers.get("x.bn.running_var").toFloatVector(), 1e-6f);
        assertEquals(6L, buffers.get("x.bn.num_batches_tracked").getLong(0));
    }

    @Test
    void theModelDirectoryLoadsAndEmbeds(@TempDir Path tmp) {
        Path data = syntheticData(tmp);
        WatermarkModel trained = trainer(settings(2, List.of(WatermarkTrainer.NONE)), data, quiet())
                .run(tmp.resolve("run"), false);
        WatermarkModel loaded = WatermarkModel.load(tmp.resolve("run"));
        assertEquals(trained.config(), loaded.config());
        assertEquals(16, loaded.payloadBits());
        assertEquals(trained.weights().keySet(), loaded.weights().keySet());
        float[] x = Wav.read(data.resolve("clip0.wav")).mono();
        float[] y = loaded.silentCipher().embed(x, loaded.codec().symbols(new boolean[16]), 20).watermarked();
        assertEquals(x.length, y.length);
        assertNotEquals(0, org.lockey.metric.Sdr.db(x, y), "the watermark changed the audio");
    }

    @Test
    void codecIsSkippedWithANoticeWithoutFfmpeg(@TempDir Path tmp) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WatermarkTrainer t = trainer(settings(1, WatermarkTrainer.PAPER_DISTORTIONS), syntheticData(tmp),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals(List.of("gaus", "time_jit", "eq"), t.categories());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("notice: codec distortions skipped in training: "
                + "mp3_128k skipped: ffmpeg not found"), out.toString(StandardCharsets.UTF_8));
        LockeyException e = assertThrows(LockeyException.class,
                () -> trainer(settings(1, List.of(WatermarkTrainer.CODEC)), tmp, quiet()));
        assertTrue(e.getMessage().contains("needs its encoders"), e.getMessage());
    }

    @Test
    void distortionsAreDrawnFromEveryCategoryAndCodecSetting() {
        // drawing only constructs the codec objects; nothing is run, so no ffmpeg is needed
        Codecs none = Codecs.os(new Ffmpeg(Path.of("/nonexistent/ffmpeg")));
        Set<String> seen = new HashSet<>();
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 400; i++) {
            seen.add(WatermarkTrainer.drawDistortion(WatermarkTrainer.PAPER_DISTORTIONS, none, r).name());
        }
        assertEquals(Set.of("gaus", "time_jit", "eq", "mp3_64k", "mp3_128k", "mp3_256k", "ogg_64k", "ogg_128k",
                "ogg_256k"), seen);
    }

    @Test
    void settingsAndRunDirectoryErrorsAreClear(@TempDir Path tmp) {
        LockeyException shortCrop = assertThrows(LockeyException.class, () -> new WatermarkTrainer.Settings(tiny(), 16, 2,
                50, 1, 1, 0, 1, 1, 1e-3, 20, 0, List.of("gaus"), BatchNorm2d.Mode.BATCH_STATISTICS)); // 5 frames
        assertTrue(shortCrop.getMessage().contains("fewer than one message period"), shortCrop.getMessage());
        LockeyException unknown = assertThrows(LockeyException.class, () -> settings(1, List.of("reverb")));
        assertTrue(unknown.getMessage().contains("unknown training distortion 'reverb'"), unknown.getMessage());
        Path data = syntheticData(tmp);
        trainer(settings(1, List.of("none")), data, quiet()).run(tmp.resolve("run"), false);
        LockeyException again = assertThrows(LockeyException.class,
                () -> trainer(settings(2, List.of("none")), data, quiet()).run(tmp.resolve("run"), false));
        assertTrue(again.getMessage().contains("--resume"), again.getMessage());
        LockeyException other = assertThrows(LockeyException.class,
                () -> trainer(settings(2, List.of("gaus")), data, quiet()).run(tmp.resolve("run"), true));
        assertTrue(other.getMessage().contains("other settings"), other.getMessage());
    }
}
