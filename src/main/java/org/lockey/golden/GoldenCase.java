package org.lockey.golden;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.lockey.LockeyException;
import org.lockey.io.Json;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One golden case: an {@code <case>.io.safetensors} file whose metadata names the component, its
 * upstream {@code config}, the input and output tensor names, the weights file and the tolerance
 * (format: {@code golden/README.md}).
 *
 * @param path      the io file
 * @param io        its tensors and metadata
 * @param name      the case name (metadata {@code case}, else the file stem)
 * @param component the component id, e.g. {@code hifigan.generator}
 * @param config    the upstream constructor arguments / hparams
 * @param inputs    names of the tensors the port is given
 * @param outputs   names of the tensors the port must reproduce
 * @param weights   the weights file's tensors, or null when the case has none
 * @param tolerance the relative tolerance of the rule {@code max|port-ref| <= tol * max(1, max|ref|)}
 */
public record GoldenCase(Path path, SafeTensors io, String name, String component, JsonNode config,
        List<String> inputs, List<String> outputs, SafeTensors weights, double tolerance) {

    /** Loads an io file and, when its metadata names one, the weights file beside it. */
    public static GoldenCase load(Path path) {
        SafeTensors io = SafeTensors.read(path);
        Map<String, String> meta = io.metadata();
        String component = required(path, meta, "component");
        String stem = path.getFileName().toString().replaceFirst("\\.io\\.safetensors$", "");
        String name = meta.getOrDefault("case", stem);
        JsonNode config = json(path, "config", meta.getOrDefault("config", "{}"));
        List<String> inputs = names(path, "inputs", meta.getOrDefault("inputs", "[]"));
        List<String> outputs = names(path, "outputs", required(path, meta, "outputs"));
        for (String n : inputs) {
            io.get(n);
        }
        for (String n : outputs) {
            io.get(n);
        }
        String weightsName = meta.getOrDefault("weights", "");
        SafeTensors weights = null;
        if (!weightsName.isEmpty() && !weightsName.equals("none")) {
            Path wp = path.resolveSibling(weightsName);
            if (!Files.exists(wp)) {
                throw new LockeyException(path + ": weights file " + weightsName + " not found beside it");
            }
            weights = SafeTensors.read(wp);
        }
        double tol;
        try {
            tol = Double.parseDouble(meta.getOrDefault("tolerance", "1e-4"));
        } catch (NumberFormatException e) {
            throw new LockeyException(path + ": metadata 'tolerance' is not a number");
        }
        return new GoldenCase(path, io, name, component, config, inputs, outputs, weights, tol);
    }

    /** The named input or output tensor. */
    public Tensor tensor(String name) {
        return io.get(name);
    }

    /** The weights by key (empty when the case has no weights file). */
    public Map<String, Tensor> weightTensors() {
        return weights == null ? Map.of() : weights.tensors();
    }

    /** A metadata entry, or {@code fallback}. */
    public String meta(String key, String fallback) {
        return io.metadata().getOrDefault(key, fallback);
    }

    private static String required(Path path, Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) {
            throw new LockeyException(path + ": not a golden io file (metadata '" + key + "' missing)");
        }
        return v;
    }

    private static JsonNode json(Path path, String key, String text) {
        try {
            return Json.tree(text);
        } catch (JsonProcessingException e) {
            throw new LockeyException(path + ": metadata '" + key + "' is not valid JSON");
        }
    }

    private static List<String> names(Path path, String key, String text) {
        JsonNode n = json(path, key, text);
        if (!n.isArray()) {
            throw new LockeyException(path + ": metadata '" + key + "' is not a JSON list");
        }
        List<String> out = new ArrayList<>();
        n.forEach(e -> out.add(e.asText()));
        return out;
    }
}
