package io.meshid.demo.whoami;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * The dev mesh's HTTP workload: {@code GET /whoami} answers with JSON naming the caller identity
 * that its sidecar passed in {@code x-forwarded-client-cert}. It knows nothing of meshid beyond
 * that one header: no TLS, no keys, it listens on loopback and trusts its sidecar, which is the
 * point of the sidecar. Plain JDK {@code HttpServer} on virtual threads.
 *
 * <p>{@code java -cp … io.meshid.demo.whoami.WhoamiService HOST:PORT} (port 0: the OS chooses).
 * Prints {@code whoami listening on HOST:PORT} once it accepts connections.
 */
public final class WhoamiService implements AutoCloseable {

    private final HttpServer server;

    private WhoamiService(HttpServer server) {
        this.server = server;
    }

    /** Starts listening on {@code address}. */
    public static WhoamiService start(InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", WhoamiService::handle);
        server.start();
        return new WhoamiService(server);
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            if (!path.equals("/whoami")) {
                send(exchange, 404, "{\"error\": \"not found\", \"expected\": \"GET /whoami\"}");
            } else if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "{\"error\": \"method not allowed\", \"expected\": \"GET /whoami\"}");
            } else {
                send(exchange, 200, body(exchange));
            }
        }
    }

    /** The JSON answer: the parsed identity (null when the request did not come through a sidecar) and the raw header. */
    static String body(HttpExchange exchange) {
        String xfcc = exchange.getRequestHeaders().getFirst("x-forwarded-client-cert");
        Optional<ForwardedClientCert> caller = ForwardedClientCert.parse(xfcc);
        return "{\"service\": \"whoami\""
                + ", \"caller\": " + caller.map(c -> "{\"spiffe_id\": " + json(c.uri()) + ", \"by\": " + json(c.by()) + "}").orElse("null")
                + ", \"x_forwarded_client_cert\": " + json(xfcc)
                + ", \"request_id\": " + json(exchange.getRequestHeaders().getFirst("x-request-id"))
                + ", \"traceparent\": " + json(exchange.getRequestHeaders().getFirst("traceparent"))
                + (caller.isEmpty() ? ", \"note\": \"no x-forwarded-client-cert: this request did not come through a sidecar\"" : "")
                + "}\n";
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** A JSON string (or null), escaping what JSON requires. */
    static String json(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !args[0].matches("[^:]+:\\d{1,5}")) {
            System.err.println("usage: WhoamiService HOST:PORT (got: " + String.join(" ", args) + ")");
            System.exit(2);
        }
        int colon = args[0].lastIndexOf(':');
        WhoamiService service = start(new InetSocketAddress(args[0].substring(0, colon), Integer.parseInt(args[0].substring(colon + 1))));
        System.out.println("whoami listening on " + service.address().getHostString() + ":" + service.address().getPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "whoami-shutdown"));
        stopped.await();
    }
}
