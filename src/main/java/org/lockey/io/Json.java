package org.lockey.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.lockey.LockeyException;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one holder of the project's Jackson mappers (configured once; a configured mapper is thread-safe) and
 * of the few JSON operations the code repeats, so that files of one kind are written in one format and a
 * malformed file is reported in one line naming it (issue 21: they were some thirty mappers of their own).
 *
 * <p>The formats are those the files always had, byte for byte. Indented text is Jackson's default pretty
 * printer (two spaces, {@code "key" : value}, {@code [ 1, 2 ]}, {@code { }}), the same text as
 * {@link JsonNode#toPrettyString()}; some files end with a newline after it and some do not, hence
 * {@link #writePretty} and {@link #writePrettyWithNewline}. Compact text (checkpoint metadata) is
 * {@link JsonNode#toString()}. Fields keep the order they were put in. {@link SafeTensors} keeps its own,
 * stricter reader: its header is untrusted input with limits of its own.
 */
public final class Json {
    /** Parses (a repeated field: the last one wins) and makes nodes. */
    private static final ObjectMapper PLAIN = new ObjectMapper();
    /** Parses refusing a field repeated in one object. */
    private static final ObjectMapper REFUSING_REPEATED_FIELDS = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** Writes indented text ({@link SerializationFeature#INDENT_OUTPUT}). */
    private static final ObjectMapper INDENTED = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /** A new empty object. */
    public static ObjectNode object() {
        return PLAIN.createObjectNode();
    }

    /** A new empty array. */
    public static ArrayNode array() {
        return PLAIN.createArrayNode();
    }

    /**
     * Parses JSON held in memory (a checkpoint's metadata); the caller says where it came from when it is
     * malformed. Empty text is a missing node.
     */
    public static JsonNode tree(String text) throws JsonProcessingException {
        return PLAIN.readTree(text);
    }

    /** As {@link #tree(String)} from UTF-8 bytes, refusing a field repeated in an object (the key registry). */
    public static JsonNode treeRefusingRepeatedFields(byte[] utf8) throws IOException {
        return REFUSING_REPEATED_FIELDS.readTree(utf8);
    }

    /**
     * Reads a JSON file (an empty file is a missing node).
     *
     * @throws LockeyException {@code "<file>: not valid JSON (<Jackson's reason> at line L, column C)"} when it is
     *                         malformed
     * @throws IOException     when it cannot be read ({@link java.nio.file.NoSuchFileException} when missing): the
     *                         caller words this, since a missing file often means something of its own ("not a
     *                         model directory")
     */
    public static JsonNode read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return PLAIN.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new LockeyException(file + ": not valid JSON (" + problem(e) + ")", e);
        }
    }

    /** Why Jackson refused the text and where, on one line. */
    private static String problem(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return (e.getOriginalMessage() + where).replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** {@code node} as indented text, without a final newline. */
    public static String pretty(JsonNode node) {
        try {
            return INDENTED.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code node} as indented UTF-8 by Jackson's own encoder. It differs from {@link #pretty} in UTF-8 in one way:
     * a character outside the Basic Multilingual Plane (an emoji) is written as an escaped surrogate pair (twelve
     * ASCII characters) instead of its four bytes. The key registry has always been written so.
     */
    public static byte[] prettyUtf8(JsonNode node) {
        try {
            return INDENTED.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@link #pretty} of {@code node} to {@code file} atomically ({@link AtomicFiles}), no final newline. */
    public static void writePretty(Path file, JsonNode node) {
        AtomicFiles.writeString(file, pretty(node));
    }

    /** Writes {@link #pretty} of {@code node} and a newline to {@code file} atomically ({@link AtomicFiles}). */
    public static void writePrettyWithNewline(Path file, JsonNode node) {
        AtomicFiles.writeString(file, pretty(node) + "\n");
    }
}
