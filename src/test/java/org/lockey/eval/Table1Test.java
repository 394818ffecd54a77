package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.data.AudioDataset;
import org.lockey.distortion.GaussianNoise;
import org.lockey.distortion.Identity;
import org.lockey.model.silentcipher.SilentCipher;
import org.lockey.model.silentcipher.WatermarkModel;
import org.lockey.train.TinyWatermark;

/** Table I on a tiny model: one inference graph for the whole run (it used to build one per embedding and decoding). */
class Table1Test {
    @Test
    void aRunBuildsOneGraphWhateverTheClipsAndColumns(@TempDir Path tmp) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        WatermarkModel m = TinyWatermark.model(data, tmp.resolve("m"), 1);
        AudioDataset ds = AudioDataset.load(data, null, 8000);
        long before = SilentCipher.graphsBuilt();
        Table1.Result r = Table1.run(m, ds, 3, x -> x, List.of(new Identity(), GaussianNoise.tableI()),
                m.config().messageSdr(), 1, "test");
        // one per embedding and per decoding would be 3 x (1 + 2) = 9
        assertEquals(1, SilentCipher.graphsBuilt() - before, "graphs built by a 3-clip, 2-column run");
        r.accuracy().values().forEach(a -> assertTrue(a >= 0 && a <= 1, "accuracy " + a));
    }
}
