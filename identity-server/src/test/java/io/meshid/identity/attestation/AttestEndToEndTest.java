package io.meshid.identity.attestation;

import static io.meshid.identity.attestation.E2eServers.code;
import static io.meshid.identity.attestation.E2eServers.csrAskingFor;
import static io.meshid.identity.attestation.E2eServers.csrFor;
import static io.meshid.identity.attestation.E2eServers.description;
import static io.meshid.identity.attestation.E2eServers.newKey;
import static io.meshid.identity.attestation.E2eServers.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidVerifier;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.common.v1.RevocationReason;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.AttestResponse;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.DeleteEntryRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc.RegistryServiceBlockingStub;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import io.meshid.proto.identity.v1.RevokeX509SvidRequest;
import io.meshid.proto.identity.v1.RevokeX509SvidResponse;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Bootstrap end to end, as a sidecar does it: the real cert-authority process, identity-server
 * over mTLS, an admin creating an entry and a join token, and a client with no certificate at all
 * attesting with the token over TLS and getting an SVID that verifies against the bundle it got
 * back. The token works once; the workload then renews over mTLS with a new key, never with a
 * used one, not once its entry is gone, and not once its SVID is revoked. Bad evidence is refused,
 * audited, and issues nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AttestEndToEndTest {

    private E2eServers servers;
    private RegistryServiceBlockingStub registry;
    private IdentityServiceBlockingStub workload;

    @BeforeAll
    void start() throws Exception {
        servers = new E2eServers(Files.createTempDirectory("meshid-e2e"), Map.of("meshid.identity.attest-failures-per-minute", 5));
        registry = RegistryServiceGrpc.newBlockingStub(servers.asAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS);
        workload = IdentityServiceGrpc.newBlockingStub(servers.anonymous()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterAll
    void stop() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    private io.meshid.proto.identity.v1.RegistrationEntry entry(String path) {
        return registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId("spiffe://e2e.test" + path)
                .addDnsNames("api.payments.svc").build()).getEntry();
    }

    private String token(io.meshid.proto.identity.v1.RegistrationEntry entry) {
        return registry.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(entry.getId()).build()).getToken();
    }

    private static AttestRequest attest(String token, ByteString csr) {
        return AttestRequest.newBuilder().setJoinToken(token).setCsr(csr).build();
    }

    /** The workload's mTLS stub once it holds {@code reply}'s SVID for {@code key}. */
    private IdentityServiceBlockingStub holding(AttestResponse reply, KeyPair key) throws Exception {
        return holding(reply.getSvid(), reply.getTrustBundle(), key);
    }

    /** The workload's mTLS stub once it holds {@code svid} for {@code key}. */
    private IdentityServiceBlockingStub holding(io.meshid.proto.common.v1.X509Svid svid, io.meshid.proto.common.v1.TrustBundle bundle,
            KeyPair key) throws Exception {
        ManagedChannel mtls = servers.as(held(svid, bundle, key));
        return IdentityServiceGrpc.newBlockingStub(mtls).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    static StaticSvidSource held(io.meshid.proto.common.v1.X509Svid svid, io.meshid.proto.common.v1.TrustBundle bundle, KeyPair key)
            throws Exception {
        List<X509Certificate> chain = new ArrayList<>();
        for (ByteString der : svid.getCertChainList()) {
            chain.add(parse(der));
        }
        List<X509Certificate> anchors = new ArrayList<>();
        for (ByteString der : bundle.getX509AuthoritiesList()) {
            anchors.add(parse(der));
        }
        return new StaticSvidSource(X509Svid.of(chain, key.getPrivate()), X509Bundle.of(TrustDomain.of("e2e.test"), anchors, 1));
    }

    /** The SVID of {@code reply} for {@code key}, as a source for channels. */
    private static StaticSvidSource held(AttestResponse reply, KeyPair key) throws Exception {
        List<X509Certificate> chain = new ArrayList<>();
        for (ByteString der : reply.getSvid().getCertChainList()) {
            chain.add(parse(der));
        }
        List<X509Certificate> anchors = new ArrayList<>();
        for (ByteString der : reply.getTrustBundle().getX509AuthoritiesList()) {
            anchors.add(parse(der));
        }
        return new StaticSvidSource(X509Svid.of(chain, key.getPrivate()), X509Bundle.of(TrustDomain.of("e2e.test"), anchors, 1));
    }

    @Test
    void anAdminEntrysSvid_isAnAdminOnIdentityServerAndTheCa_aWorkloadsIsNot() throws Exception {
        var adminEntry = registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId("spiffe://e2e.test/team/ops").setAdmin(true)
                .build()).getEntry();
        KeyPair key = newKey();
        AttestResponse reply = workload.attest(attest(token(adminEntry), csrFor(key)));
        assertThat(io.meshid.common.authz.AdminMark.isMarked(parse(reply.getSvid().getCertChain(0)))).isTrue();
        StaticSvidSource ops = held(reply, key);

        assertThat(RegistryServiceGrpc.newBlockingStub(servers.as(ops)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listEntries(io.meshid.proto.identity.v1.ListEntriesRequest.newBuilder().setTrustDomain("e2e.test").build())
                .getEntriesList()).isNotEmpty();
        assertThat(CertificateAuthorityGrpc.newBlockingStub(servers.caAs(ops)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listIssued(ListIssuedRequest.newBuilder().setSpiffeId("spiffe://e2e.test/team/ops").build()).getCertificatesCount())
                .isEqualTo(1);

        KeyPair other = newKey();
        StaticSvidSource plain = held(workload.attest(attest(token(entry("/ns/ops/sa/plain")), csrFor(other))), other);
        assertThat(io.meshid.common.authz.AdminMark.isMarked(plain.svid().leaf())).isFalse();
        assertThatThrownBy(() -> RegistryServiceGrpc.newBlockingStub(servers.as(plain)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listEntries(io.meshid.proto.identity.v1.ListEntriesRequest.newBuilder().setTrustDomain("e2e.test").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> CertificateAuthorityGrpc.newBlockingStub(servers.caAs(plain)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listIssued(ListIssuedRequest.getDefaultInstance()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    private int issuedFor(String spiffeId) {
        return CertificateAuthorityGrpc.newBlockingStub(servers.caAsAdmin()).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listIssued(ListIssuedRequest.newBuilder().setSpiffeId(spiffeId).build()).getCertificatesCount();
    }

    @Test
    void joinToken_attestsOnce_andTheSvidVerifiesAgainstTheReturnedBundle() throws Exception {
        var entry = entry("/ns/payments/sa/api");
        String token = token(entry);
        KeyPair key = newKey();
        ByteString csr = csrFor(key);

        AttestResponse reply = workload.attest(attest(token, csr));

        List<X509Certificate> chain = new ArrayList<>();
        for (ByteString der : reply.getSvid().getCertChainList()) {
            chain.add(parse(der));
        }
        List<X509Certificate> anchors = new ArrayList<>();
        for (ByteString der : reply.getTrustBundle().getX509AuthoritiesList()) {
            anchors.add(parse(der));
        }
        assertThat(chain.get(0).getPublicKey()).isEqualTo(key.getPublic());
        assertThat(new SvidVerifier().verify(chain, X509Bundle.of(TrustDomain.of("e2e.test"), anchors, 1), Instant.now()))
                .isEqualTo(SpiffeId.parse("spiffe://e2e.test/ns/payments/sa/api"));
        assertThat(reply.getEntryId()).isEqualTo(entry.getId());

        Instant before = servers.clock.instant();
        assertThatThrownBy(() -> workload.attest(attest(token, csrFor(newKey()))))
                .as("replayed").satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThat(servers.audit("unknown", "attest.join_token", before)).extracting(AuditEvent::outcome).contains(AuditEvent.Outcome.DENIED);

        // From now on the workload renews over mTLS with the SVID it got, each time with a new key.
        var renewing = holding(reply, key);
        KeyPair next = newKey();

        var renewed = renewing.renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csrFor(next)).build());

        assertThat(parse(renewed.getSvid().getCertChain(0)).getPublicKey()).isEqualTo(next.getPublic());
        assertThat(renewed.getSvid().getSpiffeId()).isEqualTo("spiffe://e2e.test/ns/payments/sa/api");
        assertThatThrownBy(() -> renewing.renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csr).build()))
                .satisfies(e -> assertThat(description(e)).contains("key of the SVID you present"));
        assertThatThrownBy(() -> renewing.renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csrFor(next)).build()))
                .as("a key used before").satisfies(e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(description(e)).contains("was already used for an SVID of spiffe://e2e.test/ns/payments/sa/api");
                });

        registry.deleteEntry(DeleteEntryRequest.newBuilder().setId(entry.getId()).build());
        assertThatThrownBy(() -> renewing.renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csrFor(newKey())).build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    @Test
    void unknownAndExpiredJoinTokens_areUnauthenticated_audited_andIssueNothing() throws Exception {
        var entry = entry("/ns/expiry/sa/api");
        String token = token(entry);
        Instant before = servers.clock.instant();

        assertThatThrownBy(() -> workload.attest(attest("x".repeat(43), csrFor(newKey()))))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED));
        servers.clock.advance(Duration.ofMinutes(11));
        assertThatThrownBy(() -> workload.attest(attest(token, csrFor(newKey()))))
                .satisfies(e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(description(e)).contains("unknown, expired or already used");
                });

        assertThat(servers.audit("unknown", "attest.join_token", before)).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(a -> assertThat(a.detail()).doesNotContain(token));
        assertThat(issuedFor(entry.getSpiffeId())).isZero();
    }

    @Test
    void aCsrForAnotherSpiffeId_isInvalidArgument_audited_andIssuesNothing() throws Exception {
        var entry = entry("/ns/payments/sa/honest");
        Instant before = servers.clock.instant();

        assertThatThrownBy(() -> workload.attest(attest(token(entry), csrAskingFor(newKey(), "spiffe://e2e.test/meshid/admin"))))
                .satisfies(e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(description(e)).startsWith("csr:");
                });

        assertThat(servers.audit("e2e.test", "attest.join_token", before)).filteredOn(a -> a.target().equals(entry.getSpiffeId()))
                .extracting(AuditEvent::outcome).containsExactly(AuditEvent.Outcome.DENIED);
        assertThat(issuedFor(entry.getSpiffeId())).isZero();
    }

    /**
     * The attack of issue 11, point 13: before, the token was consumed first, so any bad CSR burnt
     * it (an attacker who sees a token in flight, or a buggy sidecar, wastes it). Every bad CSR
     * must be refused with INVALID_ARGUMENT before the token is touched, and the token must then
     * still attest once with a good CSR.
     */
    @Test
    void malformedCsrs_areRefusedBeforeTheJoinTokenIsConsumed_andTheTokenStillAttests() throws Exception {
        var entry = entry("/ns/payments/sa/careful");
        String token = token(entry);
        byte[] good = csrFor(newKey()).toByteArray();
        byte[] badSignature = good.clone();
        badSignature[badSignature.length - 3] ^= 0x01;
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair weak = rsa.generateKeyPair();
        ByteString rsa2048 = ByteString.copyFrom(new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new org.bouncycastle.asn1.x500.X500Name("CN=workload"), weak.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withRSA").build(weak.getPrivate())).getEncoded());
        Map<String, ByteString> bad = new java.util.LinkedHashMap<>();
        bad.put("not DER", ByteString.copyFromUtf8("-----BEGIN CERTIFICATE REQUEST-----"));
        bad.put("truncated", ByteString.copyFrom(good, 0, good.length / 2));
        bad.put("signature does not verify", ByteString.copyFrom(badSignature));
        bad.put("RSA 2048", rsa2048);
        bad.put("another SPIFFE ID", csrAskingFor(newKey(), "spiffe://e2e.test/ns/payments/sa/other"));
        Instant before = servers.clock.instant();

        bad.forEach((what, csr) -> assertThatThrownBy(() -> workload.attest(attest(token, csr))).as(what).satisfies(e -> {
            assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(description(e)).startsWith("csr:").contains("expected:");
        }));

        assertThat(issuedFor(entry.getSpiffeId())).as("nothing signed").isZero();
        assertThat(servers.audit("e2e.test", "attest.join_token", before)).filteredOn(a -> a.target().equals(entry.getSpiffeId()))
                .extracting(AuditEvent::outcome).hasSize(bad.size()).containsOnly(AuditEvent.Outcome.DENIED);
        AttestResponse reply = workload.attest(attest(token, ByteString.copyFrom(good)));
        assertThat(reply.getSvid().getSpiffeId()).isEqualTo(entry.getSpiffeId());
        assertThatThrownBy(() -> workload.attest(attest(token, csrFor(newKey())))).as("and then it is used")
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void aReusedCsrKey_isInvalidArgument_audited_andIssuesNothing() throws Exception {
        var entry = entry("/ns/payments/sa/reuse");
        ByteString csr = csrFor(newKey());
        workload.attest(attest(token(entry), csr));
        Instant before = servers.clock.instant();

        assertThatThrownBy(() -> workload.attest(attest(token(entry), csr))).satisfies(e -> {
            assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(description(e)).contains("was already used for an SVID of " + entry.getSpiffeId())
                    .contains("expected: a new key pair for every SVID");
        });

        assertThat(servers.audit("e2e.test", "attest.join_token", before)).filteredOn(a -> a.target().equals(entry.getSpiffeId()))
                .filteredOn(a -> a.outcome() == AuditEvent.Outcome.DENIED).singleElement()
                .satisfies(a -> assertThat(a.detail()).contains("already used"));
        assertThat(issuedFor(entry.getSpiffeId())).isEqualTo(1);
    }

    @Test
    void aRevokedSvid_cannotRenew_andRevokingAgainChangesNothing() throws Exception {
        var entry = entry("/ns/payments/sa/revoked");
        KeyPair key = newKey();
        AttestResponse reply = workload.attest(attest(token(entry), csrFor(key)));
        var renewing = holding(reply, key);
        RevokeX509SvidRequest revoke = RevokeX509SvidRequest.newBuilder().setTrustDomain("e2e.test")
                .setSerialNumber(reply.getSvid().getSerialNumber()).setReason(RevocationReason.REVOCATION_REASON_KEY_COMPROMISE)
                .setComment("node compromised").build();
        Instant before = servers.clock.instant();

        RevokeX509SvidResponse revoked = registry.revokeX509Svid(revoke);
        RevokeX509SvidResponse again = registry.revokeX509Svid(revoke.toBuilder().setReason(RevocationReason.REVOCATION_REASON_SUPERSEDED).build());

        assertThat(revoked.getSpiffeId()).isEqualTo(entry.getSpiffeId());
        assertThat(revoked.getNotAfter()).isEqualTo(reply.getSvid().getNotAfter());
        assertThat(again.getRevokedAt()).isEqualTo(revoked.getRevokedAt());
        assertThatThrownBy(() -> renewing.renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csrFor(newKey())).build()))
                .as("a revoked SVID is refused on every call, renewal included").satisfies(e -> {
                    assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(description(e)).contains("is revoked");
                });
        assertThat(servers.audit("e2e.test", "identity.revoke_x509_svid", before)).extracting(AuditEvent::outcome)
                .contains(AuditEvent.Outcome.SUCCESS);
        assertThat(CertificateAuthorityGrpc.newBlockingStub(servers.caAsAdmin()).listIssued(ListIssuedRequest.newBuilder()
                .setSerialNumber(reply.getSvid().getSerialNumber()).build()).getCertificates(0).getRevocationReason())
                .isEqualTo(RevocationReason.REVOCATION_REASON_KEY_COMPROMISE);
        assertThatThrownBy(() -> registry.revokeX509Svid(revoke.toBuilder().setSerialNumber("abcdef12").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void renewingMoreThanTenTimesAMinute_isResourceExhausted_withARetryHint() throws Exception {
        var entry = entry("/ns/payments/sa/eager");
        KeyPair key = newKey();
        AttestResponse attested = workload.attest(attest(token(entry), csrFor(key)));
        var renewing = holding(attested, key);
        StatusRuntimeException e = null;
        int allowed = 0;
        while (e == null && allowed <= 20) {
            try {
                // Each time with the SVID the last renewal gave: an SVID renews once.
                KeyPair next = newKey();
                var renewed = renewing.renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(csrFor(next)).build());
                renewing = holding(renewed.getSvid(), renewed.getTrustBundle(), next);
                allowed++;
            } catch (StatusRuntimeException refused) {
                e = refused;
            }
        }

        // Fixed one-minute windows: exactly 10 within one, at most 20 when the calls straddle two.
        assertThat(allowed).isBetween(10, 20);
        assertThat(e).isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(e.getStatus().getDescription()).contains("RenewX509Svid for caller " + entry.getSpiffeId())
                .contains("10 per PT1M").contains("retry in");
        assertThat(e.getTrailers().get(io.meshid.common.ratelimit.RateLimitInterceptor.RETRY_AFTER_MS)).isNotNull();
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void failedAttestations_pastTheLimit_areResourceExhausted() throws Exception {
        servers.clock.advance(Duration.ofMinutes(2));
        AttestRequest bogus = AttestRequest.newBuilder().setJoinToken("no-such-token").setCsr(ByteString.copyFrom(new byte[] {1})).build();
        List<Status.Code> codes = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            try {
                workload.attest(bogus);
            } catch (StatusRuntimeException e) {
                codes.add(e.getStatus().getCode());
            }
        }

        assertThat(codes).hasSize(7).contains(Status.Code.UNAUTHENTICATED).endsWith(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(codes.indexOf(Status.Code.RESOURCE_EXHAUSTED)).isLessThanOrEqualTo(5);
    }

    @Test
    void withoutClientCertificate_onlyAttestIsServed() throws Exception {
        var anonymousRegistry = RegistryServiceGrpc.newBlockingStub(servers.anonymous()).withDeadlineAfter(10, TimeUnit.SECONDS);

        assertThatThrownBy(() -> anonymousRegistry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId("spiffe://e2e.test/ns/x/sa/y").build()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED));
    }
}
