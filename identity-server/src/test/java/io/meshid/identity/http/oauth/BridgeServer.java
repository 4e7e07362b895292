package io.meshid.identity.http.oauth;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.X509Svid;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.oauth.AuthMethod;
import io.meshid.identity.oauth.GrantType;
import io.meshid.identity.oauth.OAuthClientParams;
import io.meshid.identity.oauth.OAuthClients;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * identity-server as it runs in production for the bridge tests: HTTPS with its SVID from files
 * (which names localhost and 127.0.0.1, as meshid.tls.server-names makes the CA issue it), H2,
 * the in-process shared store; and HTTP clients that verify the server by the trust bundle and
 * the host name alone, as any standard client does.
 */
final class BridgeServer implements AutoCloseable {

    static final String DOMAIN = "bridge.test";
    static final SpiffeId ADMIN = SpiffeId.parse("spiffe://bridge.test/meshid/admin");

    final TestPki pki = TestPki.create(DOMAIN);
    final EmbeddedServer server;
    final Path dir;
    private final TestDatabase db;

    BridgeServer(Map<String, Object> extra) throws Exception {
        this(extra, TestDatabase.h2());
    }

    /** On {@code database} (closed with the server), e.g. a PostgreSQL schema for the benchmark. */
    BridgeServer(Map<String, Object> extra, TestDatabase database) throws Exception {
        dir = Files.createTempDirectory("meshid-bridge");
        X509Svid svid = pki.leaf("spiffe://bridge.test/meshid/identity-server").hosts("localhost", "127.0.0.1").issue().svid();
        Files.writeString(dir.resolve("cert.pem"), Pem.writeCertificates(svid.chain()));
        Files.writeString(dir.resolve("key.pem"), Pem.writePrivateKey(svid.privateKey()));
        Files.writeString(dir.resolve("bundle.pem"), Pem.writeCertificates(List.of(pki.root())));
        db = database;
        Map<String, Object> p = new HashMap<>(JwtTestContexts.properties(db, DOMAIN));
        p.put("meshid.tls.mode", "SVID");
        p.put("meshid.tls.cert-file", dir.resolve("cert.pem").toString());
        p.put("meshid.tls.key-file", dir.resolve("key.pem").toString());
        p.put("meshid.tls.bundle-file", dir.resolve("bundle.pem").toString());
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        p.putAll(extra);
        server = ApplicationContext.run(EmbeddedServer.class, p);
    }

    ApplicationContext context() {
        return server.getApplicationContext();
    }

    String base() {
        return "https://localhost:" + server.getPort();
    }

    /** Registers a client; its secret, if it has one. */
    Optional<String> client(String id, AuthMethod method, List<GrantType> grants, List<String> scopes, List<String> audiences,
            Optional<String> jwks, Optional<SpiffeId> spiffeId) {
        return context().getBean(OAuthClients.class).create(new OAuthClientParams(TrustDomain.of(DOMAIN), id, method, grants, scopes,
                audiences, jwks, spiffeId, null), ADMIN).secret();
    }

    /** An HTTP client that trusts the bundle's root and checks the host name; with {@code svid}, it presents it. */
    HttpClient http(Optional<X509Svid> svid) throws Exception {
        return HttpClient.newBuilder().sslContext(ssl(svid)).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** TLS that trusts the bundle's root (host names are the client's to check); with {@code svid}, it presents it. */
    SSLContext ssl(Optional<X509Svid> svid) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", pki.root());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (svid.isPresent()) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("svid", svid.get().privateKey(), "x".toCharArray(), svid.get().chain().toArray(Certificate[]::new));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "x".toCharArray());
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ssl;
    }

    static String form(String... pairs) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.add(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8) + "=" + URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return String.join("&", out);
    }

    static String basic(String id, String secret) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((URLEncoder.encode(id, StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(secret, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> post(HttpClient http, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.setHeader(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(HttpClient http, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        server.stop();
        db.close();
    }
}
