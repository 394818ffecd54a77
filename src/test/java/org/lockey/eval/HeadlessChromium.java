package org.lockey.eval;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A headless Chromium for tests, driven over the Chrome DevTools Protocol (CDP) with the JDK's own
 * WebSocket client: no browser-automation dependency. {@link #start} launches the browser with a fresh
 * profile and home directory in a temporary directory, reads the DevTools address from its stderr and
 * connects to its first page; {@link #call} sends a command and waits (bounded) for its result,
 * {@link #onEvent} hears every event. {@link #close} kills the browser's whole process tree and deletes
 * the temporary directory.
 */
final class HeadlessChromium implements AutoCloseable {
    /** System property naming the browser executable (overrides the search of {@code PATH}). */
    static final String PROPERTY = "lockey.chromium";
    /** Environment variable naming the browser executable (after {@link #PROPERTY}). */
    static final String ENV = "LOCKEY_CHROMIUM";
    /** The executables looked for on {@code PATH}, in order (Debian's and Ubuntu's names). */
    static final List<String> NAMES = List.of("chromium", "chromium-browser");

    private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Duration timeout;
    private final HttpClient http;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<BiConsumer<String, JsonNode>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private Process process;
    private WebSocket socket;

    private HeadlessChromium(Path dir, Duration timeout) {
        this.dir = dir;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The browser to use: {@value #PROPERTY}, else {@value #ENV}, else the first of {@link #NAMES} on {@code PATH}. */
    static Optional<Path> find() {
        String override = Optional.ofNullable(System.getProperty(PROPERTY)).orElse(System.getenv(ENV));
        if (override != null && !override.isBlank()) {
            return Optional.of(Path.of(override));
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return NAMES.stream()
                .flatMap(name -> Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isEmpty())
                        .map(d -> Path.of(d, name)))
                .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    /** Where {@link #find} looked, for a skip message. */
    static String searched() {
        return "looked for " + String.join(" and ", NAMES) + " on PATH (or -D" + PROPERTY + "=EXE, or " + ENV
                + "); the Debian package is chromium";
    }

    /**
     * Starts {@code executable} headless and connects to its page.
     *
     * @param timeout bound on every wait: the start, each command, the kill
     * @throws IOException when the browser does not start or answer in time (with the end of its stderr)
     */
    static HeadlessChromium start(Path executable, Duration timeout) throws IOException, InterruptedException {
        HeadlessChromium b = new HeadlessChromium(Files.createTempDirectory("lockey-chromium-"), timeout);
        try {
            b.launch(executable);
            return b;
        } catch (IOException | InterruptedException | RuntimeException e) {
            b.close();
            throw e;
        }
    }

    private void launch(Path executable) throws IOException, InterruptedException {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(executable.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--autoplay-policy=no-user-gesture-required", "--remote-debugging-port=0",
                "--user-data-dir=" + dir.resolve("profile"), "about:blank");
        // the browser writes its NSS database, caches and crash reports under HOME: keep them in here too
        pb.environment().put("HOME", home.toString());
        pb.environment().put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        pb.environment().put("XDG_CACHE_HOME", home.resolve(".cache").toString());
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
        process = pb.start();

        long end = System.nanoTime() + timeout.toNanos();
        URI browser = null;
        while (browser == null) {
            Matcher m = DEVTOOLS.matcher(Files.readString(stderr, StandardCharsets.UTF_8));
            if (m.find()) {
                browser = URI.create(m.group(1));
            } else if (!process.isAlive()) {
                throw new IOException(executable + " exited with " + process.exitValue() + " before DevTools listened: "
                        + stderrTail());
            } else if (System.nanoTime() > end) {
                throw new IOException(executable + ": no DevTools address on stderr within " + timeout + ": "
                        + stderrTail());
            } else {
                Thread.sleep(50);
            }
        }
        URI page = firstPage(URI.create("http://" + browser.getHost() + ":" + browser.getPort() + "/json/list"), end);
        try {
            socket = http.newWebSocketBuilder().connectTimeout(timeout).buildAsync(page, new Receiver())
                    .get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot connect to " + page + ": " + e, e);
        }
    }

    /** The WebSocket address of the browser's first page target (polled: it may be listed only after a moment). */
    private URI firstPage(URI list, long end) throws IOException, InterruptedException {
        while (true) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(list).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (JsonNode target : JSON.readTree(r.body())) {
                if (target.path("type").asText().equals("page") && target.has("webSocketDebuggerUrl")) {
                    return URI.create(target.get("webSocketDebuggerUrl").asText());
                }
            }
            if (System.nanoTime() > end) {
                throw new IOException("no page target in " + list + " within " + timeout + ": " + r.body());
            }
            Thread.sleep(50);
        }
    }

    /** Empty parameters, to fill with {@code put}. */
    static ObjectNode params() {
        return JSON.createObjectNode();
    }

    /** Sends a command; the future completes with its {@code result}, or exceptionally with its {@code error}. */
    CompletableFuture<JsonNode> send(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.put(id, result);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        synchronized (this) { // a WebSocket takes one send at a time
            socket.sendText(message.toString(), true).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
        }
        return result.whenComplete((r, e) -> pending.remove(id));
    }

    /** {@link #send} and the result, waited for at most the timeout. */
    JsonNode call(String method, ObjectNode params) throws IOException, InterruptedException {
        return await(send(method, params), method);
    }

    /** {@link #call} without parameters. */
    JsonNode call(String method) throws IOException, InterruptedException {
        return call(method, params());
    }

    /** {@code future}'s value, waited for at most the timeout; {@code what} names it in the failure. */
    <T> T await(CompletableFuture<T> future, String what) throws IOException, InterruptedException {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException(what + ": no answer from the browser within " + timeout);
        } catch (ExecutionException e) {
            throw new IOException(what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Hears every event: its method (e.g. {@code Runtime.consoleAPICalled}) and params (on the socket's thread). */
    void onEvent(BiConsumer<String, JsonNode> listener) {
        listeners.add(listener);
    }

    /** The params of the next event {@code method} (listen before sending what causes it). */
    CompletableFuture<JsonNode> next(String method) {
        CompletableFuture<JsonNode> event = new CompletableFuture<>();
        BiConsumer<String, JsonNode> listener = (m, params) -> {
            if (m.equals(method)) {
                event.complete(params);
            }
        };
        listeners.add(listener);
        return event.whenComplete((p, e) -> listeners.remove(listener));
    }

    /** The end of the browser's stderr, for failure messages. */
    String stderrTail() {
        try {
            String s = Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8);
            s = s.strip();
            return s.length() <= 2000 ? s : "..." + s.substring(s.length() - 2000);
        } catch (IOException e) {
            return "(no stderr: " + e.getMessage() + ")";
        }
    }

    /** Kills the browser and every process it started, waits for them (bounded), deletes the temporary directory. */
    @Override
    public void close() {
        boolean interrupted = Thread.interrupted(); // a test timed out: still clean up, then say so again
        if (socket != null) {
            socket.abort();
        }
        if (process != null) {
            List<ProcessHandle> killed = new ArrayList<>(process.descendants().toList());
            killed.add(process.toHandle());
            // the crash handler daemonises out of the tree; it, like every process of ours, names our directory
            ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(dir.toString()))
                    .forEach(killed::add);
            killed.forEach(ProcessHandle::destroyForcibly);
            long end = System.nanoTime() + timeout.toNanos();
            for (ProcessHandle p : killed) {
                try {
                    p.onExit().get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException | ExecutionException | TimeoutException e) {
                    // the kill was sent; deleting below is best effort
                }
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // gone already
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reassembles each text message, answers the pending command or tells the listeners. */
    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                dispatch(message.toString());
                message.setLength(0);
            }
            ws.request(1);
            return null;
        }

        private void dispatch(String text) {
            JsonNode m;
            try {
                m = JSON.readTree(text);
            } catch (IOException e) {
                return; // not CDP
            }
            if (m.has("id")) {
                CompletableFuture<JsonNode> result = pending.get(m.get("id").asInt());
                if (result != null && m.has("error")) {
                    result.completeExceptionally(new IOException(m.get("error").path("message").asText()));
                } else if (result != null) {
                    result.complete(m.path("result"));
                }
            } else {
                for (BiConsumer<String, JsonNode> l : listeners) {
                    l.accept(m.path("method").asText(), m.path("params"));
                }
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            failPending(new IOException("the browser closed the connection (" + status + " " + reason + ")"));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            failPending(new IOException("connection to the browser failed: " + error, error));
        }

        private void failPending(IOException e) {
            pending.values().forEach(f -> f.completeExceptionally(e));
        }
    }
}
