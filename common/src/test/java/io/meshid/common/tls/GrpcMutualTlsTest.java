package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestPki;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real mutual-TLS handshakes between a grpc-netty server and client over loopback. */
class GrpcMutualTlsTest {

    private static final String SERVER_PATH = "/ns/meshid/sa/server";
    private static final String CLIENT_PATH = "/ns/payments/sa/api";

    private final TestPki pki = TestPki.create("example.org");
    private final StaticSvidSource serverSource = new StaticSvidSource(pki.svid(SERVER_PATH), pki.bundle());
    private final StaticSvidSource clientSource = new StaticSvidSource(pki.svid(CLIENT_PATH), pki.bundle());
    private final Loopback loopback = new Loopback(serverSource);
    private final Loopback.Seen seen = new Loopback.Seen();

    @AfterEach
    void close() throws InterruptedException {
        loopback.close();
    }

    /** BoringSSL when netty-tcnative loads here, and always the JDK. */
    static Stream<SslProvider> providers() {
        return SslProvider.isAlpnSupported(SslProvider.OPENSSL)
                ? Stream.of(SslProvider.OPENSSL, SslProvider.JDK) : Stream.of(SslProvider.JDK);
    }

    @Test
    void provider_isBoringSsl_fromNettyTcnative() {
        assertThat(TlsContexts.provider()).isEqualTo(SslProvider.OPENSSL);
    }

    @ParameterizedTest
    @MethodSource("providers")
    void mutualTls_serverSeesTheClientsSpiffeId_overTls13(SslProvider provider) {
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE, provider), seen, Set.of());
        SpiffeId expectedServer = serverSource.svid().spiffeId();
        ManagedChannel channel = loopback.connect(server,
                TlsContexts.grpcClient(clientSource, expectedServer::equals, provider));

        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        assertThat(seen.caller.get()).contains(clientSource.svid().spiffeId());
        assertThat(seen.session.get().getProtocol()).isEqualTo("TLSv1.3");
    }

    @ParameterizedTest
    @MethodSource("providers")
    void mutualTls_clientsAndServersOfDifferentProvidersInteroperate(SslProvider provider) {
        SslProvider other = provider == SslProvider.JDK && TlsContexts.provider() == SslProvider.OPENSSL
                ? SslProvider.OPENSSL : SslProvider.JDK;
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE, provider), seen, Set.of());
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true, other));

        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        assertThat(seen.caller.get()).contains(clientSource.svid().spiffeId());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void requireClientAuth_clientWithoutCertificate_isRejected(SslProvider provider) {
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE, provider), seen, Set.of());
        ManagedChannel channel = loopback.connect(server, anonymousClient(provider));

        assertThatThrownBy(() -> Loopback.check(channel))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(seen.caller.get()).isNull();
    }

    @ParameterizedTest
    @MethodSource("providers")
    void optionalClientAuth_anonymousMethodRuns_otherMethodsAreUnauthenticated(SslProvider provider) {
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.OPTIONAL, provider), seen,
                Set.of("grpc.health.v1.Health/Check"));
        ManagedChannel channel = loopback.connect(server, anonymousClient(provider));

        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        assertThat(seen.caller.get()).isEmpty();
        assertThatThrownBy(() -> HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .watch(HealthCheckRequest.getDefaultInstance()).next())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("a client X.509-SVID is required for grpc.health.v1.Health/Watch");
                });
        // The interceptor keeps "no client certificate" in the connection's session after the first call:
        // the anonymous method still runs without an identity, the other is still refused.
        seen.caller.set(null);
        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        assertThat(seen.caller.get()).isEmpty();
        assertThatThrownBy(() -> HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .watch(HealthCheckRequest.getDefaultInstance()).next())
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void optionalClientAuth_clientWithSvid_stillGetsItsIdentity() {
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.OPTIONAL), seen,
                Set.of("grpc.health.v1.Health/Check"));
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true));

        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        assertThat(seen.caller.get()).contains(clientSource.svid().spiffeId());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void clientWithAnSvidFromAnotherCa_failsTheHandshake(SslProvider provider) {
        TestPki stranger = TestPki.create("example.org");
        StaticSvidSource strangerSource = new StaticSvidSource(stranger.svid(CLIENT_PATH), pki.bundle());
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE, provider), seen, Set.of());
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(strangerSource, id -> true, provider));

        assertThatThrownBy(() -> Loopback.check(channel))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(seen.caller.get()).isNull();
    }

    /** Client certificates that are present but invalid: one from an unrelated CA, one expired. */
    static Stream<org.junit.jupiter.params.provider.Arguments> invalidClientCertificates() {
        return providers().flatMap(provider -> Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(provider, "from another CA"),
                org.junit.jupiter.params.provider.Arguments.of(provider, "expired")));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("invalidClientCertificates")
    void optionalClientAuth_clientWithAnInvalidCertificate_failsTheHandshake_insteadOfRunningAnonymously(SslProvider provider,
            String what) {
        X509Svid invalid = what.equals("expired") ? pki.leaf("spiffe://example.org" + CLIENT_PATH).expired().issue().svid()
                : TestPki.create("example.org").svid(CLIENT_PATH);
        StaticSvidSource server = new StaticSvidSource(serverSource.svid(), pki.bundle());
        Server listening = loopback.start(TlsContexts.grpcServer(server, ClientAuth.OPTIONAL, provider), seen,
                Set.of("grpc.health.v1.Health/Check"));
        ManagedChannel channel = loopback.connect(listening,
                TlsContexts.grpcClient(new StaticSvidSource(invalid, pki.bundle()), id -> true, provider));

        assertThatThrownBy(() -> Loopback.check(channel))
                .as("a client certificate %s on an anonymous method", what)
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(seen.caller.get()).as("the call never ran, not even anonymously").isNull();
    }

    @ParameterizedTest
    @MethodSource("providers")
    void clientAuthorizer_refusesAnUnexpectedServer(SslProvider provider) {
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE, provider), seen, Set.of());
        SpiffeId expected = SpiffeId.parse("spiffe://example.org/ns/meshid/sa/someone-else");
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, expected::equals, provider));

        assertThatThrownBy(() -> Loopback.check(channel))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(causes(e)).contains("peer spiffe://example.org/ns/meshid/sa/server is not authorized");
                });
        assertThat(seen.caller.get()).isNull();
    }

    @Test
    void serverOfAnotherTrustDomain_isRefusedByTheClient() {
        TestPki other = TestPki.create("other.org");
        StaticSvidSource otherServer = new StaticSvidSource(other.svid(SERVER_PATH), other.bundle());
        Server server = loopback.start(TlsContexts.grpcServer(otherServer, ClientAuth.OPTIONAL), seen, Set.of());
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true));

        assertThatThrownBy(() -> Loopback.check(channel))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(causes(e)).contains("is in trust domain other.org (expected: example.org)"));
    }

    private SslContext anonymousClient(SslProvider provider) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .trustManager(new SpiffeTrustManager(serverSource, id -> true))
                    .endpointIdentificationAlgorithm(null);
            return GrpcSslContexts.configure(builder, provider).protocols(TlsContexts.PROTOCOLS).build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append('\n');
        }
        return all.toString();
    }
}
