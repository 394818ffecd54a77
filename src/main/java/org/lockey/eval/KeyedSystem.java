package org.lockey.eval;

import java.nio.file.Path;
import java.util.List;

import org.lockey.LockeyException;
import org.lockey.audio.MelSpectrogram;
import org.lockey.model.encodec.Encodec;
import org.lockey.model.hifigan.HifiGan;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyedEncodec;
import org.lockey.model.lockey.KeyedHifiGan;
import org.lockey.model.lockey.KeyedModelDir;
import org.lockey.model.silentcipher.WatermarkModel;

/**
 * A keyed generator with the base generator it was fine-tuned from and its watermark model: for a
 * clip x, the keyed output G(x, k) and the teacher G0(x). HiFi-GAN takes the clip's log-mel, Encodec
 * its codes from the frozen encoder and quantiser; outputs have {@link #usableLength} samples.
 */
public abstract class KeyedSystem {
    private final WatermarkModel watermark;

    KeyedSystem(WatermarkModel watermark) {
        this.watermark = watermark;
    }

    /** The watermark model the keyed model was trained with. */
    public WatermarkModel watermark() {
        return watermark;
    }

    /** The generators' sampling rate. */
    public abstract int sampleRate();

    /** Key size. */
    public abstract int keyBits();

    /** "hifigan" or "encodec". */
    public abstract String branch();

    /** Samples of output for an input clip of {@code n} samples. */
    public abstract int usableLength(int n);

    /** G(x, k). */
    public abstract float[] generate(float[] clip, Key key);

    /** G0(x). */
    public abstract float[] teacher(float[] clip);

    /** The verification head's probability that each key is valid. */
    public abstract double[] validity(Key[] keys);

    /**
     * G(x, k) with i.i.d. N(0, std^2) noise added to the output of every generator layer, drawn from
     * {@code seed} (paper §V-C, the white-box attack; {@code KeyedHifiGan#withLayerNoise}). std 0 gives
     * exactly {@link #generate}'s output.
     */
    public float[] generatePerturbed(float[] clip, Key key, double std, long seed) {
        throw new LockeyException(branch() + ": this system cannot perturb its generator's layers");
    }

    /** The keys of the layers {@link #generatePerturbed} perturbs, in graph order. */
    public List<String> perturbedLayers() {
        return List.of();
    }

    /**
     * Loads a keyed model directory (a train lockey run or its {@code model/}), its watermark model
     * ({@code watermark/} inside it) and the base generator {@code baseDir}.
     */
    public static KeyedSystem load(Path model, Path baseDir) {
        KeyedModelDir found = KeyedModelDir.of(model);
        Path dir = found.dir();
        String kind = found.kind();
        WatermarkModel wm = WatermarkModel.load(dir.resolve(KeyedHifiGan.WATERMARK_DIR));
        if (kind.equals(KeyedHifiGan.KIND)) {
            return new HifiGanSystem(KeyedHifiGan.load(dir), HifiGan.load(baseDir), wm);
        }
        if (kind.equals(KeyedEncodec.KIND)) {
            return new EncodecSystem(KeyedEncodec.load(dir), Encodec.load(baseDir), wm);
        }
        throw new LockeyException(dir + ": unknown model kind '" + kind + "'");
    }

    static final class HifiGanSystem extends KeyedSystem {
        /** Mel frames per generation chunk (each with the receptive field as context). */
        private static final int CHUNK_FRAMES = HifiGan.DEFAULT_CHUNK_FRAMES;
        private final KeyedHifiGan model;
        private KeyedHifiGan noisy;
        private final HifiGan base;
        private final MelSpectrogram mel;

        HifiGanSystem(KeyedHifiGan model, HifiGan base, WatermarkModel wm) {
            super(wm);
            this.model = model;
            this.base = base;
            this.mel = new MelSpectrogram(model.generatorConfig().melConfig());
        }

        @Override
        public int sampleRate() {
            return model.generatorConfig().mel().samplingRate();
        }

        @Override
        public int keyBits() {
            return model.keyConfig().keyBits();
        }

        @Override
        public String branch() {
            return "hifigan";
        }

        @Override
        public int usableLength(int n) {
            int hop = model.generatorConfig().samplesPerFrame();
            return n / hop * hop;
        }

        @Override
        public float[] generate(float[] clip, Key key) {
            return model.generateChunked(mel.apply(clip), key, CHUNK_FRAMES);
        }

        @Override
        public float[] teacher(float[] clip) {
            return base.vocode(mel.apply(clip));
        }

        @Override
        public double[] validity(Key[] keys) {
            return model.validity(keys);
        }

        @Override
        public float[] generatePerturbed(float[] clip, Key key, double std, long seed) {
            return noisy().generateChunked(mel.apply(clip), key, CHUNK_FRAMES, std, seed);
        }

        @Override
        public List<String> perturbedLayers() {
            return noisy().perturbedLayers();
        }

        /** The keyed model with layer noise, built on first use (a second graph over the same weights). */
        private synchronized KeyedHifiGan noisy() {
            if (noisy == null) {
                noisy = model.withLayerNoise();
            }
            return noisy;
        }
    }

    static final class EncodecSystem extends KeyedSystem {
        private final KeyedEncodec model;
        private KeyedEncodec noisy;
        private final Encodec base;

        EncodecSystem(KeyedEncodec model, Encodec base, WatermarkModel wm) {
            super(wm);
            this.model = model;
            this.base = base;
        }

        @Override
        public int sampleRate() {
            return model.sampleRate();
        }

        @Override
        public int keyBits() {
            return model.keyConfig().keyBits();
        }

        @Override
        public String branch() {
            return "encodec";
        }

        @Override
        public int usableLength(int n) {
            int hop = model.codecConfig().seanet().hopLength();
            return (n + hop - 1) / hop * hop;
        }

        @Override
        public float[] generate(float[] clip, Key key) {
            return model.generate(model.encode(clip), key);
        }

        @Override
        public float[] teacher(float[] clip) {
            return base.decode(base.encode(clip));
        }

        @Override
        public double[] validity(Key[] keys) {
            return model.validity(keys);
        }

        @Override
        public float[] generatePerturbed(float[] clip, Key key, double std, long seed) {
            return noisy().generate(model.encode(clip), key, std, seed);
        }

        @Override
        public List<String> perturbedLayers() {
            return noisy().perturbedLayers();
        }

        private synchronized KeyedEncodec noisy() {
            if (noisy == null) {
                noisy = model.withLayerNoise();
            }
            return noisy;
        }
    }
}
