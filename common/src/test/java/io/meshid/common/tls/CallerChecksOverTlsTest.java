package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.meshid.common.testing.TestPki;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Attacks on "identity is checked once per connection", over real mutual TLS: a caller whose
 * authority has left the server's bundle (rotated out) keeps neither its open connection nor a
 * resumed TLS session.
 */
class CallerChecksOverTlsTest {

    private static final String SERVER_PATH = "/ns/meshid/sa/server";
    private static final String CLIENT_PATH = "/ns/payments/sa/api";

    private final TestPki serverPki = TestPki.create("example.org");
    private final TestPki clientPki = TestPki.create("example.org");
    private final X509Bundle both = X509Bundle.of(serverPki.trustDomain(), List.of(serverPki.root(), clientPki.root()), 1);
    private final X509Bundle serverRootOnly = X509Bundle.of(serverPki.trustDomain(), List.of(serverPki.root()), 2);
    private final StaticSvidSource serverSource = new StaticSvidSource(serverPki.svid(SERVER_PATH), both);
    private final StaticSvidSource clientSource = new StaticSvidSource(clientPki.svid(CLIENT_PATH), both);
    private final Loopback loopback = new Loopback();
    private final Loopback.Seen seen = new Loopback.Seen();

    @AfterEach
    void close() throws InterruptedException {
        loopback.close();
    }

    @ParameterizedTest
    @MethodSource("io.meshid.common.tls.GrpcMutualTlsTest#providers")
    void call_onAnOpenConnection_afterTheCallersAuthorityLeftTheBundle_isUnauthenticated(SslProvider provider) {
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE, provider), seen, Set.of());
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true, provider));
        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);

        serverSource.update(serverRootOnly);

        assertThatThrownBy(() -> Loopback.check(channel))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains("does not chain to the bundle of example.org");
                });
    }

    @ParameterizedTest
    @MethodSource("io.meshid.common.tls.GrpcMutualTlsTest#providers")
    void resumedSession_afterTheCallersAuthorityLeftTheBundle_isRefusedAtTheHandshake(SslProvider provider) throws IOException {
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE, provider), seen, Set.of());
        SSLContext client = TlsContexts.jdkClient(clientSource, id -> true);
        assertThat(firstBytes(client, server.getPort())).as("first connection").isPositive();

        serverSource.update(serverRootOnly);

        assertThat(firstBytes(client, server.getPort()))
                .as("a second connection offering the first one's session must get a full handshake, and be refused")
                .isEqualTo(-1);
    }

    /**
     * Opens a TLS connection as an HTTP/2 client would (ALPN h2) with a JDK client context that
     * keeps its sessions (so it offers the last one for resumption) and reads the server's first
     * bytes (its HTTP/2 settings; the TLS 1.3 session tickets come before them). Returns how many
     * bytes came, or -1 when the server refused the connection.
     */
    static int firstBytes(SSLContext client, int port) {
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64];
            int read = in.read(buffer);
            return read <= 0 ? -1 : read;
        } catch (IOException refused) {
            return -1;
        }
    }
}
