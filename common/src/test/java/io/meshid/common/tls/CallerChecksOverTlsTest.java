package io.meshid.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestPki;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Attacks on "identity is checked once per connection", over real mutual TLS with both TLS
 * providers: a caller whose SVID expired, or whose authority left the server's bundle (rotated
 * out), or that a {@link PeerCheck} refuses, keeps neither its open connection, nor its open
 * stream, nor a resumed TLS session. Time is a clock the tests move; the server's handshake and
 * its interceptor both read it.
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
    private final Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final MutableClock clock = MutableClock.at(start);
    /** Serials that the peer check refuses, as a revocation check would. */
    private final AtomicReference<Set<BigInteger>> refusedSerials = new AtomicReference<>(Set.of());
    private final PeerCheck serialCheck = peer -> refusedSerials.get().contains(peer.leaf().getSerialNumber())
            ? Optional.of("serial " + peer.leaf().getSerialNumber().toString(16) + " is refused") : Optional.empty();
    private final Loopback loopback = new Loopback(serverSource, clock, List.of(serialCheck));
    private final Loopback.Seen seen = new Loopback.Seen();

    @AfterEach
    void close() throws InterruptedException {
        loopback.close();
    }

    @ParameterizedTest
    @MethodSource("io.meshid.common.tls.GrpcMutualTlsTest#providers")
    void call_onAnOpenConnection_afterTheCallersAuthorityLeftTheBundle_isUnauthenticated(SslProvider provider) {
        Server server = start(provider);
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
        Server server = start(provider);
        SSLContext client = TlsContexts.jdkClient(clientSource, id -> true);
        assertThat(firstBytes(client, server.getPort())).as("first connection").isPositive();

        serverSource.update(serverRootOnly);

        assertThat(firstBytes(client, server.getPort()))
                .as("a second connection offering the first one's session must get a full handshake, and be refused")
                .isEqualTo(-1);
    }

    @ParameterizedTest
    @MethodSource("io.meshid.common.tls.GrpcMutualTlsTest#providers")
    void oneMinuteSvid_onAConnectionHeldOpenPastItsExpiry_isUnauthenticated(SslProvider provider) {
        clientSource.update(oneMinuteSvid());
        Server server = start(provider);
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true, provider));
        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        clock.advance(Duration.ofSeconds(59));
        assertThat(Loopback.check(channel)).as("still valid a second before its notAfter").isEqualTo(ServingStatus.SERVING);

        clock.advance(Duration.ofSeconds(2));

        assertThatThrownBy(() -> Loopback.check(channel))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("client X.509-SVID refused: the chain of "
                            + clientSource.svid().spiffeId() + " expired at " + start.plus(Duration.ofMinutes(1))
                            + " (expected: valid at " + clock.instant() + "; renew it and reconnect)");
                });
    }

    @ParameterizedTest
    @MethodSource("io.meshid.common.tls.GrpcMutualTlsTest#providers")
    void resumedSession_afterTheClientCertificateExpired_isRefusedAtTheHandshake(SslProvider provider) {
        clientSource.update(oneMinuteSvid());
        Server server = start(provider);
        SSLContext client = TlsContexts.jdkClient(clientSource, id -> true);
        assertThat(firstBytes(client, server.getPort())).as("first connection").isPositive();

        clock.advance(Duration.ofMinutes(2));

        assertThat(firstBytes(client, server.getPort()))
                .as("a second connection offering the first one's session must get a full handshake, and be refused")
                .isEqualTo(-1);
    }

    @ParameterizedTest
    @MethodSource("io.meshid.common.tls.GrpcMutualTlsTest#providers")
    void openStream_endsUnauthenticated_withItsNextMessageAfterTheCallerExpired(SslProvider provider) {
        clientSource.update(oneMinuteSvid());
        Server server = start(provider);
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true, provider));
        Iterator<HealthCheckResponse> watch = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                .watch(HealthCheckRequest.getDefaultInstance());
        assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.SERVING);

        clock.advance(Duration.ofMinutes(2));
        loopback.health.setStatus("", ServingStatus.NOT_SERVING);

        assertThatThrownBy(watch::next).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(e.getStatus().getDescription()).contains("expired at " + start.plus(Duration.ofMinutes(1)));
        });
    }

    @Test
    void openStream_endsUnauthenticated_whenTheCallerExpires_evenWithNothingToSend() {
        // Real time here: the stream's timer fires at the caller's notAfter, two seconds away.
        Loopback realTime = new Loopback(serverSource);
        try {
            Instant now = Instant.now();
            clientSource.update(clientPki.leaf("spiffe://example.org" + CLIENT_PATH)
                    .validity(now.minus(Duration.ofMinutes(1)), now.plusSeconds(2)).issue().svid());
            Server server = realTime.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE), seen, Set.of());
            ManagedChannel channel = realTime.connect(server, TlsContexts.grpcClient(clientSource, id -> true));
            Iterator<HealthCheckResponse> watch = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .watch(HealthCheckRequest.getDefaultInstance());
            assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.SERVING);

            assertThatThrownBy(watch::next).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        } finally {
            closeQuietly(realTime);
        }
    }

    @ParameterizedTest
    @MethodSource("io.meshid.common.tls.GrpcMutualTlsTest#providers")
    void peerCheck_refusingTheCaller_closesItsNextCallOnAnOpenConnection(SslProvider provider) {
        Server server = start(provider);
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true, provider));
        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);

        BigInteger serial = clientSource.svid().leaf().getSerialNumber();
        refusedSerials.set(Set.of(serial));

        assertThatThrownBy(() -> Loopback.check(channel))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("serial " + serial.toString(16) + " is refused");
                });
    }

    @ParameterizedTest
    @MethodSource("io.meshid.common.tls.GrpcMutualTlsTest#providers")
    void verdict_isVerifiedOncePerSessionAndBundle_notOnEveryCall(SslProvider provider) throws Exception {
        Server server = start(provider);
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true, provider));
        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        Object first = seen.session.get().getValue(CallerIdentityInterceptor.class.getName());

        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        assertThat(seen.session.get().getValue(CallerIdentityInterceptor.class.getName()))
                .as("the second call reuses the first call's verdict").isNotNull().isSameAs(first);

        serverSource.update(X509Bundle.of(both.trustDomain(), both.authorities(), both.sequenceNumber()));
        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        Object reread = seen.session.get().getValue(CallerIdentityInterceptor.class.getName());
        assertThat(((CallerIdentityInterceptor.Verdict) reread).peer()).as("an equal bundle re-read keeps the verified peer")
                .isSameAs(((CallerIdentityInterceptor.Verdict) first).peer());

        serverSource.update(X509Bundle.of(both.trustDomain(), both.authorities(), both.sequenceNumber() + 1));
        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        assertThat(((CallerIdentityInterceptor.Verdict) seen.session.get().getValue(CallerIdentityInterceptor.class.getName()))
                .peer()).as("a new bundle is a new verification").isNotSameAs(((CallerIdentityInterceptor.Verdict) reread).peer());
    }

    @ParameterizedTest
    @MethodSource("io.meshid.common.tls.GrpcMutualTlsTest#providers")
    void firstCall_takesTheHandshakesOwnVerification_onlyForTheSameChainAndBundle(SslProvider provider) throws Exception {
        Server server = start(provider);
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true, provider));
        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        javax.net.ssl.SSLSession session = seen.session.get();
        java.security.cert.Certificate[] peerChain = session.getPeerCertificates();

        HandshakeVerification kept = HandshakeVerification.of(session, peerChain, serverSource.bundle());
        assertThat(kept).as("the server's trust manager kept what it verified in the handshake's session").isNotNull();
        assertThat(kept.verified().spiffeId()).isEqualTo(clientSource.svid().spiffeId());
        assertThat(((CallerIdentityInterceptor.Verdict) session.getValue(CallerIdentityInterceptor.class.getName())).peer().spiffeId())
                .isEqualTo(clientSource.svid().spiffeId());

        // Another bundle, or another chain than the one verified, is never taken for it.
        assertThat(HandshakeVerification.of(session, peerChain, serverRootOnly)).isNull();
        java.security.cert.Certificate[] otherChain = clientPki.svid(CLIENT_PATH).chain().toArray(java.security.cert.Certificate[]::new);
        assertThat(HandshakeVerification.of(session, otherChain, serverSource.bundle())).isNull();
        assertThat(HandshakeVerification.of(session, new java.security.cert.Certificate[] {peerChain[0]}, serverSource.bundle())).isNull();
    }

    @Test
    void callerOf_appliesTheSameChecks_forCodeThatRunsBeforeTheInterceptors() {
        CallerIdentityInterceptor interceptor = CallerIdentityInterceptor.requiringSvid(Set.of(), serverSource, clock, List.of());
        AtomicReference<Optional<io.meshid.common.spiffe.SpiffeId>> early = new AtomicReference<>();
        io.grpc.ServerInterceptor before = new io.grpc.ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
                    io.grpc.ServerCallHandler<Q, R> next) {
                early.set(interceptor.callerOf(call));
                return next.startCall(call, headers);
            }
        };
        Server server = loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE, TlsContexts.provider(), clock),
                seen, Set.of(), before);
        clientSource.update(oneMinuteSvid());
        ManagedChannel channel = loopback.connect(server, TlsContexts.grpcClient(clientSource, id -> true));
        assertThat(Loopback.check(channel)).isEqualTo(ServingStatus.SERVING);
        assertThat(early.get()).contains(clientSource.svid().spiffeId());

        clock.advance(Duration.ofMinutes(2));

        assertThatThrownBy(() -> Loopback.check(channel)).isInstanceOf(StatusRuntimeException.class);
        assertThat(early.get()).isEmpty();
    }

    private Server start(SslProvider provider) {
        return loopback.start(TlsContexts.grpcServer(serverSource, ClientAuth.REQUIRE, provider, clock), seen, Set.of());
    }

    /** A well-formed SVID of the client, valid for one minute from the test's start. */
    private X509Svid oneMinuteSvid() {
        return clientPki.leaf("spiffe://example.org" + CLIENT_PATH).validity(start, start.plus(Duration.ofMinutes(1))).issue().svid();
    }

    private static void closeQuietly(Loopback loopback) {
        try {
            loopback.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
