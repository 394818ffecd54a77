package org.lockey.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The formats {@link Json} writes are the ones the files always had (written out by hand here), a malformed
 * file is one line naming it, and a round trip keeps the order of the fields.
 */
class JsonTest {
    @TempDir
    Path dir;

    /** A tree with every kind of node the project writes. */
    private static ObjectNode sample() {
        ObjectNode o = Json.object();
        o.put("kind", "lockey-hifigan").put("steps", 1050L).put("lr", 2e-4).put("sdr_db", 30.0).put("ratio", 0.75f);
        o.putNull("fmax_for_loss");
        o.putArray("rates").add(8).add(8).add(2);
        o.putArray("empty");
        o.putObject("nothing");
        o.putObject("key").put("bits", 16).put("pooling", "flat");
        return o;
    }

    @Test
    void prettyIsJacksonsDefaultPrettyPrinterWithoutFinalNewline() {
        String expected = """
                {
                  "kind" : "lockey-hifigan",
                  "steps" : 1050,
                  "lr" : 2.0E-4,
                  "sdr_db" : 30.0,
                  "ratio" : 0.75,
                  "fmax_for_loss" : null,
                  "rates" : [ 8, 8, 2 ],
                  "empty" : [ ],
                  "nothing" : { },
                  "key" : {
                    "bits" : 16,
                    "pooling" : "flat"
                  }
                }""";
        assertEquals(expected, Json.pretty(sample()));
    }

    /** The files once written with {@code toPrettyString()} are now written with {@link Json#pretty}: one text. */
    @Test
    void prettyIsToPrettyString() throws IOException {
        ObjectNode o = sample();
        o.put("nan", Double.NaN).put("infinity", Double.NEGATIVE_INFINITY).put("long", Long.MAX_VALUE)
                .put("decimal", new BigDecimal("1.000E+3")).put("integer", new BigInteger("123456789012345678901234567890"))
                .put("text", "\u00e9\u2028\t\"\\</\u0001\ud83d\ude00").put("tiny", 1e-7).put("huge", 1e21);
        o.putArray("mixed").add(1).add(2.0).add(true).addArray().add("x");
        o.set("parsed", Json.tree("{\"a\": 1.10, \"b\": [1e2, 10000000000000000000000, -0.0]}"));
        assertEquals(o.toPrettyString(), Json.pretty(o));
    }

    @Test
    void writesExactlyTheTextWithOrWithoutFinalNewline() throws IOException {
        ObjectNode o = Json.object().put("a", 1);
        Json.writePretty(dir.resolve("bare.json"), o);
        Json.writePrettyWithNewline(dir.resolve("line.json"), o);
        assertArrayEquals("{\n  \"a\" : 1\n}".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(dir.resolve("bare.json")));
        assertArrayEquals("{\n  \"a\" : 1\n}\n".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(dir.resolve("line.json")));
    }

    @Test
    void prettyUtf8EscapesWhatIsOutsideTheBasicPlaneAndNothingElse() {
        ObjectNode o = Json.object().put("user", "\u00e9\ud83d\ude00");
        assertEquals("{\n  \"user\" : \"\u00e9\\uD83D\\uDE00\"\n}", new String(Json.prettyUtf8(o), StandardCharsets.UTF_8));
        assertEquals("{\n  \"user\" : \"\u00e9\ud83d\ude00\"\n}", Json.pretty(o));
        ObjectNode bmp = Json.object().put("user", "\u00e9 caf\u00e9 \u4e2d");
        assertArrayEquals(Json.pretty(bmp).getBytes(StandardCharsets.UTF_8), Json.prettyUtf8(bmp));
    }

    @Test
    void roundTripKeepsFieldOrder() throws IOException {
        ObjectNode o = Json.object();
        for (String k : List.of("zeta", "alpha", "mid", "beta", "omega", "a")) {
            o.put(k, k.length());
        }
        Json.writePretty(dir.resolve("order.json"), o);
        JsonNode back = Json.read(dir.resolve("order.json"));
        List<String> names = new ArrayList<>();
        back.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("zeta", "alpha", "mid", "beta", "omega", "a"), names);
        assertEquals(o, back);
        assertEquals(o.toString(), Json.tree(o.toString()).toString());
    }

    @Test
    void malformedFileIsOneLineNamingTheFileAndWhere() throws IOException {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\n  \"a\" : 1,\n  \"b\" 2\n}\n");
        LockeyException e = assertThrows(LockeyException.class, () -> Json.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ": not valid JSON (Unexpected character ('2'"), e.getMessage());
        assertTrue(e.getMessage().endsWith(" at line 3, column 7)"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());

        Path cut = dir.resolve("cut.json");
        Files.writeString(cut, "{\"a\": [1, 2");
        String m = assertThrows(LockeyException.class, () -> Json.read(cut)).getMessage();
        assertTrue(m.startsWith(cut + ": not valid JSON (Unexpected end-of-input"), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void missingFileIsLeftToTheCaller() {
        assertThrows(NoSuchFileException.class, () -> Json.read(dir.resolve("none.json")));
    }

    @Test
    void repeatedFieldIsRefusedOnlyWhereAsked() throws IOException {
        String text = "{\"a\": 1, \"a\": 2}";
        assertEquals(2, Json.tree(text).get("a").asInt());
        JsonProcessingException e = assertThrows(JsonProcessingException.class,
                () -> Json.treeRefusingRepeatedFields(text.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getOriginalMessage().startsWith("Duplicate field 'a'"), e.getOriginalMessage());
        assertEquals(1, Json.treeRefusingRepeatedFields("{\"a\": 1}".getBytes(StandardCharsets.UTF_8)).get("a").asInt());
    }
}
