package org.lockey.model.encodec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;
import org.lockey.nn.Pad;

/**
 * The HF name table (transformers convert_encodec_checkpoint_to_pytorch.py) and checkpoint import:
 * HF- and audiocraft-named checkpoints import to the same model; mismatches are listed at once.
 */
class HfKeyMapTest {

    @Test
    void tableAsTransformersConvertsIt() {
        assertEquals("decoder.layers.0.conv.weight_g", HfKeyMap.toHf("decoder.model.0.conv.conv.weight_g"));
        assertEquals("decoder.layers.1.lstm.weight_ih_l0", HfKeyMap.toHf("decoder.model.1.lstm.weight_ih_l0"));
        assertEquals("decoder.layers.3.conv.weight_v", HfKeyMap.toHf("decoder.model.3.convtr.convtr.weight_v"));
        assertEquals("decoder.layers.4.block.1.conv.bias", HfKeyMap.toHf("decoder.model.4.block.1.conv.conv.bias"));
        assertEquals("decoder.layers.13.block.3.conv.weight_g",
                HfKeyMap.toHf("decoder.model.13.block.3.conv.conv.weight_g"));
        assertEquals("encoder.layers.4.shortcut.conv.weight_v", HfKeyMap.toHf("encoder.model.4.shortcut.conv.conv.weight_v"));
        assertEquals("encoder.layers.13.lstm.bias_hh_l1", HfKeyMap.toHf("encoder.model.13.lstm.bias_hh_l1"));
        assertEquals("encoder.layers.15.conv.bias", HfKeyMap.toHf("encoder.model.15.conv.conv.bias"));
        assertEquals("quantizer.layers.3.codebook.embed", HfKeyMap.toHf("quantizer.vq.layers.3._codebook.embed"));
        assertEquals("quantizer.layers.0.codebook.embed_avg", HfKeyMap.toHf("quantizer.vq.layers.0._codebook.embed_avg"));
        assertEquals("decoder.layers.3.conv.weight_g",
                HfKeyMap.normalizeWeightNorm("decoder.layers.3.conv.parametrizations.weight.original0"));
        assertEquals("decoder.layers.3.conv.weight_v",
                HfKeyMap.normalizeWeightNorm("decoder.layers.3.conv.parametrizations.weight.original1"));
        assertTrue(HfKeyMap.isHf(Set.of("a", "quantizer.layers.0.codebook.embed")));
        assertTrue(!HfKeyMap.isHf(Set.of("decoder.model.0.conv.conv.bias", "quantizer.vq.layers.0._codebook.embed")));
    }

    static CompressionConfig tiny() {
        return new CompressionConfig(32_000,
                SeanetConfig.musicgen32k().withSize(8, 2).withRatios(java.util.List.of(4, 2)).withPadding(Pad.Mode.REFLECT,
                        false),
                new RvqConfig(2, 8, 8));
    }

    static Map<String, Tensor> renamed(Map<String, Tensor> w, java.util.function.UnaryOperator<String> f) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        w.forEach((k, t) -> out.put(f.apply(k), new Tensor(f.apply(k), t.dtype(), t.shape(), t.data())));
        return out;
    }

    @Test
    void hfAndAudiocraftCheckpointsImportToTheSameModel(@TempDir Path dir) {
        CompressionConfig cfg = tiny();
        Encodec reference = Encodec.random(cfg, 11, true);
        Map<String, Tensor> ac = reference.weights();
        SafeTensors.write(dir.resolve("ac.safetensors"), ac, Map.of());
        SafeTensors.write(dir.resolve("hf.safetensors"), renamed(ac, HfKeyMap::toHf), Map.of());
        // Newer PyTorch: parametrised weight norm in HF names.
        SafeTensors.write(dir.resolve("hfp.safetensors"), renamed(ac, k -> HfKeyMap.toHf(k)
                .replace(".weight_g", ".parametrizations.weight.original0")
                .replace(".weight_v", ".parametrizations.weight.original1")), Map.of());

        long[][][] codes = {{{1, 7, 3, 0, 5}, {2, 2, 6, 4, 1}}};
        float[] want = reference.decode(codes);
        float[] audio = new float[1000];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (float) Math.sin(i * 0.05);
        }
        long[][][] wantCodes = reference.encode(audio);
        for (String name : new String[] {"ac", "hf", "hfp"}) {
            Path out = dir.resolve("out-" + name);
            Encodec.importCheckpoint(cfg, dir.resolve(name + ".safetensors"), out);
            Encodec loaded = Encodec.load(out);
            assertEquals(cfg, loaded.config());
            assertEquals(ac.keySet(), SafeTensors.read(out.resolve(Encodec.WEIGHTS_FILE)).tensors().keySet());
            assertArrayEquals(want, loaded.decode(codes), 0.0f, name);
            assertArrayEquals(wantCodes[0][1], loaded.encode(audio)[0][1], name);
        }
    }

    @Test
    void mismatchedCheckpointListsEveryProblem(@TempDir Path dir) {
        CompressionConfig cfg = tiny();
        Map<String, Tensor> w = new LinkedHashMap<>(Encodec.random(cfg, 12, true).weights());
        w.remove("decoder.model.1.lstm.bias_hh_l1");
        w.remove("encoder.model.0.conv.conv.weight_g");
        w.put("decoder.model.99.conv.conv.bias", Tensor.ofFloats("decoder.model.99.conv.conv.bias", new float[1], 1));
        w.put("decoder.model.0.conv.conv.bias", Tensor.ofFloats("decoder.model.0.conv.conv.bias", new float[3], 3));
        SafeTensors.write(dir.resolve("bad.safetensors"), w, Map.of());
        LockeyException e = assertThrows(LockeyException.class,
                () -> Encodec.importCheckpoint(cfg, dir.resolve("bad.safetensors"), dir.resolve("out")));
        String m = e.getMessage();
        assertTrue(m.contains("bad.safetensors"), m);
        assertTrue(m.contains("missing 2") && m.contains("decoder.model.1.lstm.bias_hh_l1")
                && m.contains("encoder.model.0.conv.conv.weight_g"), m);
        assertTrue(m.contains("unexpected 1 [decoder.model.99.conv.conv.bias]"), m);
        assertTrue(m.contains("mis-shaped 1 [decoder.model.0.conv.conv.bias [3] (model [8])]"), m);
        assertTrue(!dir.resolve("out").resolve(Encodec.WEIGHTS_FILE).toFile().exists(), "nothing written");
    }

    @Test
    void decoderOnlyCheckpointDecodesButCannotEncode() {
        CompressionConfig cfg = tiny();
        Map<String, Tensor> w = new LinkedHashMap<>(Encodec.random(cfg, 13, false).weights());
        Encodec m = Encodec.of(cfg, w, "dec-only");
        assertEquals(8 * 5, m.decode(new long[][][] {{{1, 2, 3, 4, 5}, {0, 0, 0, 0, 0}}}).length);
        LockeyException e = assertThrows(LockeyException.class, () -> m.encode(new float[100]));
        assertTrue(e.getMessage().contains("no encoder"), e.getMessage());
    }
}
