package io.meshid.ca.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.ca.v1.RevokeCertificateRequest;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.meshid.proto.common.v1.RevocationReason;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A certificate the CA signed, then revoked, on a connection to the CA opened before the
 * revocation: the replica that revoked it refuses the next call, and another replica sharing the
 * PostgreSQL database (no Redis) refuses it once it re-reads {@code ca_revoked}; so does a
 * replica started afterwards.
 */
@RequiresPostgres
class RevokedCallerTest {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RevokedCallerTest.class);

    private static final SpiffeId CA = SpiffeId.parse("spiffe://ca.test/meshid/cert-authority");
    private static final GetTrustBundleRequest BUNDLE = GetTrustBundleRequest.newBuilder().setTrustDomain("ca.test").build();

    @Test
    void aRevokedSvid_isRefused_onOpenConnections_toEveryReplica() throws Exception {
        TestDatabase database = TestDatabase.postgres();
        try (CaServer a = new CaServer(database.keepOnClose(), Map.of()); CaServer b = new CaServer(database.keepOnClose(), Map.of())) {
            var admin = CertificateAuthorityGrpc.newBlockingStub(a.channelAs("spiffe://ca.test/meshid/admin"))
                    .withDeadlineAfter(10, TimeUnit.SECONDS);
            KeyPair key = Csrs.ec("secp256r1");
            var signed = admin.signX509Svid(SignX509SvidRequest.newBuilder().setCsr(ByteString.copyFrom(Csrs.of(key)))
                    .setSpiffeId("spiffe://ca.test/ns/w/sa/stolen").build()).getSvid();
            List<X509Certificate> chain = new ArrayList<>();
            for (ByteString der : signed.getCertChainList()) {
                chain.add((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der.toByteArray())));
            }
            StaticSvidSource stolen = new StaticSvidSource(X509Svid.of(chain, key.getPrivate()), b.context().getBean(SvidSource.class).bundle());
            var onA = CertificateAuthorityGrpc.newBlockingStub(channel(a, stolen)).withDeadlineAfter(10, TimeUnit.SECONDS);
            var onB = CertificateAuthorityGrpc.newBlockingStub(channel(b, stolen)).withDeadlineAfter(10, TimeUnit.SECONDS);
            onA.getTrustBundle(BUNDLE);
            onB.getTrustBundle(BUNDLE);

            admin.revokeCertificate(RevokeCertificateRequest.newBuilder().setTrustDomain("ca.test").setSerialNumber(signed.getSerialNumber())
                    .setReason(RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build());
            long start = System.nanoTime();

            assertThatThrownBy(() -> onA.getTrustBundle(BUNDLE))
                    .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            StatusRuntimeException refused = null;
            while (refused == null && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
                try {
                    onB.getTrustBundle(BUNDLE);
                    TimeUnit.MILLISECONDS.sleep(10);
                } catch (StatusRuntimeException e) {
                    refused = e;
                }
            }
            assertThat(refused).isNotNull();
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            LOG.info("revocation on one CA replica refused by the other (database poll) after "
                    + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");

            try (CaServer later = new CaServer(database.keepOnClose(), Map.of())) {
                assertThatThrownBy(() -> CertificateAuthorityGrpc.newBlockingStub(channel(later, stolen))
                        .withDeadlineAfter(10, TimeUnit.SECONDS).getTrustBundle(BUNDLE))
                        .as("a replica started after the revocation")
                        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            }
        } finally {
            database.close();
        }
    }

    private static ManagedChannel channel(CaServer server, SvidSource client) {
        return NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).sslContext(TlsContexts.grpcClient(client, CA::equals)).build();
    }
}
