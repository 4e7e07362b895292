package io.meshid.sidecar.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.TestPki;
import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.testing.Mesh;
import io.meshid.sidecar.testing.MtlsClient;
import io.meshid.sidecar.testing.RawHttp;
import io.meshid.sidecar.testing.RawHttp.Response;
import io.meshid.sidecar.testing.ShiftedClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 point 8 and the security review's "SVIDs still honoured after revocation or expiry on
 * open connections": a revoked or expired peer SVID is refused in the handshake and on an open
 * connection, on both listeners, and nothing reaches the workload; unknown revocations deny.
 */
class RevocationAttackTest {

    static Mesh mesh;

    @BeforeAll
    static void start() throws Exception {
        mesh = new Mesh(Limits.DEFAULTS, null, new ShiftedClock());
        mesh.policy.activate(r -> true);
    }

    @AfterAll
    static void stop() {
        mesh.close();
    }

    @AfterEach
    void nothingRevoked_andOthersAreStillServed() throws Exception {
        mesh.clock.reset();
        mesh.revoke();
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
    }

    @Test
    void revokedClientCertificate_isRefusedInTheHandshake() throws Exception {
        TestPki.Issued issued = mesh.pki.leaf("spiffe://example.org/ns/demo/sa/a").issue();
        mesh.revoke(issued.leaf());
        assertThatThrownBy(() -> {
            try (RawHttp http = connect(issued)) {
                http.exchange("GET /revoked-at-handshake HTTP/1.1\r\nHost: b\r\n\r\n");
            }
        }).isInstanceOf(IOException.class);
        assertThat(mesh.workloadB.hits("/revoked-at-handshake")).isZero();
    }

    @Test
    void connectionOpenedBeforeRevocation_isRefusedWith403_andClosed() throws Exception {
        TestPki.Issued issued = mesh.pki.leaf("spiffe://example.org/ns/demo/sa/a").issue();
        try (RawHttp http = connect(issued)) {
            assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
            mesh.revoke(issued.leaf());
            Response r = http.exchange("GET /after-revocation HTTP/1.1\r\nHost: b\r\nX-Request-Id: rev-1\r\n\r\n");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("x-request-id")).isEqualTo("rev-1");
            assertThat(r.body()).contains("revoked certificate (serial " + issued.leaf().getSerialNumber().toString(16))
                    .contains("request-id: rev-1");
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(http.closedByPeer()).isTrue();
        }
        assertThat(mesh.workloadB.hits("/after-revocation")).isZero();
    }

    @Test
    void expiredCertificateOnAKeptAliveConnection_isRefusedWith403_andClosed() throws Exception {
        Instant now = mesh.clock.instant();
        TestPki.Issued issued = mesh.pki.leaf("spiffe://example.org/ns/demo/sa/a")
                .validity(now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofMinutes(10))).issue();
        try (RawHttp http = connect(issued)) {
            assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
            mesh.clock.advance(Duration.ofMinutes(11));
            Response r = http.exchange("GET /after-expiry HTTP/1.1\r\nHost: b\r\n\r\n");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("x-request-id")).isNotBlank();
            assertThat(r.body()).contains("expired at");
            assertThat(http.closedByPeer()).isTrue();
        }
        assertThat(mesh.workloadB.hits("/after-expiry")).isZero();
    }

    @Test
    void outboundToATargetRevokedAfterTheConnectionOpened_isRefusedWith403_andANewConnectionFailsTheHandshake()
            throws Exception {
        try (RawHttp http = mesh.outbound()) {
            assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
            mesh.revoke(mesh.sourceB.svid().leaf());
            Response r = http.exchange("GET /to-revoked-target HTTP/1.1\r\nHost: b\r\nX-Request-Id: rev-2\r\n\r\n");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("x-request-id")).isEqualTo("rev-2");
            assertThat(r.body()).contains("the target b").contains("revoked certificate");
            assertThat(http.closedByPeer()).isTrue();
        }
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("GET /to-revoked-target HTTP/1.1\r\nHost: b\r\n\r\n");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("x-request-id")).isNotBlank();
        }
        assertThat(mesh.workloadB.hits("/to-revoked-target")).isZero();
    }

    @Test
    void outboundConnectionWhoseCertificatesExpired_isReplacedByANewHandshake_notRefused() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
            // Both sidecars' SVIDs are valid for an hour: past that, the open upstream connection's
            // certificates (ours and the target's) have expired. A new handshake would fail too
            // (the clock is past both SVIDs), so the answer is 502, never a request over the old one.
            mesh.clock.advance(Duration.ofHours(2));
            Response r = http.exchange("GET /after-upstream-expiry HTTP/1.1\r\nHost: b\r\n\r\n");
            assertThat(r.status()).isEqualTo(502);
        }
        assertThat(mesh.workloadB.hits("/after-upstream-expiry")).isZero();
    }

    @Test
    void revocationsNotConfirmedPastTheGrace_denyEveryPeer_untilTheFeedIsBack() throws Exception {
        TestPki.Issued issued = mesh.pki.leaf("spiffe://example.org/ns/demo/sa/a").issue();
        try (RawHttp http = connect(issued)) {
            assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
            mesh.revocations.feedLost("test: cert-authority unreachable");
            assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).as("within the grace").isEqualTo(200);
            mesh.clock.advance(RevocationList.DEFAULT_GRACE.plusSeconds(1));
            Response r = http.exchange("GET /unknown-revocations HTTP/1.1\r\nHost: b\r\n\r\n");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).contains("could not be confirmed since").contains("cert-authority unreachable");
        }
        assertThatThrownBy(() -> {
            try (RawHttp http = connect(issued)) {
                http.exchange("GET /unknown-revocations HTTP/1.1\r\nHost: b\r\n\r\n");
            }
        }).as("a new handshake").isInstanceOf(IOException.class);
        assertThat(mesh.workloadB.hits("/unknown-revocations")).isZero();
        // the feed is back: @AfterEach's revoke() is a new bundle, and serves again
    }

    private static RawHttp connect(TestPki.Issued issued) throws Exception {
        return MtlsClient.connect(mesh.sidecarB.inboundAddress(), issued.chain(), issued.keyPair().getPrivate(), mesh.sourceA);
    }
}
