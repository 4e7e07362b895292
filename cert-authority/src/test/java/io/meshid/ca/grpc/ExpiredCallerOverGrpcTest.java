package io.meshid.ca.grpc;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.authz.AuthorizationInterceptor;
import java.util.Optional;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshid.ca.self.LocalSvidIssuer;
import io.meshid.ca.testing.CaServer;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.ca.v1.AuthorityLevel;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.ca.v1.RotateAuthorityRequest;
import io.meshid.proto.ca.v1.WatchTrustBundleRequest;
import io.meshid.proto.ca.v1.WatchTrustBundleResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Callers of the CA holding 1-minute X.509-SVIDs keep their mTLS connections and streams open
 * past the SVIDs' expiry (the CA's clock moves): an admin rpc is then refused, and a
 * {@code WatchTrustBundle} stream ends with {@code UNAUTHENTICATED} instead of pushing the next bundle.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExpiredCallerOverGrpcTest {

    private static final String ADMIN = "spiffe://ca.test/meshid/admin";

    private final MutableClock clock = MutableClock.at(Instant.now());
    private final List<ManagedChannel> channels = new ArrayList<>();
    private CaServer server;

    @BeforeAll
    void start() {
        server = new CaServer(TestDatabase.h2(), Map.of(), clock);
    }

    @BeforeEach
    void now() {
        clock.set(Instant.now());
    }

    @AfterAll
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.close();
    }

    @Test
    void adminRpc_onAConnectionHeldOpenPastTheAdminsExpiry_isUnauthenticated() {
        Instant before = clock.instant().minusSeconds(1);
        X509Svid svid = oneMinute(ADMIN);
        ManagedChannel admin = channel(svid);
        assertThat(stub(admin).listIssued(ListIssuedRequest.getDefaultInstance())).isNotNull();

        clock.set(svid.leaf().getNotAfter().toInstant().plusSeconds(1));

        assertThatThrownBy(() -> stub(admin).listIssued(ListIssuedRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains("expired at " + svid.leaf().getNotAfter().toInstant());
                });
        assertThat(server.context().getBean(AuditLog.class).find(new AuditQuery(CaServer.DOMAIN, before,
                Optional.of(AuthorizationInterceptor.ACTION), 100))).anySatisfy(e -> {
                    assertThat(e.actor()).isEqualTo(ADMIN);
                    assertThat(e.target()).isEqualTo("meshid.ca.v1.CertificateAuthority/ListIssued");
                    assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.DENIED);
                    assertThat(e.detail()).startsWith("UNAUTHENTICATED: ").contains("expired at");
                });
    }

    @Test
    void watchTrustBundle_endsUnauthenticated_onceTheWatchersSvidExpired() throws Exception {
        X509Svid svid = oneMinute("spiffe://ca.test/ns/watch/sa/expiring");
        LinkedBlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        CertificateAuthorityGrpc.newStub(channel(svid)).watchTrustBundle(WatchTrustBundleRequest.getDefaultInstance(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(WatchTrustBundleResponse value) {
                        seen.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        seen.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        seen.add("completed");
                    }
                });
        assertThat(seen.poll(10, TimeUnit.SECONDS)).isInstanceOf(WatchTrustBundleResponse.class);

        clock.set(svid.leaf().getNotAfter().toInstant().plusSeconds(1));
        stub(channel(server.svid(ADMIN))).rotateAuthority(RotateAuthorityRequest.newBuilder()
                .setLevel(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE).setReason("test: a push after the watcher expired").build());

        assertThat(seen.poll(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(e.getStatus().getDescription()).contains("expired at " + svid.leaf().getNotAfter().toInstant());
        });
    }

    private X509Svid oneMinute(String id) {
        return server.context().getBean(LocalSvidIssuer.class).issue(SpiffeId.parse(id), Duration.ofMinutes(1));
    }

    private ManagedChannel channel(X509Svid svid) {
        ManagedChannel channel = server.channelWith(svid);
        channels.add(channel);
        return channel;
    }

    private static CertificateAuthorityGrpc.CertificateAuthorityBlockingStub stub(ManagedChannel channel) {
        return CertificateAuthorityGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }
}
