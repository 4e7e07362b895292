package io.meshid.sidecar.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workload behind a sidecar in tests: the JDK's HTTP server on loopback. {@code /echo} answers
 * with the request's headers (one {@code name: value} line each, lowercase names) and, for a body,
 * the body after a blank line; {@code /big?mb=N} streams N MiB; every path counts its hits.
 * Thread-safe.
 */
public final class TestWorkload implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final List<Map<String, List<String>>> seenHeaders = new CopyOnWriteArrayList<>();
    private final AtomicLong bigBytesWritten = new AtomicLong();

    public TestWorkload() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        seenHeaders.add(Map.copyOf(exchange.getRequestHeaders()));
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        if (path.equals("/slow")) {
            try {
                Thread.sleep(Long.parseLong(exchange.getRequestURI().getQuery().substring(3)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (path.equals("/big")) {
            int mb = Integer.parseInt(exchange.getRequestURI().getQuery().substring(3));
            exchange.sendResponseHeaders(200, (long) mb * 1024 * 1024);
            byte[] chunk = new byte[64 * 1024];
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < mb * 16; i++) {
                    out.write(chunk);
                    bigBytesWritten.addAndGet(chunk.length);
                }
            }
            return;
        }
        StringBuilder text = new StringBuilder();
        exchange.getRequestHeaders().forEach((name, values) -> {
            for (String v : values) {
                text.append(name.toLowerCase(java.util.Locale.ROOT)).append(": ").append(v).append('\n');
            }
        });
        text.append('\n').append(new String(body, StandardCharsets.UTF_8));
        byte[] answer = text.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "text/plain");
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    public long bigBytesWritten() {
        return bigBytesWritten.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
