package io.meshid.sidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.TestPki;
import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.testing.Mesh;
import io.meshid.sidecar.testing.MtlsClient;
import io.meshid.sidecar.testing.RawHttp;
import io.meshid.sidecar.testing.RawHttp.Response;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 point 8: each attack is refused, nothing of it reaches the workload, and the sidecar
 * keeps serving an honest request afterwards.
 */
class AttackTest {

    static Mesh mesh;

    @BeforeAll
    static void start() throws Exception {
        mesh = new Mesh(Limits.DEFAULTS.withHeaderReadTimeout(Duration.ofSeconds(1)).withMaxBodyBytes(1024 * 1024));
        mesh.policy.activate(r -> true);
    }

    @AfterAll
    static void stop() {
        mesh.close();
    }

    @AfterEach
    void othersAreStillServed() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
        }
    }

    @Test
    void plaintextToTheMtlsPort_getsNoHttpAnswer_andIsNotForwarded() throws Exception {
        try (Socket socket = new Socket(mesh.sidecarB.inboundAddress().getAddress(), mesh.sidecarB.inboundAddress().getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write("GET /plain HTTP/1.1\r\nHost: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = readToEnd(socket.getInputStream());
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1 200");
        }
        assertThat(mesh.workloadB.hits("/plain")).isZero();
    }

    @Test
    void clientCertificateOfAnotherTrustDomain_isRefusedInTheHandshake() {
        TestPki evil = TestPki.create("evil.example");
        TestPki.Issued issued = evil.leaf("spiffe://evil.example/ns/demo/sa/a").issue();
        assertRefused(() -> MtlsClient.connect(mesh.sidecarB.inboundAddress(), issued.chain(),
                issued.keyPair().getPrivate(), mesh.sourceA));
    }

    @Test
    void clientCertificateClaimingOurTrustDomainButSignedElsewhere_isRefused() {
        TestPki evil = TestPki.create("example.org");
        TestPki.Issued issued = evil.leaf("spiffe://example.org/ns/demo/sa/a").issue();
        assertRefused(() -> MtlsClient.connect(mesh.sidecarB.inboundAddress(), issued.chain(),
                issued.keyPair().getPrivate(), mesh.sourceA));
    }

    @Test
    void expiredClientCertificate_isRefusedInTheHandshake() {
        TestPki.Issued issued = mesh.pki.leaf("spiffe://example.org/ns/demo/sa/a").expired().issue();
        assertRefused(() -> MtlsClient.connect(mesh.sidecarB.inboundAddress(), issued.chain(),
                issued.keyPair().getPrivate(), mesh.sourceA));
    }

    @Test
    void validPeer_directToInbound_isServed() throws Exception {
        TestPki.Issued issued = mesh.pki.leaf("spiffe://example.org/ns/demo/sa/a").issue();
        try (RawHttp http = MtlsClient.connect(mesh.sidecarB.inboundAddress(), issued.chain(),
                issued.keyPair().getPrivate(), mesh.sourceA)) {
            Response r = http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n"
                    + "X-Forwarded-Client-Cert: By=x;URI=spiffe://example.org/ns/demo/sa/root\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("x-forwarded-client-cert: By=" + mesh.idB + ";URI=" + mesh.idA + "\n")
                    .doesNotContain("sa/root");
        }
    }

    @Test
    void twoPeersOnKeptAliveConnections_eachRequestNamesItsOwnConnectionsPeer() throws Exception {
        // The identity header is made once per connection: it must never leak to another peer's requests.
        TestPki.Issued a = mesh.pki.leaf("spiffe://example.org/ns/demo/sa/a").issue();
        TestPki.Issued c = mesh.pki.leaf("spiffe://example.org/ns/demo/sa/c").issue();
        try (RawHttp fromA = MtlsClient.connect(mesh.sidecarB.inboundAddress(), a.chain(), a.keyPair().getPrivate(),
                mesh.sourceA);
                RawHttp fromC = MtlsClient.connect(mesh.sidecarB.inboundAddress(), c.chain(), c.keyPair().getPrivate(),
                        mesh.sourceA)) {
            for (int i = 0; i < 3; i++) {
                Response ra = fromA.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n"
                        + "X-Forwarded-Client-Cert: By=x;URI=spiffe://example.org/ns/demo/sa/c\r\n\r\n");
                Response rc = fromC.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n");
                assertThat(ra.body()).contains("x-forwarded-client-cert: By=" + mesh.idB + ";URI=" + mesh.idA + "\n")
                        .doesNotContain("sa/c");
                assertThat(rc.body()).contains("x-forwarded-client-cert: By=" + mesh.idB
                        + ";URI=spiffe://example.org/ns/demo/sa/c\n").doesNotContain("sa/a");
            }
        }
    }

    @Test
    void smugglingWithContentLengthAndTransferEncoding_isRefusedAtTheOutboundListener() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: 6\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: b\r\n\r\n");
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.body()).contains("Content-Length and Transfer-Encoding");
            assertThat(http.closedByPeer()).isTrue();
        }
        assertThat(mesh.workloadB.hits("/smuggled")).isZero();
    }

    @Test
    void smugglingFromAPeerSidecar_isRefusedAtTheInboundListener() throws Exception {
        int before = mesh.workloadB.hits("/echo");
        TestPki.Issued issued = mesh.pki.leaf("spiffe://example.org/ns/demo/sa/a").issue();
        try (RawHttp http = MtlsClient.connect(mesh.sidecarB.inboundAddress(), issued.chain(),
                issued.keyPair().getPrivate(), mesh.sourceA)) {
            Response r = http.exchange("POST /echo HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Length: 40\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: b\r\n\r\n");
            assertThat(r.status()).isEqualTo(400);
        }
        assertThat(mesh.workloadB.hits("/smuggled")).isZero();
        assertThat(mesh.workloadB.hits("/echo")).isEqualTo(before);
    }

    @Test
    void oddTransferEncoding_isRefused() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("POST /echo HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
            assertThat(r.status()).isEqualTo(400);
        }
    }

    @Test
    void oversizedHeaders_are431_andNotForwarded() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("GET /huge HTTP/1.1\r\nHost: b\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
            assertThat(r.status()).isEqualTo(431);
        }
        assertThat(mesh.workloadB.hits("/huge")).isZero();
    }

    @Test
    void oversizedDeclaredBody_is413_andNotForwarded() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("POST /toobig HTTP/1.1\r\nHost: b\r\nContent-Length: 2000000\r\n\r\nabc");
            assertThat(r.status()).isEqualTo(413);
        }
        assertThat(mesh.workloadB.hits("/toobig")).isZero();
    }

    @Test
    void slowloris_isCutOffWith408_whileOthersAreServed() throws Exception {
        try (RawHttp slow = mesh.outbound()) {
            slow.send("GET /slow HTTP/1.1\r\nHost: b\r\n");
            // an honest client meanwhile
            try (RawHttp honest = mesh.outbound()) {
                assertThat(honest.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
            }
            Response r = null;
            try {
                for (int i = 0; i < 1000; i++) {
                    slow.send("X-Drip-" + i + ": 1\r\n");
                    Thread.sleep(20);
                }
            } catch (IOException closed) {
                // the sidecar closed the connection while we were still dripping
            }
            try {
                r = slow.read();
            } catch (IOException e) {
                r = null;
            }
            if (r != null) {
                assertThat(r.status()).isEqualTo(408);
            }
        }
        assertThat(mesh.workloadB.hits("/slow")).isZero();
    }

    private static void assertRefused(ThrowingSupplier connect) {
        int before = mesh.workloadB.hits("/echo");
        assertThatThrownBy(() -> {
            try (RawHttp http = connect.get()) {
                // TLS 1.3: the server's refusal of the client certificate arrives after the client's handshake ends
                http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n");
            }
        }).isInstanceOf(IOException.class);
        assertThat(mesh.workloadB.hits("/echo")).isEqualTo(before);
    }

    @FunctionalInterface
    interface ThrowingSupplier {
        RawHttp get() throws Exception;
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        try {
            return in.readAllBytes();
        } catch (IOException reset) {
            return new byte[0];
        }
    }
}
