package org.lockey.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.lockey.audio.Audio;
import org.lockey.audio.Wav;
import org.lockey.data.AudioDataset;
import org.lockey.eval.KeyedSystem;
import org.lockey.io.AtomicFiles;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;

/**
 * A small corpus made once per test JVM with the shipped keyed HiFi-GAN: valid-key outputs of two users (alice and
 * bob, keys issued in a temporary copy of the shipped registry), an invalid-key output, a clean clip and a file that
 * is not audio. {@link #expected} is what the test knows of each clip from how it was made, not from tracing it.
 */
final class Corpus {
    static final Path MODEL = Path.of("reference-data/models/lockey-hifigan");
    static final Path BASE = Path.of("reference-data/models/hifigan");
    static final Path SPEECH = Path.of("reference-data/speech");

    private static Corpus made;

    final Path root;
    final Path registry;
    final Path clips;
    /** Clip path -> the user behind it ("" for none, "error" for the file that is not audio). */
    final Map<String, String> expected = new LinkedHashMap<>();

    private Corpus(Path root) {
        this.root = root;
        this.registry = root.resolve("registry.json");
        this.clips = root.resolve("clips");
    }

    static synchronized Corpus get() {
        if (made == null) {
            try {
                Path root = Files.createTempDirectory("lockey-spark-test-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        AtomicFiles.deleteTree(root);
                    } catch (IOException e) {
                        // a temporary directory left behind
                    }
                }));
                made = new Corpus(root);
                made.make();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return made;
    }

    private void make() throws IOException {
        Files.createDirectories(clips);
        Files.copy(Path.of("reference-data/models/registry-hifigan.json"), registry);
        Key alice = KeyRegistry.update(registry, r -> r.issue("alice"));
        Key bob = KeyRegistry.update(registry, r -> r.issue("bob"));
        KeyRegistry reg = KeyRegistry.load(registry);
        KeyedSystem sys = KeyedSystem.load(MODEL, BASE);
        int rate = sys.sampleRate();
        AudioDataset speech = AudioDataset.load(SPEECH, null, rate);
        write("alice-0.wav", sys.generate(speech.clip(0), alice), rate, "alice");
        write("bob-1.wav", sys.generate(speech.clip(1), bob), rate, "bob");
        write("sub/alice-2.wav", sys.generate(speech.clip(2), alice), rate, "alice");
        write("invalid-3.wav", sys.generate(speech.clip(3), reg.randomInvalid(new SplittableRandom(7))), rate, "");
        write("clean-4.wav", speech.clip(4), rate, "");
        Path broken = clips.resolve("broken.wav");
        Files.writeString(broken, "not audio");
        expected.put(broken.toString(), "error");
    }

    private void write(String name, float[] x, int rate, String user) throws IOException {
        Path f = clips.resolve(name);
        Files.createDirectories(f.getParent());
        Wav.writePcm16(f, Audio.mono(x, rate));
        expected.put(f.toString(), user);
    }
}
