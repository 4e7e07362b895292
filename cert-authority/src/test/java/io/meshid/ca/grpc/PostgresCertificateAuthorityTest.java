package io.meshid.ca.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.meshid.proto.ca.v1.AuthorityLevel;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.ca.v1.RotateAuthorityRequest;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CA on PostgreSQL: authorities stored sealed and read back after a restart, issuance
 * journaled, rotation persisted.
 */
@RequiresPostgres
class PostgresCertificateAuthorityTest {

    @Test
    void signRotateAndRestart_keepAuthoritiesAndJournal() {
        TestDatabase database = TestDatabase.postgres();
        String firstIntermediate;
        long sequence;
        try (CaServer server = new CaServer(database.keepOnClose(), Map.of())) {
            ManagedChannel admin = server.channelAs("spiffe://ca.test/meshid/admin");
            var stub = CertificateAuthorityGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS);
            var signed = stub.signX509Svid(SignX509SvidRequest.newBuilder()
                    .setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).setSpiffeId("spiffe://ca.test/ns/a/sa/b").build());
            var rotated = stub.rotateAuthority(RotateAuthorityRequest.newBuilder().setLevel(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE)
                    .setReason("test").build());
            firstIntermediate = rotated.getActivated(0).getAuthorityId();
            sequence = rotated.getBundle().getSequenceNumber();
            assertThat(stub.listIssued(ListIssuedRequest.newBuilder().setSerialNumber(signed.getSvid().getSerialNumber()).build())
                    .getCertificatesCount()).isEqualTo(1);
            admin.shutdownNow();
        }
        try (CaServer restarted = new CaServer(database, Map.of())) {
            ManagedChannel admin = restarted.channelAs("spiffe://ca.test/meshid/admin");
            var stub = CertificateAuthorityGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS);
            var signed = stub.signX509Svid(SignX509SvidRequest.newBuilder()
                    .setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).setSpiffeId("spiffe://ca.test/ns/a/sa/b").build());
            var issued = stub.listIssued(ListIssuedRequest.newBuilder().setSerialNumber(signed.getSvid().getSerialNumber()).build());

            assertThat(issued.getCertificates(0).getIssuerAuthorityId()).isEqualTo(firstIntermediate);
            assertThat(stub.listIssued(ListIssuedRequest.newBuilder().setSpiffeId("spiffe://ca.test/ns/a/sa/b").build())
                    .getCertificatesCount()).isEqualTo(2);
            assertThat(restarted.context().getBean(io.meshid.ca.authority.AuthorityManager.class)
                    .bundle(io.meshid.common.spiffe.TrustDomain.of("ca.test")).sequence()).isGreaterThanOrEqualTo(sequence);
            admin.shutdownNow();
        }
    }

    @Test
    void aTrustDomainCreatedOnOneReplica_isServedAtOnceByAnother() {
        TestDatabase database = TestDatabase.postgres();
        try (CaServer first = new CaServer(database.keepOnClose(), Map.of());
                CaServer second = new CaServer(database, Map.of())) {
            ManagedChannel onFirst = first.channelAs("spiffe://ca.test/meshid/identity-server");
            ManagedChannel onSecond = second.channelAs("spiffe://ca.test/meshid/identity-server");
            String domain = "replica-" + Long.toHexString(System.nanoTime()) + ".test";

            var created = CertificateAuthorityGrpc.newBlockingStub(onFirst).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .ensureTrustDomain(io.meshid.proto.ca.v1.EnsureTrustDomainRequest.newBuilder().setTrustDomain(domain).build());
            var stub = CertificateAuthorityGrpc.newBlockingStub(onSecond).withDeadlineAfter(10, TimeUnit.SECONDS);
            var signed = stub.signX509Svid(SignX509SvidRequest.newBuilder()
                    .setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).setSpiffeId("spiffe://" + domain + "/ns/a/sa/b").build());

            assertThat(created.getCreated()).isTrue();
            assertThat(signed.getSvid().getSpiffeId()).isEqualTo("spiffe://" + domain + "/ns/a/sa/b");
            assertThat(stub.getTrustBundle(io.meshid.proto.ca.v1.GetTrustBundleRequest.newBuilder().setTrustDomain(domain).build())
                    .getBundle().getX509AuthoritiesList()).isEqualTo(created.getBundle().getX509AuthoritiesList());
            onFirst.shutdownNow();
            onSecond.shutdownNow();
        }
    }
}
