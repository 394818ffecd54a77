package org.lockey.model.encodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.lockey.LockeyException;
import org.lockey.nn.Pad;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Config records: published values, upstream defaults, HF names, JSON round trip, refusals. */
class ConfigTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void musicgen32kIsAudiocraftEncodecLargeNq4S640() {
        SeanetConfig s = SeanetConfig.musicgen32k();
        assertEquals(1, s.channels());
        assertEquals(128, s.dimension());
        assertEquals(64, s.nFilters());
        assertEquals(1, s.nResidualLayers());
        assertEquals(List.of(8, 5, 4, 4), s.ratios());
        assertEquals(640, s.hopLength());
        assertEquals(Activation.elu(), s.activation());
        assertEquals(Activation.Kind.IDENTITY, s.finalActivation().kind());
        assertEquals(Norm.WEIGHT_NORM, s.norm());
        assertEquals(7, s.kernelSize());
        assertEquals(7, s.lastKernelSize());
        assertEquals(3, s.residualKernelSize());
        assertEquals(2, s.dilationBase());
        assertEquals(false, s.causal());
        assertEquals(Pad.Mode.CONSTANT, s.padMode());
        assertEquals(true, s.trueSkip());
        assertEquals(2, s.compress());
        assertEquals(2, s.lstm());
        assertEquals(new RvqConfig(4, 2048, 128), RvqConfig.musicgen32k());
        assertEquals(50, CompressionConfig.musicgen32k().frameRate());
    }

    @Test
    void missingFieldsTakeUpstreamDefaults() throws Exception {
        SeanetConfig s = SeanetConfig.fromJson(json("{}"));
        // encodec/modules/seanet.py SEANetDecoder.__init__ defaults.
        assertEquals(new SeanetConfig(1, 128, 32, 1, List.of(8, 5, 4, 2), Activation.elu(), Activation.identity(),
                Norm.WEIGHT_NORM, 7, 7, 3, 2, false, Pad.Mode.REFLECT, false, 2, 2, 1.0), s);
        assertEquals(new RvqConfig(8, 1024, 256), RvqConfig.fromJson(json("{}")));
    }

    @Test
    void goldenStyleConfigIsReadFieldByField() throws Exception {
        SeanetConfig s = SeanetConfig.fromJson(json("{'activation': 'ELU', 'activation_params': {'alpha': 0.5},"
                + " 'causal': true, 'channels': 2, 'compress': 4, 'dilation_base': 3, 'dimension': 16,"
                + " 'final_activation': 'Tanh', 'final_activation_params': null, 'kernel_size': 5,"
                + " 'last_kernel_size': 9, 'lstm': 1, 'n_filters': 8, 'n_residual_layers': 2, 'norm': 'weight_norm',"
                + " 'norm_params': {}, 'pad_mode': 'constant', 'ratios': [4, 2], 'residual_kernel_size': 5,"
                + " 'trim_right_ratio': 0.5, 'true_skip': true}"));
        assertEquals(new SeanetConfig(2, 16, 8, 2, List.of(4, 2), new Activation(Activation.Kind.ELU, 0.5),
                new Activation(Activation.Kind.TANH, 0), Norm.WEIGHT_NORM, 5, 9, 5, 3, true, Pad.Mode.CONSTANT, true,
                4, 1, 0.5), s);
        assertEquals(s, SeanetConfig.fromJson(s.toJson()));
        CompressionConfig c = new CompressionConfig(16_000, s, new RvqConfig(2, 8, 16));
        assertEquals(c, CompressionConfig.fromJson(c.toJson()));
    }

    @Test
    void huggingFaceEncodec32khzNamesMapToTheSameModel() throws Exception {
        // facebook/encodec_32khz config.json values (upstream-architectures.md §3.1).
        JsonNode hf = json("{'audio_channels': 1, 'codebook_size': 2048, 'codebook_dim': 128, 'hidden_size': 128,"
                + " 'num_filters': 64, 'num_lstm_layers': 2, 'num_residual_layers': 1, 'upsampling_ratios': [8, 5, 4, 4],"
                + " 'norm_type': 'weight_norm', 'normalize': false, 'use_causal_conv': false, 'pad_mode': 'reflect',"
                + " 'use_conv_shortcut': false, 'target_bandwidths': [2.2], 'trim_right_ratio': 1.0,"
                + " 'sampling_rate': 32000, 'kernel_size': 7, 'last_kernel_size': 7, 'residual_kernel_size': 3,"
                + " 'dilation_growth_rate': 2, 'compress': 2}");
        CompressionConfig c = CompressionConfig.fromHuggingFace(hf);
        // Identical to audiocraft's model except HF's recorded pad_mode (a documented discrepancy).
        assertEquals(CompressionConfig.musicgen32k().seanet().withPadding(Pad.Mode.REFLECT, true), c.seanet());
        assertEquals(RvqConfig.musicgen32k(), c.rvq());
        assertEquals(32_000, c.sampleRate());
        // HF's own defaults: 24 kHz model, 1.5..24 kbps -> 32 quantizers of 1024 entries.
        CompressionConfig d = CompressionConfig.fromHuggingFace(json("{}"));
        assertEquals(new RvqConfig(32, 1024, 128), d.rvq());
        assertEquals(true, d.seanet().causal());
        assertEquals(false, d.seanet().trueSkip());
    }

    @Test
    void unsupportedSettingsAreRefusedByName() throws Exception {
        LockeyException unknown = assertThrows(LockeyException.class,
                () -> SeanetConfig.fromJson(json("{'dimension': 8, 'bogus': 1, 'extra': 2}")));
        assertTrue(unknown.getMessage().contains("[bogus, extra]"), unknown.getMessage());
        assertThrows(LockeyException.class, () -> SeanetConfig.fromJson(json("{'norm': 'time_group_norm'}")));
        assertThrows(LockeyException.class, () -> SeanetConfig.fromJson(json("{'pad_mode': 'circular'}")));
        assertThrows(LockeyException.class, () -> SeanetConfig.fromJson(json("{'activation': 'GELU'}")));
        assertThrows(LockeyException.class, () -> SeanetConfig.fromJson(json("{'ratios': [8, 'x']}")));
        LockeyException trim = assertThrows(LockeyException.class,
                () -> SeanetConfig.fromJson(json("{'trim_right_ratio': 0.5}")));
        assertTrue(trim.getMessage().contains("trim_right_ratio"), trim.getMessage());
        assertThrows(LockeyException.class, () -> new CompressionConfig(32_000, SeanetConfig.musicgen32k(),
                new RvqConfig(4, 2048, 64)));
        // Training-only quantizer arguments are accepted.
        assertEquals(new RvqConfig(4, 64, 64), RvqConfig.fromJson(json("{'bins': 64, 'decay': 0.99, 'dimension': 64,"
                + " 'kmeans_init': false, 'kmeans_iters': 50, 'n_q': 4, 'threshold_ema_dead_code': 2}")));
    }
}
