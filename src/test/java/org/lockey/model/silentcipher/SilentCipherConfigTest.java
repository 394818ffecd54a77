package org.lockey.model.silentcipher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.golden.GoldenCase;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The hparams mapping: released values, hparams.yaml and golden JSON loading, validation. */
class SilentCipherConfigTest {

    /**
     * The released 44.1 kHz hparams.yaml values (upstream-architectures.md 1.2, from
     * Models/44_1_khz/73999_iteration/hparams.yaml), with some of its training-only keys, which
     * the loader must ignore.
     */
    static final String HPARAMS_44K = """
            AUDIO_LEN: 12
            HOP_LENGTH: 2048
            N_FFT: 4096
            SR: 44100
            aac_aug: 64k,128k,256k
            batch_size: 2
            dec_c_n_layers: 4
            enc_n_layers: 3
            ensure_constrained_message: false
            ensure_negative_message: true
            frame_level_normalization: false
            lambda_carrier_loss: 20.0
            load_ckpt: /somewhere/ckpt/139058_iteration
            lr: 0.001
            message_band_size: 1024
            message_dim: 5
            message_len: 21
            message_sdr: 47
            model_type: n_msg
            n_messages: 1
            no_normalization: false
            phase_shift: null
            seed: 121
            utterance_level_normalization: true
            """;

    static void assertReleasedRecipe(SilentCipherConfig c) {
        assertEquals(47.0, c.messageSdr());
        assertEquals(3, c.encNLayers());
        assertEquals(4, c.decCNLayers());
        assertTrue(c.ensureNegativeMessage());
        assertEquals(false, c.ensureConstrainedMessage());
        assertEquals(false, c.frameLevelNormalization());
        assertTrue(c.utteranceLevelNormalization());
        assertEquals(false, c.noNormalization());
        assertEquals(1, c.nMessages());
        assertEquals(128, c.msgDecoderChannels());
        assertEquals(10, c.msgDecoderLayers());
    }

    @Test
    void releasedHparamsYamlLoadsAndEqualsThe44kFactory(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("hparams.yaml");
        Files.writeString(yaml, HPARAMS_44K);
        SilentCipherConfig c = SilentCipherConfig.fromYaml(yaml);
        assertEquals(44100, c.sampleRate());
        assertEquals(4096, c.nFft());
        assertEquals(2048, c.hopLength());
        assertEquals(5, c.messageDim());
        assertEquals(21, c.messageLen());
        assertEquals(1024, c.messageBandSize());
        assertEquals(2049, c.bins());
        assertReleasedRecipe(c);
        assertEquals(SilentCipherConfig.sc44k(), c);
    }

    @Test
    void factoriesPinTheReleasedAndChosenValues() {
        SilentCipherConfig c16 = SilentCipherConfig.sc16k();
        assertEquals(16000, c16.sampleRate());
        assertEquals(2048, c16.nFft());
        assertEquals(1024, c16.hopLength());
        assertEquals(4, c16.messageDim());
        assertEquals(16, c16.messageLen());
        assertEquals(512, c16.messageBandSize());
        assertReleasedRecipe(c16);
        SilentCipherConfig c22 = SilentCipherConfig.sc22k(16);
        assertEquals(22050, c22.sampleRate());
        assertEquals(2048, c22.nFft());
        assertEquals(1024, c22.hopLength());
        assertEquals(512, c22.messageBandSize());
        assertEquals(5, c22.messageDim());
        assertEquals(9, c22.messageLen());
        assertReleasedRecipe(c22);
        SilentCipherConfig c32 = SilentCipherConfig.sc32k(40);
        assertEquals(32000, c32.sampleRate());
        assertEquals(4096, c32.nFft());
        assertEquals(2048, c32.hopLength());
        assertEquals(1024, c32.messageBandSize());
        assertEquals(21, c32.messageLen());
        assertReleasedRecipe(c32);
    }

    @Test
    void goldenJsonConfigAndMessageDecoderSizeFromWeights() {
        GoldenCase g = GoldenCase.load(Path.of("golden", "silentcipher_16k_embed.io.safetensors"));
        SilentCipherConfig c = SilentCipherConfig.fromJson(g.config());
        assertEquals(SilentCipherConfig.sc16k(), c);
        SilentCipherConfig sized = c.withMsgDecoderFrom(g.weightTensors());
        assertEquals(16, sized.msgDecoderChannels()); // metadata msgdecoder_channel_dim
        assertEquals(10, sized.msgDecoderLayers()); // main.1 .. main.19
        LockeyException none = assertThrows(LockeyException.class, () -> c.withMsgDecoderFrom(java.util.Map.of()));
        assertTrue(none.getMessage().contains("dec_m_0.main.1.conv.weight"), none.getMessage());
    }

    @Test
    void carrierWidthRoundTripsAndSizesTheCarrierNetworks() {
        SilentCipherConfig upstream = SilentCipherConfig.sc22k(16).withMsgDecoder(4, 2);
        assertEquals(false, upstream.toJson().has(SilentCipherConfig.CARRIER_WIDTH_KEY),
                "upstream's width 32 is not written, so upstream configs stay byte-equal");
        SilentCipherConfig narrow = upstream.withCarrierWidth(4);
        assertEquals(4, narrow.toJson().get(SilentCipherConfig.CARRIER_WIDTH_KEY).asInt());
        assertEquals(narrow, SilentCipherConfig.fromJson(narrow.toJson()));
        assertEquals(32, SilentCipherConfig.fromJson(upstream.toJson()).carrierWidth());
        // enc_c's first conv has w outputs; dec_c's first conv reads 3w channels (carrier, encoded message, |carrier|)
        for (int w : new int[] {4, 32}) {
            var weights = SilentCipher.initialised(upstream.withCarrierWidth(w), 1).weights();
            long[] encFirst = weights.get("enc_c.main.0.conv.weight").shape();
            long[] decFirst = weights.get("dec_c.main.0.conv.weight").shape();
            assertEquals(w, encFirst[0], "enc_c first conv outputs");
            assertEquals(3L * w, decFirst[1], "dec_c first conv inputs");
        }
    }

    @Test
    void framesAndPaddingFollowUpstream() {
        SilentCipherConfig c = SilentCipherConfig.sc16k();
        assertEquals(2048 - 20000 % 2048, c.rightPadding(20000));
        assertEquals(2048, c.rightPadding(4096)); // a full N_FFT for a multiple, as upstream
        assertEquals(21, c.frames(20000)); // the golden case: 20480 / 1024 + 1
    }

    @Test
    void missingKeysWrongTypesAndBadValuesAreReportedClearly(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("h.yaml");
        Files.writeString(yaml, HPARAMS_44K.replace("message_len: 21\n", "").replace("SR: 44100\n", ""));
        LockeyException missing = assertThrows(LockeyException.class, () -> SilentCipherConfig.fromYaml(yaml));
        assertTrue(missing.getMessage().contains("[SR, message_len]"), missing.getMessage());
        Files.writeString(yaml, HPARAMS_44K.replace("message_dim: 5", "message_dim: five"));
        LockeyException type = assertThrows(LockeyException.class, () -> SilentCipherConfig.fromYaml(yaml));
        assertTrue(type.getMessage().contains("message_dim"), type.getMessage());
        Files.writeString(yaml, HPARAMS_44K.replace("message_band_size: 1024", "message_band_size: 4000"));
        LockeyException band = assertThrows(LockeyException.class, () -> SilentCipherConfig.fromYaml(yaml));
        assertTrue(band.getMessage().contains("message_band_size 4000"), band.getMessage());
        Files.writeString(yaml, HPARAMS_44K.replace("HOP_LENGTH: 2048", "HOP_LENGTH: 1000"));
        assertThrows(LockeyException.class, () -> SilentCipherConfig.fromYaml(yaml));
        Files.writeString(yaml, HPARAMS_44K.replace("n_messages: 1", "n_messages: 2"));
        assertThrows(LockeyException.class, () -> SilentCipherConfig.fromYaml(yaml));
        assertThrows(LockeyException.class,
                () -> SilentCipherConfig.fromJson(new ObjectMapper().readTree("[1, 2]")));
    }

    @Test
    void yamlIsReadWithTheSafeConstructorOnly(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("evil.yaml");
        Files.writeString(yaml, "SR: !!java.io.File [\"/etc/passwd\"]\n");
        assertThrows(LockeyException.class, () -> SilentCipherConfig.fromYaml(yaml));
        Files.writeString(yaml, "- just\n- a list\n");
        LockeyException list = assertThrows(LockeyException.class, () -> SilentCipherConfig.fromYaml(yaml));
        assertTrue(list.getMessage().contains("mapping"), list.getMessage());
    }
}
