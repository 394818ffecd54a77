package org.lockey.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;
import org.lockey.audio.Wav;

/**
 * The demo page built from a small fake demo output ({@link FakeDemo}): every player links a file
 * that exists, every image is a PNG that decodes, every text is escaped, nothing outside the page and
 * its WAVs is referenced. Structure checks, parsed from the page, not strings copied from the writer;
 * {@link DemoReportBrowserTest} loads the page in a real browser.
 */
class DemoReportTest {
    private static final Pattern TAG = Pattern.compile("<(audio|img|a|script|link|iframe)\\b([^>]*)>");
    private static final Pattern ATTR = Pattern.compile("(src|href)=\"([^\"]*)\"");

    private static List<String[]> tags(String html) {
        List<String[]> tags = new ArrayList<>();
        Matcher m = TAG.matcher(html);
        while (m.find()) {
            Matcher a = ATTR.matcher(m.group(2));
            while (a.find()) {
                tags.add(new String[] {m.group(1), a.group(1), a.group(2).replace("&amp;", "&")});
            }
        }
        return tags;
    }

    @Test
    void pageHasAPlayerAndASpectrogramPerClipThatResolve(@TempDir Path tmp) throws Exception {
        FakeDemo.write(tmp, "o'brien <b>");
        Path page = DemoReport.write(tmp, Map.of("hifigan", "HiFi-GAN & speech <22 kHz>"));
        assertEquals(tmp.resolve(DemoReport.FILE), page);
        String html = Files.readString(page, StandardCharsets.UTF_8);
        assertTrue(html.startsWith("<!DOCTYPE html>"), "an HTML5 document");

        int audios = 0;
        int spectrograms = 0;
        int images = 0;
        for (String[] t : tags(html)) {
            String kind = t[0];
            String url = t[2];
            assertFalse(kind.equals("script") || kind.equals("link") || kind.equals("iframe"), "self-contained: " + kind);
            assertFalse(url.contains("://"), "nothing fetched from elsewhere: " + url);
            if (url.startsWith("data:")) {
                assertEquals("img", kind, url.substring(0, 20));
                assertTrue(url.startsWith("data:image/png;base64,"), url.substring(0, 30));
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder()
                        .decode(url.substring("data:image/png;base64,".length()))));
                assertNotNull(img, "the inline image decodes as PNG");
                assertTrue(img.getWidth() > 1 && img.getHeight() > 1);
                images++;
            } else {
                Path target = tmp.resolve(URLDecoder.decode(url, StandardCharsets.UTF_8));
                assertTrue(Files.isRegularFile(target), "links an existing file: " + url);
                assertTrue(Wav.read(target).frames() > 0, url);
                audios += kind.equals("audio") ? 1 : 0;
            }
        }
        Matcher specs = Pattern.compile("<img class=\"spec\"").matcher(html);
        while (specs.find()) {
            spectrograms++;
        }
        assertEquals(FakeDemo.CLIPS.size(), audios, "real, teacher, the user's and the invalid clip");
        assertEquals(audios, spectrograms, "a spectrogram beside every player");
        assertEquals(spectrograms + 1, images, "the spectrograms and the accuracy plot");
        assertTrue(Pattern.compile("<audio[^>]*\\bcontrols\\b").matcher(html).find(), "players have controls");

        // every text is escaped: no markup from the data survives
        assertFalse(html.contains("<b>") || html.contains("<22 kHz>") || html.contains("<friends>")
                || html.contains("<no encoder>"), "data is escaped");
        assertTrue(html.contains("o&#39;brien &lt;b&gt;") && html.contains("HiFi-GAN &amp; speech &lt;22 kHz&gt;"));

        // one verdict per figure: SDRs, separation, three accuracies, tracing of users and of invalid keys
        Matcher verdicts = Pattern.compile("<td class=\"(ok|miss)\">").matcher(html);
        int n = 0;
        while (verdicts.find()) {
            n++;
        }
        assertEquals(3 + 3 + 2, n);
    }

    @Test
    void aMissingClipIsAOneLineError(@TempDir Path tmp) throws Exception {
        Path dir = FakeDemo.write(tmp, "alice");
        Files.delete(dir.resolve("alice.wav"));
        LockeyException e = assertThrows(LockeyException.class, () -> DemoReport.write(tmp, Map.of()));
        assertTrue(e.getMessage().contains("alice.wav") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void verdictsFollowTheDirectionOfEachFigure() {
        assertTrue(DemoReport.sdrValidVerdict(25.5, 25.95).startsWith("matches"));
        assertTrue(DemoReport.sdrValidVerdict(0.65, 25.95).contains("25.3 dB below"));
        assertTrue(DemoReport.sdrInvalidVerdict(-28.1, 1.28).startsWith("as degraded"));
        assertTrue(DemoReport.sdrInvalidVerdict(3, 1.28).contains("1.7 dB less degraded"));
        assertTrue(DemoReport.separationVerdict(Demo.TARGET_SEPARATION_DB).endsWith(": met"));
        assertTrue(DemoReport.separationVerdict(Demo.TARGET_SEPARATION_DB - 0.1).endsWith("not met"));
        assertTrue(DemoReport.accuracyVerdict("gaus", 0.996, 1.0).startsWith("at or above"));
        assertTrue(DemoReport.accuracyVerdict("gaus", 0.98, 1.0).startsWith("0.020 below"));
        assertTrue(DemoReport.accuracyVerdict("orig", 0.94, 1.0).endsWith("not met"));
        assertTrue(DemoReport.accuracyVerdict("opus_32k", 1, null).startsWith("beyond the paper"));
        assertTrue(DemoReport.accuracyVerdict("mp3_64k", Double.NaN, 1.0).startsWith("not measured"));
    }
}
