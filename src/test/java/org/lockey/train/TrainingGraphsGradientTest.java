package org.lockey.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lockey.GradCheck;
import org.lockey.model.hifigan.HifiGanConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The trainer's own graphs, built in double precision: the gradient of {@code L_G} (Eq. 5: mel loss,
 * feature matching and adversarial terms through the discriminator mirror) with respect to G's
 * parameters, and of {@code L_D} (Eq. 6) with respect to D's state-dict parameters (through the
 * chain rules of weight and spectral norm), against central finite differences.
 */
@Tag("slow")
class TrainingGraphsGradientTest {
    static final int SEGMENT = 1024;

    static VocoderTrainer.Batch batch(HifiGanConfig c) {
        Random r = new Random(11);
        int frames = SEGMENT / c.mel().hopSize();
        double[] audio = new double[SEGMENT];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = 0.5 * Math.sin(i * 0.031) + 0.05 * r.nextGaussian();
        }
        INDArray mel = Nd4j.rand(DataType.DOUBLE, 1, c.numMels(), frames).muli(4).subi(7);
        INDArray lossMel = Nd4j.rand(DataType.DOUBLE, 1, c.numMels(), frames).muli(4).subi(7);
        return new VocoderTrainer.Batch(Nd4j.createFromArray(audio).reshape(1, 1, SEGMENT), mel, lossMel);
    }

    /** A few training-mode refreshes so that spectral norm's u, v are no longer random (see DiscriminatorTest). */
    static void settle(VocoderTrainer.DiscriminatorGraph d) {
        Function<String, INDArray> state = k -> d.sd.getVariable(k).getArr();
        for (int i = 0; i < 5; i++) {
            d.weights.forEach(w -> w.refresh(state, true));
        }
    }

    @Test
    void generatorLossGradientThroughTheMirror() {
        HifiGanConfig c = VocoderTrainerTest.tiny(1, SEGMENT, 2e-4);
        VocoderTrainer.DiscriminatorGraph disc = new VocoderTrainer.DiscriminatorGraph(c, 8, null, "test", 3, DataType.DOUBLE);
        settle(disc);
        VocoderTrainer.GeneratorGraph gen = new VocoderTrainer.GeneratorGraph(c, null, "test", 3, disc, DataType.DOUBLE);
        Map<String, INDArray> feeds = gen.feeds(batch(c), disc, false);
        GradCheck.check(gen.sd, VocoderTrainer.LOSS_GEN_ALL, feeds,
                List.of("conv_pre.weight_v", "ups.1.weight_g", "resblocks.2.convs1.1.weight_v", "conv_post.bias"),
                4, 1e-6, 1e-4, 5);
    }

    @Test
    void discriminatorLossGradientOfTheStateDictParameters() {
        HifiGanConfig c = VocoderTrainerTest.tiny(1, SEGMENT, 2e-4);
        VocoderTrainer.DiscriminatorGraph disc = new VocoderTrainer.DiscriminatorGraph(c, 8, null, "test", 4, DataType.DOUBLE);
        settle(disc);
        INDArray y = batch(c).audio();
        INDArray yHat = y.mul(0.5).addi(Nd4j.rand(DataType.DOUBLE, 1, 1, SEGMENT).subi(0.5).muli(0.1));
        Map<String, INDArray> grads = new HashMap<>();
        disc.gradients(y, yHat, false, grads);
        Function<String, INDArray> state = k -> disc.sd.getVariable(k).getArr();
        Function<Void, Double> loss = v -> {
            disc.weights.forEach(w -> w.refresh(state, false));
            return disc.sd.output(Map.of("y", y, "y_hat", yHat), VocoderTrainer.LOSS_DISC_ALL).get(VocoderTrainer.LOSS_DISC_ALL)
                    .getDouble(0);
        };
        Random r = new Random(9);
        double h = 1e-6;
        double maxErr = 0;
        double maxFd = 0;
        for (String key : List.of("mpd.discriminators.3.convs.1.weight_g", "mpd.discriminators.0.conv_post.weight_v",
                "msd.discriminators.0.convs.2.weight_orig", "msd.discriminators.2.convs.5.weight_v",
                "msd.discriminators.1.convs.0.bias")) {
            INDArray flat = state.apply(key).reshape(state.apply(key).length());
            for (int n = 0; n < 2; n++) {
                long i = r.nextInt((int) flat.length());
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + h);
                double up = loss.apply(null);
                flat.putScalar(i, orig - h);
                double down = loss.apply(null);
                flat.putScalar(i, orig);
                double fd = (up - down) / (2 * h);
                maxFd = Math.max(maxFd, Math.abs(fd));
                maxErr = Math.max(maxErr, Math.abs(fd - grads.get(key).reshape(flat.length()).getDouble(i)));
            }
        }
        String msg = String.format("trainer's L_D: max|grad - fd| %.3e, max|fd| %.3e", maxErr, maxFd);
        System.out.println("[gradcheck] " + msg);
        assertTrue(maxFd > 0 && maxErr <= 1e-5 * maxFd, msg);
    }
}
