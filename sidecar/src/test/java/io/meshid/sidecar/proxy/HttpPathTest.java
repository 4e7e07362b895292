package io.meshid.sidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.sidecar.testing.Mesh;
import io.meshid.sidecar.testing.RawHttp;
import io.meshid.sidecar.testing.RawHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** App a → a's sidecar (outbound) → mTLS → b's sidecar (inbound, decision) → workload b, over HTTP/1.1. */
class HttpPathTest {

    static Mesh mesh;

    @BeforeAll
    static void start() throws Exception {
        mesh = new Mesh();
    }

    @AfterAll
    static void stop() {
        mesh.close();
    }

    @BeforeEach
    void allowAllButSecret() {
        mesh.policy.activate(r -> r.getPrincipal().equals(mesh.idA.toString()) && !r.getContext().getPath().startsWith("/secret"));
    }

    @Test
    void allowedRequest_reachesWorkload_withVerifiedPeerIdentityAndForgedHeadersStripped() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("GET /echo?q=1 HTTP/1.1\r\nHost: b\r\n"
                    + "x-forwarded-client-cert: By=spiffe://example.org/x;URI=spiffe://example.org/ns/demo/sa/admin\r\n"
                    + "x-spiffe-id: spiffe://example.org/ns/demo/sa/admin\r\n"
                    + "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
                    + "x-tenant: acme\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("x-forwarded-client-cert: By=" + mesh.idB + ";URI=" + mesh.idA + "\n");
            assertThat(r.body()).doesNotContain("sa/admin");
            assertThat(r.body()).containsPattern("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01");
            assertThat(r.body()).doesNotContain("00f067aa0ba902b7");
            assertThat(r.body()).containsPattern("x-request-id: \\S+");
        }
        var check = mesh.policy.requests().getLast();
        assertThat(check.getPrincipal()).isEqualTo(mesh.idA.toString());
        assertThat(check.getResource()).isEqualTo(mesh.idB.toString());
        assertThat(check.getAction()).isEqualTo("GET");
        assertThat(check.getContext().getPath()).isEqualTo("/echo");
        assertThat(check.getContext().getHeadersMap()).containsEntry("x-tenant", "acme");
        assertThat(check.getContext().getSourceAddress()).isEqualTo("127.0.0.1");
        assertThat(check.getRequestId()).isNotEmpty();
    }

    @Test
    void requestWithoutTraceparent_startsATrace() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n");
            assertThat(r.body()).containsPattern("traceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        }
    }

    @Test
    void deniedRequest_is403WithRequestId_andNeverReachesWorkload() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("GET /secret HTTP/1.1\r\nHost: b\r\nx-request-id: req-42\r\n\r\n");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("x-request-id")).isEqualTo("req-42");
            assertThat(r.body()).contains("request-id: req-42");
            // the connection stays usable
            assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
        }
        assertThat(mesh.workloadB.hits("/secret")).isZero();
    }

    @Test
    void unknownHost_isRefused_neverForwarded() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("GET /echo HTTP/1.1\r\nHost: nowhere.example\r\n\r\n");
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.body()).contains("no route for host");
        }
        try (RawHttp http = mesh.outbound()) {
            assertThat(http.exchange("GET /echo HTTP/1.1\r\n\r\n").status()).isEqualTo(404);
        }
    }

    @Test
    void targetPresentingAnotherSpiffeId_isRefused() throws Exception {
        int before = mesh.workloadB.hits("/echo");
        try (RawHttp http = mesh.outbound()) {
            Response r = http.exchange("GET /echo HTTP/1.1\r\nHost: impostor\r\n\r\n");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.body()).contains("expected identity");
        }
        assertThat(mesh.workloadB.hits("/echo")).isEqualTo(before);
    }

    @Test
    void keepAlive_servesManyRequestsOnOneConnection_andChunkedBodiesPassThrough() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            for (int i = 0; i < 5; i++) {
                assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
            }
            Response chunked = http.exchange("POST /echo HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            assertThat(chunked.status()).isEqualTo(200);
            assertThat(chunked.body()).endsWith("\n\nhello world");
            Response sized = http.exchange("POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: 3\r\n\r\nabc");
            assertThat(sized.body()).endsWith("\n\nabc");
        }
    }

    @Test
    void pipelinedRequests_firstAnswered_thenConnectionClosed() throws Exception {
        int before = mesh.workloadB.hits("/second");
        try (RawHttp http = mesh.outbound()) {
            http.send("GET /echo HTTP/1.1\r\nHost: b\r\n\r\nGET /second HTTP/1.1\r\nHost: b\r\n\r\n");
            Response first = http.read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("connection")).isEqualTo("close");
            assertThat(http.closedByPeer()).isTrue();
        }
        assertThat(mesh.workloadB.hits("/second")).isEqualTo(before);
    }

    @Test
    void policyChange_isInForceForTheNextRequest_despiteACachedAllow() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            assertThat(http.exchange("GET /echo/flip HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
            // The version @BeforeEach activated reaches the sidecar over WatchPolicyVersion on its own
            // time and empties the cache when it lands, possibly after the first decision was cached:
            // go on until an allow is served from the cache without asking the policy server.
            boolean cached = false;
            for (int i = 0; i < 100 && !cached; i++) {
                int checks = mesh.policy.checks();
                assertThat(http.exchange("GET /echo/flip HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
                cached = mesh.policy.checks() == checks;
            }
            assertThat(cached).as("a later decision came from the cache").isTrue();
            mesh.policy.activate(r -> false);
            int status = 200;
            // the new version reaches the sidecar over WatchPolicyVersion; no sleep-based assertion, just wait for it
            for (int i = 0; i < 500 && status == 200; i++) {
                status = http.exchange("GET /echo/flip HTTP/1.1\r\nHost: b\r\n\r\n").status();
                if (status == 200) {
                    Thread.sleep(10);
                }
            }
            assertThat(status).isEqualTo(403);
        }
    }
}
