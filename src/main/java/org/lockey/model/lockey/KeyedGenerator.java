package org.lockey.model.lockey;

import java.util.Map;
import java.util.function.UnaryOperator;

import org.lockey.LockeyException;
import org.lockey.model.hifigan.Generator;
import org.lockey.model.hifigan.HifiGanConfig;
import org.lockey.nn.Init;
import org.lockey.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A generator conditioned on a key (paper §III, Fig. 1; docs/lockey.md, "Decisions and why"): the key's
 * bits go through {@link KeyEmbedding} and the key encoder E_k ({@link KeyEncoder}) to a vector
 * {@code [B, C]} that is broadcast over time and added to the output of the generator's "second
 * layer" (the injection point); the verification head ({@link KeyVerifier}) reads the same vector.
 *
 * <p>The generator itself is a {@link Backbone}: it builds its upstream graph under the model root
 * (its upstream keys unchanged, so a base checkpoint loads as is) and calls the hook on the
 * activation at the injection point. The key modules live beside it under {@code key_embedding.*},
 * {@code key_encoder.*} and {@code verifier.*}.
 */
public final class KeyedGenerator {
    /** A generator with one hook at its injection point. */
    @FunctionalInterface
    public interface Backbone {
        /**
         * Builds the generator under {@code root} on {@code input}, passing the activation at the
         * injection point ({@code [B, C, T']}) through {@code atInjection}; returns the audio.
         */
        SDVariable build(Scope root, SDVariable input, UnaryOperator<SDVariable> atInjection);
    }

    /**
     * The graph nodes of a keyed generator.
     *
     * @param audio          generated audio {@code [B, 1, N]}
     * @param keyVector      E_k's output {@code [B, C]}
     * @param verifierLogits {@code [B, 2]}, class 0 = valid
     */
    public record Outputs(SDVariable audio, SDVariable keyVector, SDVariable verifierLogits) {
    }

    /** Module names of the key path, the roots of its parameter keys; everything else is the generator. */
    public static final java.util.List<String> KEY_MODULES = java.util.List.of("key_embedding", "key_encoder",
            "verifier", KeyClock.PREFIX, KeyedGenerator.GATE);

    /**
     * The per-channel gain {@code key_gate.weight} [C] of {@link KeyConfig.Injection#GATED}, zero at the start so that
     * a fresh keyed generator is its base generator for every key.
     */
    public static final String GATE = "key_gate";

    /**
     * Whether a layer key belongs to the generator rather than to the key path (E_k's convs are layers
     * too): the white-box attack of §V-C perturbs the generator's layers only.
     */
    public static boolean isGeneratorLayer(String layerKey) {
        String root = layerKey.contains(".") ? layerKey.substring(0, layerKey.indexOf('.')) : layerKey;
        return !KEY_MODULES.contains(root);
    }

    private final KeyConfig key;
    private final Backbone backbone;
    private final int samplesPerPosition;
    private final int positionsPerFrame;

    /**
     * @param samplesPerPosition output samples per time step at the injection point
     * @param positionsPerFrame  time steps at the injection point per input frame
     */
    public KeyedGenerator(KeyConfig key, Backbone backbone, int samplesPerPosition, int positionsPerFrame) {
        this.key = key;
        this.backbone = backbone;
        this.samplesPerPosition = samplesPerPosition;
        this.positionsPerFrame = positionsPerFrame;
    }

    /** Time steps at the injection point per input frame. */
    public int positionsPerFrame() {
        return positionsPerFrame;
    }

    /**
     * The payload clock's placeholders ({@link KeyClock}) for an input of {@code inputFrames} frames
     * whose first frame starts at output sample {@code startSample}; empty when the clock is off.
     */
    public Map<String, INDArray> clockFeed(long startSample, long inputFrames) {
        if (!key.clocked()) {
            return Map.of();
        }
        Map<String, INDArray> feed = new java.util.LinkedHashMap<>(
                KeyClock.feed(key, samplesPerPosition, startSample, inputFrames * positionsPerFrame));
        if (key.filteredClock()) {
            feed.putAll(KeyClock.sampleFeed(key, startSample, inputFrames * positionsPerFrame * samplesPerPosition));
        }
        if (key.spectralClock()) {
            feed.putAll(KeyClock.frameFeed(key, startSample, inputFrames * positionsPerFrame * samplesPerPosition));
        }
        return feed;
    }

    public KeyConfig keyConfig() {
        return key;
    }

    /**
     * The keyed HiFi-GAN: the key vector is added to the output of {@code ups.<stage>} (docs/lockey.md, Decisions:
     * stage 0, "the output of the second layer", after {@code conv_pre}), before that stage's
     * resblocks. {@code key.channels()} must equal the channels there.
     */
    public static KeyedGenerator hifiGan(HifiGanConfig config, KeyConfig key, int stage) {
        Generator g = new Generator(config);
        if (stage < 0 || stage >= config.numUpsamples()) {
            throw new LockeyException("injection stage " + stage + " outside 0.." + (config.numUpsamples() - 1));
        }
        int c = g.channelsAfterUpsample(stage);
        if (c != key.channels()) {
            throw new LockeyException("key 'channels' is " + key.channels() + " but ups." + stage + " outputs " + c
                    + " channels");
        }
        int positionsPerFrame = 1;
        for (int i = 0; i <= stage; i++) {
            positionsPerFrame *= config.upsampleRates().get(i);
        }
        return new KeyedGenerator(key, (root, mel, hook) -> g.build(root, mel, stage, hook),
                config.samplesPerFrame() / positionsPerFrame, positionsPerFrame);
    }

    /**
     * The keyed Encodec decoder: the key vector is added to the output of {@code decoder.model.<layer>}
     * (docs/lockey.md, Decisions: layer 1, the LSTM after the first conv, "the output of the second layer"), before
     * the rest of the SEANet decoder. Parameters keep the audiocraft keys under {@code decoder.}.
     * {@code key.channels()} must equal the channels there ({@code 2^len(ratios) n_filters}).
     *
     * @param frames latent frames of the input (the SEANet layers need the static length)
     */
    public static KeyedGenerator encodecDecoder(org.lockey.model.encodec.SeanetConfig config, KeyConfig key, int layer,
            long frames) {
        org.lockey.model.encodec.SeanetStack stack = new org.lockey.model.encodec.SEANetDecoder(config).stack();
        if (layer < 0 || layer >= stack.layers().size() - 1) {
            throw new LockeyException("injection layer " + layer + " outside 0.." + (stack.layers().size() - 2));
        }
        org.lockey.model.encodec.SeanetStack head = stack.sub(0, layer + 1);
        org.lockey.model.encodec.SeanetStack tail = stack.sub(layer + 1, stack.layers().size());
        int channels = (1 << config.ratios().size()) * config.nFilters();
        if (layer <= 1 && key.channels() != channels) {
            throw new LockeyException("key 'channels' is " + key.channels() + " but decoder.model." + layer + " outputs "
                    + channels + " channels");
        }
        long positions = head.outputLength(frames);
        if (positions % frames != 0) {
            throw new LockeyException("decoder.model." + layer + " gives " + positions + " steps for " + frames
                    + " frames, not a whole number per frame");
        }
        int positionsPerFrame = Math.toIntExact(positions / frames);
        int hop = 1;
        for (int r : config.ratios()) {
            hop *= r;
        }
        return new KeyedGenerator(key, (root, latent, hook) -> {
            Scope model = root.child("decoder").child("model");
            SDVariable h = hook.apply(head.build(model, latent, frames));                    // [B, C, T_l]
            return tail.build(model, h, head.outputLength(frames));                          // [B, 1, frames * hop]
        }, hop / positionsPerFrame, positionsPerFrame);
    }

    /**
     * The part of {@link #encodecDecoder} after its injection point: the input is the activation of
     * {@code decoder.model.layer} ({@code [B, C, frames]} at the injection's rate), the key term is added to it, and
     * {@code decoder.model.layer+1} onwards make the audio. A long clip is generated as the decoder's prefix (with the
     * LSTM, run in chunks by the base codec) and this part in windows.
     */
    public static KeyedGenerator encodecDecoderTail(org.lockey.model.encodec.SeanetConfig config, KeyConfig key,
            int layer, long frames) {
        KeyedGenerator whole = encodecDecoder(config, key, layer, frames);
        org.lockey.model.encodec.SeanetStack stack = new org.lockey.model.encodec.SEANetDecoder(config).stack();
        org.lockey.model.encodec.SeanetStack head = stack.sub(0, layer + 1);
        org.lockey.model.encodec.SeanetStack tail = stack.sub(layer + 1, stack.layers().size());
        long positions = head.outputLength(frames);
        return new KeyedGenerator(key, (root, hidden, hook) -> tail.build(root.child("decoder").child("model"),
                hook.apply(hidden), positions), whole.samplesPerPosition, whole.positionsPerFrame);
    }

    /**
     * Builds the whole keyed generator.
     *
     * @param root    the model root scope
     * @param input   the generator's input (mel [B, 80, T] or latent codes)
     * @param keyBits {@code [B, K]} 0/1, most significant bit first
     */
    public Outputs build(Scope root, SDVariable input, SDVariable keyBits) {
        SDVariable embedded = new KeyEmbedding(key).build(root.child("key_embedding"), keyBits); // [B, d, K]
        KeyEncoder.Output encoded = new KeyEncoder(key).encode(root.child("key_encoder"), embedded);
        SDVariable vector = encoded.vector();                                                  // [B, C]
        SDVariable logits = new KeyVerifier(key).build(root.child("verifier"), vector);         // [B, 2]
        SDVariable column = root.sd().expandDims(vector, 2);                                    // [B, C, 1]
        KeyClock.Tracks clock = key.clocked()
                ? KeyClock.tracks(root.child(KeyClock.PREFIX), key, encoded.features(), keyBits)    // [B, C, T']
                : null;
        SDVariable track = clock == null ? null : clock.shift();
        SDVariable scale = clock == null ? null : clock.scale();
        SDVariable term = track == null ? column : column.add(track);
        SDVariable[] accepted = {null};                                   // the head's P(valid), verified form only
        SDVariable injected = switch (key.injection()) {
            case ADDED -> term;
            case GATED -> term.mul(gain(root.child(GATE)));
            case VERIFIED -> {
                // P(invalid) per example: class 1 of the head's softmax, [B, 2] x [2, 1] -> [B, 1, 1]
                SDVariable pickInvalid = root.child("verifier").constant("pick_invalid",
                        Nd4j.createFromArray(new float[][] {{0f}, {1f}}).castTo(column.dataType()));
                SDVariable invalid = root.sd().nn().softmax(logits, 1).mmul(pickInvalid).reshape(-1, 1, 1);
                SDVariable damage = column.mul(invalid).mul(gain(root.child(GATE)));
                accepted[0] = invalid.rsub(1.0);
                if (scale != null) {
                    // the modulated clock writes only the watermark of keys the head accepts
                    track = track.mul(accepted[0]);
                    scale = scale.mul(accepted[0]);
                }
                yield track == null ? damage : damage.add(track);         // the track's tables start at 0
            }
        };
        SDVariable gains = scale;
        SDVariable generated = backbone.build(root, input,
                x -> gains == null ? x.add(injected) : x.add(injected).add(x.mul(gains)));     // broadcast over time
        SDVariable audio = key.filteredClock()
                ? KeyClock.filter(root.child(KeyClock.PREFIX), key, keyBits, generated, accepted[0])  // [B, 1, N]
                : key.spectralClock()
                        ? KeyClock.spectral(root.child(KeyClock.PREFIX), key, keyBits, generated, accepted[0])
                        : generated;
        return new Outputs(audio, vector, logits);
    }

    /** A per-channel gain {@code [C, 1]} that starts at 0 ({@code scope.weight}). */
    private SDVariable gain(Scope scope) {
        return scope.param("weight", Init.zeros(), key.channels()).reshape(key.channels(), 1);
    }
}
