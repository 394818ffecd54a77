package org.lockey.corpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import org.lockey.LockeyException;

/**
 * The clips of {@code trace --in}: a directory (every {@code .wav} file under it, at any depth, sorted) or a list
 * file (one path per line; blank lines and lines starting with {@code #} skipped; relative paths are relative to the
 * list's directory; each clip once, in the list's order).
 */
public final class CorpusInput {
    private CorpusInput() {
    }

    /**
     * The clips {@code in} names, as paths in text (what a row's {@code clip} shows).
     *
     * @throws LockeyException {@code in} does not exist, cannot be read, or names no clip
     */
    public static List<String> clips(Path in) {
        if (Files.isDirectory(in)) {
            List<String> out;
            try (Stream<Path> s = Files.walk(in)) {
                out = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav"))
                        .filter(Files::isRegularFile).map(Path::toString).sorted().toList();
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new LockeyException(in + ": cannot list (" + e.getMessage() + ")");
            }
            if (out.isEmpty()) {
                throw new LockeyException(in + ": no .wav files");
            }
            return out;
        }
        if (!Files.exists(in)) {
            throw new LockeyException(in + ": no such directory or list file");
        }
        if (in.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav")) {
            return List.of(in.toString());
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(in);
        } catch (IOException e) {
            throw new LockeyException(in + ": cannot read the list of clips (" + e.getMessage() + ")");
        }
        Path base = in.toAbsolutePath().getParent();
        Set<String> out = new LinkedHashSet<>();
        for (String line : lines) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            Path p = Path.of(s);
            out.add((p.isAbsolute() ? p : base.resolve(p)).normalize().toString());
        }
        if (out.isEmpty()) {
            throw new LockeyException(in + ": the list names no clip");
        }
        return new ArrayList<>(out);
    }
}
