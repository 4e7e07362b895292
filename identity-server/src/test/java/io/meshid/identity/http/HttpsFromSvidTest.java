package io.meshid.identity.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.testing.TestPki;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Svid;
import io.meshid.identity.jwt.JwtTestContexts;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * identity-server's HTTP port in production mode (mutual TLS with an SVID from files, no
 * {@code micronaut.server.ssl} settings): it speaks HTTPS with the server's SVID, which a client
 * verifies against the trust bundle, and serves a renewed SVID to the next connection without a
 * restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpsFromSvidTest {

    private static final String SERVER = "spiffe://https.test/meshid/identity-server";

    private final TestPki pki = TestPki.create("https.test");
    private TestDatabase db;
    private Path dir;
    private X509Svid first;
    private EmbeddedServer server;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("meshid-https");
        first = pki.svid("/meshid/identity-server");
        write(first);
        Files.writeString(dir.resolve("bundle.pem"), Pem.writeCertificates(List.of(pki.root())));
        db = TestDatabase.h2();
        Map<String, Object> p = new HashMap<>(JwtTestContexts.properties(db, "https.test"));
        p.put("meshid.tls.mode", "SVID");
        p.put("meshid.tls.cert-file", dir.resolve("cert.pem").toString());
        p.put("meshid.tls.key-file", dir.resolve("key.pem").toString());
        p.put("meshid.tls.bundle-file", dir.resolve("bundle.pem").toString());
        p.put("meshid.tls.poll-interval", "PT0.1S");
        p.put("micronaut.server.port", -1);
        p.put("grpc.server.port", 0);
        server = ApplicationContext.run(EmbeddedServer.class, p);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stop();
        }
        db.close();
    }

    private void write(X509Svid svid) throws IOException {
        Path cert = dir.resolve("cert.pem.new");
        Path key = dir.resolve("key.pem.new");
        Files.writeString(cert, Pem.writeCertificates(svid.chain()));
        Files.writeString(key, Pem.writePrivateKey(svid.privateKey()));
        Files.move(key, dir.resolve("key.pem"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(cert, dir.resolve("cert.pem"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * A new TLS connection (a new client context: no session to resume) verified against the
     * bundle and the server's SPIFFE ID; GET of the JWKS over it. Returns the served leaf.
     */
    private X509Certificate fetchJwks() throws Exception {
        StaticSvidSource client = new StaticSvidSource(pki.svid("/ns/client/sa/app"), pki.bundle());
        try (SSLSocket socket = (SSLSocket) TlsContexts.jdkClient(client, SpiffeId.parse(SERVER)::equals).getSocketFactory()
                .createSocket("127.0.0.1", server.getPort())) {
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            out.write(("GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(reply).startsWith("HTTP/1.1 200").contains("\"keys\"");
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void theHttpPort_servesTlsWithTheSvid_andARenewedSvidWithoutARestart() throws Exception {
        assertThat(server.getScheme()).isEqualTo("https");
        assertThat(fetchJwks()).isEqualTo(first.leaf());

        X509Svid renewed = pki.svid("/meshid/identity-server");
        CountDownLatch reloaded = new CountDownLatch(1);
        server.getApplicationContext().getBean(SvidSource.class).addListener(reloaded::countDown);
        write(renewed);
        assertThat(reloaded.await(30, TimeUnit.SECONDS)).as("the SVID files were re-read").isTrue();

        X509Certificate served = fetchJwks();

        assertThat(served).isEqualTo(renewed.leaf());
        assertThat(served.getSerialNumber()).isNotEqualTo(first.leaf().getSerialNumber());
    }

    @Test
    void plainHttp_isNotServedOnThatPort() {
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort()
                + "/.well-known/jwks.json")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }
}
