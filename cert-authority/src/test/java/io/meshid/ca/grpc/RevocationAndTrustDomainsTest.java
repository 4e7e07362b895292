package io.meshid.ca.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.testing.TestDatabase;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc.CertificateAuthorityBlockingStub;
import io.meshid.proto.ca.v1.EnsureTrustDomainRequest;
import io.meshid.proto.ca.v1.EnsureTrustDomainResponse;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.ca.v1.RevokeCertificateRequest;
import io.meshid.proto.ca.v1.RevokeCertificateResponse;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.meshid.proto.common.v1.RevocationReason;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * RevokeCertificate and EnsureTrustDomain over real mTLS channels: a revocation is in the journal
 * and the audit trail, the first one stands, bad input and strangers are refused with nothing
 * changed; identity-server of the CA's own trust domain makes the CA serve a new trust domain and
 * then has SVIDs of it signed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RevocationAndTrustDomainsTest {

    private static final String WORKLOAD = "spiffe://ca.test/ns/payments/sa/api";

    private CaServer server;
    private ManagedChannel asIdentity;
    private ManagedChannel asAdmin;
    private ManagedChannel asWorkload;

    @BeforeAll
    void start() {
        server = new CaServer(TestDatabase.h2(), Map.of());
        asIdentity = server.channelAs("spiffe://ca.test/meshid/identity-server");
        asAdmin = server.channelAs("spiffe://ca.test/meshid/admin");
        asWorkload = server.channelAs(WORKLOAD);
    }

    @AfterAll
    void stop() {
        List.of(asIdentity, asAdmin, asWorkload).forEach(ManagedChannel::shutdownNow);
        server.close();
    }

    private static CertificateAuthorityBlockingStub stub(ManagedChannel channel) {
        return CertificateAuthorityGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private String issue(String spiffeId) throws Exception {
        return stub(asIdentity).signX509Svid(SignX509SvidRequest.newBuilder().setSpiffeId(spiffeId)
                .setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).build()).getSvid().getSerialNumber();
    }

    private static RevokeCertificateRequest.Builder revoke(String domain, String serial, RevocationReason reason) {
        return RevokeCertificateRequest.newBuilder().setTrustDomain(domain).setSerialNumber(serial).setReason(reason);
    }

    private static void assertStatus(Throwable e, Status.Code code, String text) {
        assertThat(e).isInstanceOf(StatusRuntimeException.class);
        assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(code);
        assertThat(((StatusRuntimeException) e).getStatus().getDescription()).contains(text);
    }

    @Test
    void revoke_marksTheJournal_isAudited_andTheFirstRevocationStands() throws Exception {
        String serial = issue(WORKLOAD);
        Instant before = Instant.now().minusSeconds(1);
        long sequenceBefore = stub(asWorkload).getTrustBundle(GetTrustBundleRequest.newBuilder().setTrustDomain("ca.test").build())
                .getBundle().getSequenceNumber();

        RevokeCertificateResponse first = stub(asIdentity).revokeCertificate(revoke("ca.test", serial,
                RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).setComment("laptop stolen").build());
        RevokeCertificateResponse again = stub(asAdmin).revokeCertificate(revoke("ca.test", serial,
                RevocationReason.REVOCATION_REASON_SUPERSEDED).build());

        assertThat(first.getCertificate().getSpiffeId()).isEqualTo(WORKLOAD);
        assertThat(first.getCertificate().getRevocationReason()).isEqualTo(RevocationReason.REVOCATION_REASON_KEY_COMPROMISE);
        assertThat(first.getCertificate().hasRevokedAt()).isTrue();
        assertThat(again.getCertificate()).isEqualTo(first.getCertificate());
        assertThat(first.getBundleSequenceNumber()).isGreaterThan(sequenceBefore);
        assertThat(again.getBundleSequenceNumber()).as("nothing changed").isEqualTo(first.getBundleSequenceNumber());
        var bundle = stub(asWorkload).getTrustBundle(GetTrustBundleRequest.newBuilder().setTrustDomain("ca.test").build()).getBundle();
        assertThat(bundle.getSequenceNumber()).isEqualTo(first.getBundleSequenceNumber());
        X509Certificate leafIssuer = null;
        java.security.cert.X509CRL crl = null;
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        for (var der : bundle.getCrlsList()) {
            java.security.cert.X509CRL candidate = (java.security.cert.X509CRL) x509.generateCRL(new ByteArrayInputStream(der.toByteArray()));
            if (candidate.getRevokedCertificate(new java.math.BigInteger(serial, 16)) != null) {
                crl = candidate;
            }
        }
        assertThat(crl).as("a CRL in the bundle lists the serial").isNotNull();
        for (var der : bundle.getX509AuthoritiesList()) {
            X509Certificate authority = (X509Certificate) x509.generateCertificate(new ByteArrayInputStream(der.toByteArray()));
            if (authority.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                leafIssuer = authority;
            }
        }
        assertThat(leafIssuer).isNotNull();
        crl.verify(leafIssuer.getPublicKey());
        assertThat(crl.getRevokedCertificate(new java.math.BigInteger(serial, 16)).getRevocationReason())
                .isEqualTo(java.security.cert.CRLReason.KEY_COMPROMISE);
        assertThat(stub(asAdmin).listIssued(ListIssuedRequest.newBuilder().setSerialNumber(serial).build()).getCertificates(0))
                .isEqualTo(first.getCertificate());
        assertThat(server.context().getBean(AuditLog.class).find(new AuditQuery("ca.test", before,
                Optional.of("ca.certificate.revoke"), 10))).filteredOn(e -> e.target().equals(serial))
                .extracting(AuditEvent::outcome).contains(AuditEvent.Outcome.SUCCESS);
    }

    @Test
    void revoke_badInput_isInvalidArgument_andChangesNothing() throws Exception {
        String serial = issue(WORKLOAD);

        assertThatThrownBy(() -> stub(asIdentity).revokeCertificate(revoke("ca.test", serial,
                RevocationReason.REVOCATION_REASON_UNSPECIFIED).build())).satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "reason"));
        assertThatThrownBy(() -> stub(asIdentity).revokeCertificate(revoke("ca.test", "not-hex!",
                RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build()))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "serial_number"));
        assertThatThrownBy(() -> stub(asIdentity).revokeCertificate(revoke("ca.test", serial,
                RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).setComment("x".repeat(513)).build()))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "comment: 513"));
        assertThatThrownBy(() -> stub(asIdentity).revokeCertificate(revoke("Bad..Domain", serial,
                RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build()))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "trust_domain"));
        assertThat(stub(asAdmin).listIssued(ListIssuedRequest.newBuilder().setSerialNumber(serial).build()).getCertificates(0)
                .hasRevokedAt()).isFalse();
    }

    @Test
    void revoke_unknownSerialOrTrustDomain_isNotFound() {
        assertThatThrownBy(() -> stub(asIdentity).revokeCertificate(revoke("ca.test", "abcdef0123",
                RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build()))
                .satisfies(e -> assertStatus(e, Status.Code.NOT_FOUND, "certificate abcdef0123: not issued in trust domain ca.test"));
        assertThatThrownBy(() -> stub(asAdmin).revokeCertificate(revoke("ca.test", "abcdef0123",
                RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build())).satisfies(e -> assertStatus(e, Status.Code.NOT_FOUND, "not issued"));
        assertThatThrownBy(() -> stub(asIdentity).revokeCertificate(revoke("nowhere.test", "abcdef0123",
                RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build())).satisfies(e -> assertStatus(e, Status.Code.NOT_FOUND, "nowhere.test"));
    }

    @Test
    void revoke_byAWorkload_orAnAdminOfAnotherTrustDomain_isDenied() throws Exception {
        String serial = issue("spiffe://other.test/ns/a/sa/b");

        assertThatThrownBy(() -> stub(asWorkload).revokeCertificate(revoke("ca.test", issue(WORKLOAD),
                RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build())).satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "may not"));
        assertThatThrownBy(() -> stub(asAdmin).revokeCertificate(revoke("other.test", serial,
                RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build())).satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "other.test"));
        assertThatThrownBy(() -> stub(asIdentity).revokeCertificate(revoke("ca.test", serial,
                RevocationReason.REVOCATION_REASON_KEY_COMPROMISE).build()))
                .as("a serial of other.test is not found in ca.test").satisfies(e -> assertStatus(e, Status.Code.NOT_FOUND, "not issued"));
    }

    @Test
    void ensureTrustDomain_byIdentityServer_createsItsAuthoritiesOnce_andItsSvidsCanBeSigned() throws Exception {
        EnsureTrustDomainResponse created = stub(asIdentity).ensureTrustDomain(EnsureTrustDomainRequest.newBuilder()
                .setTrustDomain("tenant.test").build());
        EnsureTrustDomainResponse again = stub(asIdentity).ensureTrustDomain(EnsureTrustDomainRequest.newBuilder()
                .setTrustDomain("tenant.test").build());

        assertThat(created.getCreated()).isTrue();
        assertThat(created.getBundle().getTrustDomain()).isEqualTo("tenant.test");
        assertThat(created.getBundle().getX509AuthoritiesCount()).isEqualTo(2);
        assertThat(again.getCreated()).isFalse();
        assertThat(again.getBundle()).isEqualTo(created.getBundle());
        assertThat(stub(asWorkload).getTrustBundle(GetTrustBundleRequest.newBuilder().setTrustDomain("tenant.test").build())
                .getBundle()).isEqualTo(created.getBundle());
        assertThat(issue("spiffe://tenant.test/ns/a/sa/b")).isNotEmpty();
    }

    @Test
    void ensureTrustDomain_byAWorkload_isDenied_andBadNamesAreInvalid() {
        assertThatThrownBy(() -> stub(asWorkload).ensureTrustDomain(EnsureTrustDomainRequest.newBuilder().setTrustDomain("x.test").build()))
                .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "may not call meshid.ca.v1.CertificateAuthority/EnsureTrustDomain"));
        assertThatThrownBy(() -> stub(asIdentity).ensureTrustDomain(EnsureTrustDomainRequest.newBuilder().build()))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "trust_domain: empty"));
        assertThatThrownBy(() -> stub(asIdentity).ensureTrustDomain(EnsureTrustDomainRequest.newBuilder().setTrustDomain("UP/per").build()))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "trust_domain"));
        assertThatThrownBy(() -> stub(asWorkload).getTrustBundle(GetTrustBundleRequest.newBuilder().setTrustDomain("x.test").build()))
                .satisfies(e -> assertStatus(e, Status.Code.NOT_FOUND, "x.test"));
    }
}
