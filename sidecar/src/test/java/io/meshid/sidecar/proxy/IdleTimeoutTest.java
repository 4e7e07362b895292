package io.meshid.sidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.sidecar.config.Limits;
import io.meshid.sidecar.testing.Mesh;
import io.meshid.sidecar.testing.RawHttp;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The idle timeout of an HTTP/1.1 connection, which the proxy handler keeps itself (no Netty
 * IdleStateHandler on HTTP/1.1 pipelines): a request body that stops moving, and a kept-alive
 * connection with nothing to do, are closed once nothing has moved for the idle timeout, here
 * shorter than the header read timeout so that the idle timeout is what acts.
 */
class IdleTimeoutTest {

    static Mesh mesh;

    @BeforeAll
    static void start() throws Exception {
        Limits d = Limits.DEFAULTS;
        mesh = new Mesh(new Limits(d.maxHeaderBytes(), d.maxInitialLineBytes(), d.maxBodyBytes(), Duration.ofSeconds(30),
                Duration.ofSeconds(1), Duration.ofSeconds(30), d.maxConnections(), d.drainTimeout()));
        mesh.policy.activate(r -> true);
    }

    @AfterAll
    static void stop() {
        mesh.close();
    }

    @Test
    void requestBodyThatStopsMoving_closesTheConnection_withoutAnAnswer() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            http.send("POST /echo HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            // no more chunks: not a 504 after the response timeout (30 s), a close after the idle timeout
            assertThat(http.closedByPeer()).isTrue();
        }
    }

    @Test
    void keptAliveConnectionWithNothingToDo_isClosed_afterItsExchange() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
            assertThat(http.closedByPeer()).isTrue();
        }
    }

    @Test
    void connectionThatKeepsExchanging_isServed() throws Exception {
        try (RawHttp http = mesh.outbound()) {
            for (int i = 0; i < 3; i++) {
                assertThat(http.exchange("GET /echo HTTP/1.1\r\nHost: b\r\n\r\n").status()).isEqualTo(200);
            }
        }
    }
}
