package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The demo page in a real browser (issue 23): headless Chromium opens {@code report.html} built from
 * {@link FakeDemo} as a listener would (a {@code file:} URL), every player loads its clip's metadata,
 * every image decodes, and no script error, console error or failed load is logged. Skipped, with the
 * reason, where no Chromium is installed ({@code .ci/run} installs the Debian package).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DemoReportBrowserTest {
    /** Bound on starting the browser and on each of its answers. */
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Bound on each player's metadata and each image, in the page. */
    private static final int MEDIA_MS = 15_000;

    /** In the page: waits for every player and image to settle, then reports what did not load. */
    private static final String CHECK = """
            (async () => {
              const limit = new Promise(resolve => setTimeout(resolve, %d));
              const settled = (el, ready, events) => ready() ? null : Promise.race([limit,
                  new Promise(resolve => events.forEach(e => el.addEventListener(e, resolve, {once: true})))]);
              const audios = [...document.querySelectorAll('audio')];
              const images = [...document.images];
              await Promise.all([
                ...audios.map(a => settled(a, () => a.error || a.readyState >= 1, ['loadedmetadata', 'error'])),
                ...images.map(i => settled(i, () => i.complete, ['load', 'error']))]);
              const problems = [];
              for (const a of audios) {
                const name = `<audio src="${a.getAttribute('src')}">`;
                if (a.error) problems.push(`${name}: media error ${a.error.code} ${a.error.message}`);
                else if (a.readyState < 1) problems.push(`${name}: no metadata in time (readyState ${a.readyState})`);
              }
              for (const i of images) {
                if (!i.complete || i.naturalWidth === 0) {
                  const state = `complete ${i.complete}, naturalWidth ${i.naturalWidth}`;
                  problems.push(`<img alt="${i.alt}">: not decoded (${state})`);
                }
              }
              return {durations: audios.map(a => a.duration), images: images.length, problems};
            })()
            """.formatted(MEDIA_MS);

    /**
     * What the browser made of a page.
     *
     * @param durations the length of each player's clip in seconds, as the browser decoded it (NaN: not loaded)
     * @param images    the number of images
     * @param problems  every problem, each naming its element or quoting its message
     */
    private record Loaded(List<Double> durations, int images, List<String> problems) {
    }

    @Test
    void everyPlayerAndImageLoadsWithoutAnError(@TempDir Path tmp) throws Exception {
        FakeDemo.write(tmp, "o'brien <b>");
        Loaded page = load(DemoReport.write(tmp, Map.of("hifigan", "HiFi-GAN & speech <22 kHz>")));
        assertEquals(List.of(), page.problems());
        assertEquals(FakeDemo.CLIPS.size(), page.durations().size(), "a player per clip");
        page.durations().forEach(d -> assertEquals(FakeDemo.SECONDS, d, 0.01, "each clip's length, as decoded"));
        assertEquals(FakeDemo.IMAGES, page.images(), "a spectrogram per clip and the accuracy plot");
    }

    /**
     * The page a real demo wrote, when named by {@code -Dlockey.demo.page=OUT/report.html} ({@code .ci/fresh-machine}
     * runs this after {@code ./lockey demo}): every player loads a clip of some length, every image decodes, nothing
     * logs an error.
     */
    @Test
    void aRealDemoPagePlaysEveryClip() throws Exception {
        String page = System.getProperty("lockey.demo.page");
        assumeTrue(page != null, "no -Dlockey.demo.page=OUT/report.html: the page of a real demo is checked on request");
        Loaded loaded = load(Path.of(page));
        assertEquals(List.of(), loaded.problems());
        assertTrue(loaded.durations().size() >= 2 && loaded.images() >= 2,
                loaded.durations().size() + " players and " + loaded.images() + " images");
        loaded.durations().forEach(d -> assertTrue(d > 0.1, "a clip of " + d + " s"));
    }

    /** The check can fail: a clip gone, a spectrogram corrupted, a stylesheet missing, a script error: each is named. */
    @Test
    void everyKindOfBreakageIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = FakeDemo.write(tmp, "alice");
        Path page = DemoReport.write(tmp, Map.of());
        Files.delete(dir.resolve("alice.wav"));
        String html = Files.readString(page, StandardCharsets.UTF_8)
                .replaceFirst("src=\"data:image/png;base64,", "src=\"data:image/png;base64,AAAA")
                .replace("</head>", "<link rel=\"stylesheet\" href=\"missing.css\">\n</head>")
                .replace("</body>", "<script>console.error('from the page'); null.x;</script>\n</body>");
        Files.writeString(page, html, StandardCharsets.UTF_8);

        List<String> problems = load(page).problems();
        String all = String.join("\n", problems);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("<audio src=\"hifigan/alice.wav\">: media error")), all);
        assertTrue(problems.contains("<img alt=\"spectrogram of real.wav\">: not decoded (complete true, naturalWidth 0)"),
                all);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("logged error (network)") && p.endsWith("/missing.css")),
                all);
        assertTrue(problems.contains("console error: from the page"), all);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("uncaught exception: TypeError")), all);
        List<String> causes = List.of("alice.wav", "real.wav", "missing.css", "from the page", "TypeError");
        assertEquals(List.of(), problems.stream().filter(p -> causes.stream().noneMatch(p::contains)).toList(),
                "nothing else fails");
    }

    /** Opens {@code page} in a fresh headless Chromium and checks it (skips where there is none). */
    private static Loaded load(Path page) throws Exception {
        Optional<Path> chromium = HeadlessChromium.find();
        assumeTrue(chromium.isPresent(), () -> "no Chromium on PATH: " + HeadlessChromium.searched());
        try (HeadlessChromium browser = HeadlessChromium.start(chromium.get(), TIMEOUT)) {
            List<String> problems = new CopyOnWriteArrayList<>();
            browser.onEvent((method, params) -> problem(method, params).ifPresent(problems::add));
            browser.call("Runtime.enable");
            browser.call("Log.enable");
            browser.call("Page.enable");
            CompletableFuture<JsonNode> loaded = browser.next("Page.loadEventFired");
            String url = page.toUri().toString();
            JsonNode navigation = browser.call("Page.navigate", HeadlessChromium.params().put("url", url));
            assertTrue(navigation.path("errorText").isMissingNode(), () -> url + ": " + navigation.path("errorText"));
            browser.await(loaded, "the page's load event");
            JsonNode r = browser.call("Runtime.evaluate", HeadlessChromium.params().put("expression", CHECK)
                    .put("awaitPromise", true).put("returnByValue", true));
            assertTrue(r.path("exceptionDetails").isMissingNode(), () -> "the check failed: " + r.path("exceptionDetails"));
            JsonNode value = r.path("result").path("value");
            value.path("problems").forEach(p -> problems.add(p.asText()));
            List<Double> durations = new ArrayList<>();
            value.path("durations").forEach(d -> durations.add(d.isNumber() ? d.asDouble() : Double.NaN));
            return new Loaded(durations, value.path("images").asInt(), new ArrayList<>(problems));
        }
    }

    /** A CDP event as a problem: an uncaught exception, a console error, or a logged error (e.g. a failed load). */
    private static Optional<String> problem(String method, JsonNode p) {
        return switch (method) {
            case "Runtime.exceptionThrown" -> {
                JsonNode d = p.path("exceptionDetails");
                String text = d.path("exception").path("description").asText(d.path("text").asText());
                yield Optional.of("uncaught exception: " + text);
            }
            case "Runtime.consoleAPICalled" -> {
                List<String> args = new ArrayList<>();
                p.path("args").forEach(a -> args.add(a.has("value") ? a.get("value").asText()
                        : a.path("description").asText()));
                yield p.path("type").asText().equals("error") ? Optional.of("console error: " + String.join(" ", args))
                        : Optional.empty();
            }
            case "Log.entryAdded" -> {
                JsonNode e = p.path("entry");
                yield e.path("level").asText().equals("error") ? Optional.of("logged error (" + e.path("source").asText()
                        + "): " + e.path("text").asText() + " " + e.path("url").asText()) : Optional.empty();
            }
            default -> Optional.empty();
        };
    }
}
