package io.meshid.ca.bundle;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.server.ReadyFileEntry;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SPIFFE bundle endpoint: the trust bundle in SPIFFE format over HTTPS, for federation, on its
 * own port as SPIRE's server does. It authenticates with the CA's own SVID (the
 * {@code https_spiffe} profile: a federating peer pins this server's SPIFFE ID and the bundle it
 * already holds); clients need no certificate. {@code GET /} serves the default trust domain,
 * {@code GET /<trust-domain>} another served one. The TLS context reads the CA's current SVID on
 * every handshake, so renewals and rotations need no restart.
 */
@Context
@Requires(property = "meshid.ca.bundle-endpoint.enabled", notEquals = "false")
final class BundleEndpointServer implements ReadyFileEntry {

    private static final Logger LOG = LoggerFactory.getLogger(BundleEndpointServer.class);

    private final HttpsServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final BundleHub hub;
    private final TrustDomain home;

    BundleEndpointServer(BundleHub hub, SvidSource ownIdentity, MeshidConfig meshid,
            @Value("${meshid.ca.bundle-endpoint.host:127.0.0.1}") String host,
            @Value("${meshid.ca.bundle-endpoint.port:7443}") int port) {
        this.hub = hub;
        this.home = meshid.getTrustDomain();
        try {
            server = HttpsServer.create(new InetSocketAddress(host, port), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("meshid.ca.bundle-endpoint.port: cannot listen on " + host + ":" + port, e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(TlsContexts.jdkServer(ownIdentity, false)));
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("SPIFFE bundle endpoint on https://{}:{}/", host, server.getAddress().getPort());
    }

    @Override
    public String key() {
        return "bundle_endpoint";
    }

    @Override
    public String value() {
        return "https://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")) {
                send(exchange, 405, "{\"error\":\"method not allowed (expected: GET)\"}");
                return;
            }
            String path = exchange.getRequestURI().getPath().replaceFirst("^/", "");
            Optional<TrustBundle> bundle;
            try {
                bundle = hub.current(path.isEmpty() ? home : TrustDomain.of(path));
            } catch (IllegalArgumentException e) {
                bundle = Optional.empty();
            }
            if (bundle.isEmpty()) {
                send(exchange, 404, "{\"error\":\"no such trust domain here (expected: / or /<trust domain this CA serves>)\"}");
                return;
            }
            send(exchange, 200, SpiffeBundleDocument.json(bundle.get(), 300));
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @PreDestroy
    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }
}
