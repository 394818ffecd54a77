package org.lockey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The repository stands alone (issue 21): every relative Markdown link and every repository path written in
 * backticks in the README and the docs names a file that exists, and neither the docs nor the sources cite
 * notes that live outside the repository.
 */
class DocsTest {
    /** Notes that were never part of the repository; the docs hold their facts in our own words instead. */
    private static final Pattern OUTSIDE = Pattern.compile(
            "decisions\\.md|samediff-notes|upstream-architectures|shared/method|\\.\\./shared/");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern PATH = Pattern.compile("`((?:docs|src|reference-data|golden|\\.ci)/[^`\\s]*)`");
    /** A placeholder in a written path (RUN, DIR, {@code <x>}, globs, ellipses): not a concrete file. */
    private static final Pattern PLACEHOLDER = Pattern.compile("[<>*{}]|\\.\\.\\.|[A-Z]{3,}");

    /** Every broken reference of {@code text}, a Markdown file at {@code file} in the repository {@code root}. */
    static List<String> brokenReferences(Path root, Path file, String text) {
        List<String> broken = new ArrayList<>();
        Matcher link = LINK.matcher(text);
        while (link.find()) {
            String target = link.group(1);
            if (target.matches("[a-z]+:.*") || target.startsWith("#")) {
                continue;
            }
            Path p = file.getParent().resolve(target.split("#")[0]).normalize();
            if (!Files.exists(p)) {
                broken.add(root.relativize(file) + ": link " + target);
            }
        }
        Matcher path = PATH.matcher(text);
        while (path.find()) {
            String target = path.group(1).replaceAll("[.,;:)]+$", "");
            if (!PLACEHOLDER.matcher(target).find() && !Files.exists(root.resolve(target))) {
                broken.add(root.relativize(file) + ": path " + target);
            }
        }
        return broken;
    }

    /** Every line of {@code text} citing notes outside the repository, as {@code file:line}. */
    static List<String> outsideCitations(String name, String text) {
        List<String> found = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (OUTSIDE.matcher(lines[i]).find()) {
                found.add(name + ":" + (i + 1));
            }
        }
        return found;
    }

    private static Path root() {
        return Path.of("").toAbsolutePath();
    }

    private static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> markdown() {
        List<Path> md = new ArrayList<>(List.of(root().resolve("README.md")));
        md.addAll(files(root().resolve("docs"), ".md"));
        md.addAll(files(root().resolve("reference-data"), ".md"));
        return md;
    }

    @Test
    void theCheckersFindWhatTheyLookFor(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("docs"));
        Files.writeString(dir.resolve("docs/there.md"), "x");
        Path file = dir.resolve("docs/a.md");
        String text = "[ok](there.md) [anchor](#x) [web](https://example.org) [gone](missing.md#y)\n"
                + "`docs/there.md` `docs/none.md` `reference-data/RUN/model` `src/<pkg>/X.java`\n";
        assertEquals(List.of("docs/a.md: link missing.md#y", "docs/a.md: path docs/none.md"),
                brokenReferences(dir, file, text));
        assertEquals(List.of("f:2", "f:3"), outsideCitations("f", "fine\nsee decisions.md\n../shared/method/x\n"));
    }

    @Test
    void everyLinkAndWrittenPathOfTheDocsResolves() {
        List<String> broken = new ArrayList<>();
        for (Path md : markdown()) {
            broken.addAll(brokenReferences(root(), md, read(md)));
        }
        assertTrue(broken.isEmpty(), "broken references: " + broken);
    }

    @Test
    void noDocOrSourceCitesNotesOutsideTheRepository() {
        List<Path> all = new ArrayList<>(markdown());
        all.addAll(files(root().resolve("src/main/java"), ".java"));
        List<String> found = new ArrayList<>();
        for (Path p : all) {
            found.addAll(outsideCitations(root().relativize(p).toString(), read(p)));
        }
        assertTrue(found.isEmpty(), "cites notes outside the repository (bring the facts into docs/): " + found);
    }
}
