package io.meshid.ca.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import io.meshid.common.testing.TestDatabase;
import io.meshid.proto.ca.v1.AuthorityLevel;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc.CertificateAuthorityBlockingStub;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.ca.v1.ListIssuedRequest;
import io.meshid.proto.ca.v1.RotateAuthorityRequest;
import io.meshid.proto.ca.v1.RotateAuthorityResponse;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import io.meshid.proto.ca.v1.SignX509SvidResponse;
import io.meshid.proto.ca.v1.WatchTrustBundleRequest;
import io.meshid.proto.ca.v1.WatchTrustBundleResponse;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CertificateAuthority service over a real mTLS gRPC channel, with callers holding SVIDs from
 * the CA itself: who may call what, what comes back, and that bad input is refused with a message
 * that names the problem and leaves the journal unchanged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CertificateAuthorityServiceTest {

    private static final String WORKLOAD = "spiffe://ca.test/ns/payments/sa/api";
    private static final String IDENTITY_SERVER = "spiffe://ca.test/meshid/identity-server";
    private static final String ADMIN = "spiffe://ca.test/meshid/admin";

    private CaServer server;
    private ManagedChannel asIdentity;
    private ManagedChannel asAdmin;
    private ManagedChannel asWorkload;

    @BeforeAll
    void start() {
        // No scheduled rotation check: after the forced rotation below it would renew the CA's own SVID
        // in the background and add a journal line in the middle of a journal-size assertion.
        server = new CaServer(TestDatabase.h2(), Map.of("meshid.ca.rotation-check-interval", "PT1H"));
        asIdentity = server.channelAs(IDENTITY_SERVER);
        asAdmin = server.channelAs(ADMIN);
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

    private static SignX509SvidRequest.Builder request(byte[] csr) {
        return SignX509SvidRequest.newBuilder().setCsr(ByteString.copyFrom(csr)).setSpiffeId(WORKLOAD);
    }

    private int journalSize() {
        return stub(asAdmin).listIssued(ListIssuedRequest.newBuilder().setPageSize(1000).build()).getCertificatesCount();
    }

    @Test
    void sign_byIdentityServer_returnsLeafFirstChain_andJournalsIt() throws Exception {
        KeyPair key = Csrs.ec("secp256r1");
        SignX509SvidResponse reply = stub(asIdentity).signX509Svid(request(Csrs.of(key)).addDnsNames("api.payments.svc").build());

        X509Certificate leaf = parse(reply.getSvid().getCertChain(0));
        assertThat(reply.getSvid().getCertChainCount()).isEqualTo(2);
        assertThat(leaf.getPublicKey()).isEqualTo(key.getPublic());
        assertThat(leaf.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
                .containsExactlyInAnyOrder(WORKLOAD, "api.payments.svc");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getSerialNumber().bitLength()).isGreaterThanOrEqualTo(128);
        assertThat(stub(asAdmin).listIssued(ListIssuedRequest.newBuilder().setSerialNumber(reply.getSvid().getSerialNumber()).build())
                .getCertificatesList()).singleElement().satisfies(c -> {
                    assertThat(c.getSpiffeId()).isEqualTo(WORKLOAD);
                    assertThat(c.getCaller()).isEqualTo(IDENTITY_SERVER);
                    assertThat(c.getPublicKeySha256()).hasSize(64);
                });
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"secp256r1", "secp384r1", "rsa3072"})
    void sign_acceptsEveryAllowedCsrKeyType(String type) throws Exception {
        KeyPair key = type.equals("rsa3072") ? Csrs.rsa(3072) : Csrs.ec(type);

        SignX509SvidResponse reply = stub(asIdentity).signX509Svid(request(Csrs.of(key)).build());

        assertThat(parse(reply.getSvid().getCertChain(0)).getPublicKey()).isEqualTo(key.getPublic());
    }

    @Test
    void sign_rsa2048_isRefused() {
        assertThatThrownBy(() -> stub(asIdentity).signX509Svid(request(Csrs.of(Csrs.rsa(2048))).build()))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "csr: key is RSA 2048 (expected: one of"));
    }

    @Test
    void sign_byAdmin_isAllowed_byWorkload_isDenied() {
        assertThat(stub(asAdmin).signX509Svid(request(Csrs.of(Csrs.ec("secp256r1"))).build()).getSvid().getCertChainCount()).isEqualTo(2);

        assertThatThrownBy(() -> stub(asWorkload).signX509Svid(request(Csrs.of(Csrs.ec("secp256r1"))).build()))
                .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "may not call meshid.ca.v1.CertificateAuthority/SignX509Svid"));
    }

    @Test
    void adminOfOneTrustDomain_cannotSignRotateOrReadAnother_servedByTheSameCa() {
        assertThatThrownBy(() -> stub(asAdmin).signX509Svid(request(Csrs.of(Csrs.ec("secp256r1")))
                        .setSpiffeId("spiffe://other.test/ns/a/sa/b").build()))
                .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "may not have SVIDs signed in other.test"));
        assertThatThrownBy(() -> stub(asAdmin).rotateAuthority(RotateAuthorityRequest.newBuilder().setTrustDomain("other.test")
                        .setLevel(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE).setReason("r").build()))
                .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "may not rotate authorities in other.test"));
        assertThatThrownBy(() -> stub(asAdmin).listIssued(ListIssuedRequest.newBuilder().setTrustDomain("other.test").build()))
                .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "may not read the issuance journal in other.test"));
    }

    @Test
    void clientWithoutSvidOfThisTrustDomain_failsTheHandshake() {
        assertThatThrownBy(() -> stub(server.channelWithForeignSvid()).getTrustBundle(GetTrustBundleRequest.getDefaultInstance()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    static List<Arguments> badRequests() {
        KeyPair p256 = Csrs.ec("secp256r1");
        byte[] good = Csrs.of(p256);
        byte[] random = new byte[300];
        new SecureRandom().nextBytes(random);
        return List.of(
                Arguments.of("random bytes", f(b -> b.setCsr(ByteString.copyFrom(random))), "not a PKCS#10"),
                Arguments.of("truncated CSR", f(b -> b.setCsr(ByteString.copyFrom(Arrays.copyOf(good, good.length / 2)))), "not a PKCS#10"),
                Arguments.of("RSA-1024", f(b -> b.setCsr(ByteString.copyFrom(Csrs.of(Csrs.rsa(1024))))), "RSA 1024"),
                Arguments.of("CA:true", f(b -> b.setCsr(ByteString.copyFrom(Csrs.askingForCa(p256)))), "CA:true"),
                Arguments.of("unasked name", f(b -> b.setCsr(ByteString.copyFrom(Csrs.askingForUri(p256, "spiffe://ca.test/admin")))),
                        "asks for the name 'spiffe://ca.test/admin'"),
                Arguments.of("empty CSR", f(b -> b.setCsr(ByteString.EMPTY)), "csr: empty"),
                Arguments.of("CSR over the limit", f(b -> b.setCsr(ByteString.copyFrom(new byte[20_000]))), "at most 8192"),
                Arguments.of("other trust domain", f(b -> b.setSpiffeId("spiffe://elsewhere.test/ns/a/sa/b")), "elsewhere.test"),
                Arguments.of("malformed SPIFFE ID", f(b -> b.setSpiffeId("spiffe://ca.test/a/../b")), "spiffe_id: SPIFFE ID path"),
                Arguments.of("not a SPIFFE ID", f(b -> b.setSpiffeId("https://ca.test/a")), "spiffe_id"),
                Arguments.of("TTL zero", f(b -> b.setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(0))), "ttl: PT0S (expected: between PT1M and PT24H"),
                Arguments.of("TTL negative", f(b -> b.setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(-60))), "ttl: PT-1M"),
                Arguments.of("TTL above max", f(b -> b.setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(90_000))), "ttl: PT25H"),
                Arguments.of("bad DNS name", f(b -> b.addDnsNames("*.evil")), "dns_names: '*.evil'"));
    }

    private static Function<SignX509SvidRequest.Builder, SignX509SvidRequest.Builder> f(
            Function<SignX509SvidRequest.Builder, SignX509SvidRequest.Builder> change) {
        return change;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void sign_badInput_isInvalidArgument_andJournalsNothing(String name,
            Function<SignX509SvidRequest.Builder, SignX509SvidRequest.Builder> change, String expectedMessage) {
        int before = journalSize();
        SignX509SvidRequest bad = change.apply(request(Csrs.of(Csrs.ec("secp256r1")))).build();

        assertThatThrownBy(() -> stub(asIdentity).signX509Svid(bad))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, expectedMessage));
        assertThat(journalSize()).isEqualTo(before);
    }

    @Test
    void sign_csrWithBadSignature_fromAnAdmin_isRefused_andJournalsNothing() {
        int before = journalSize();
        SignX509SvidRequest forged = request(Csrs.withBadSignature(Csrs.ec("secp256r1"))).build();

        assertThatThrownBy(() -> stub(asAdmin).signX509Svid(forged))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "csr: signature does not verify"));
        assertThat(journalSize()).isEqualTo(before);
    }

    /**
     * A signer (identity-server) proves possession itself before it spends a join token or a
     * renewal, and can have any key it holds signed anyway: the CA does not verify its CSRs'
     * signatures a second time (docs/ca.md). Everything else is checked for it as for anyone
     * ({@link #sign_badInput_isInvalidArgument_andJournalsNothing} runs as identity-server).
     */
    @Test
    void sign_csrFromASigner_isNotVerifiedAgain() throws Exception {
        KeyPair key = Csrs.ec("secp256r1");

        SignX509SvidResponse reply = stub(asIdentity).signX509Svid(request(Csrs.withBadSignature(key)).build());

        assertThat(parse(reply.getSvid().getCertChain(0)).getPublicKey()).isEqualTo(key.getPublic());
    }

    @Test
    void sign_messageAboveTransportLimit_isRefusedBeforeTheCa() {
        int before = journalSize();
        SignX509SvidRequest huge = request(new byte[2 * 1024 * 1024]).build();

        assertThatThrownBy(() -> stub(asIdentity).signX509Svid(huge))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(journalSize()).isEqualTo(before);
    }

    @Test
    void watchTrustBundle_pushesCurrentThenEveryRotation_withGrowingSequence() throws Exception {
        LinkedBlockingQueue<WatchTrustBundleResponse> seen = new LinkedBlockingQueue<>();
        CertificateAuthorityGrpc.newStub(asWorkload).watchTrustBundle(WatchTrustBundleRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(WatchTrustBundleResponse value) {
                seen.add(value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        WatchTrustBundleResponse first = seen.poll(10, TimeUnit.SECONDS);
        assertThat(first).isNotNull();

        RotateAuthorityResponse rotated = stub(asAdmin).rotateAuthority(RotateAuthorityRequest.newBuilder()
                .setLevel(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE).setReason("test: suspected compromise").build());

        WatchTrustBundleResponse next = seen.poll(10, TimeUnit.SECONDS);
        assertThat(next).isNotNull();
        assertThat(next.getBundle().getSequenceNumber()).isGreaterThan(first.getBundle().getSequenceNumber());
        assertThat(next.getBundle().getX509AuthoritiesList()).contains(rotated.getActivated(0).getCertificate());
        assertThat(stub(asWorkload).getTrustBundle(GetTrustBundleRequest.getDefaultInstance()).getBundle().getSequenceNumber())
                .isEqualTo(next.getBundle().getSequenceNumber());
        assertThat(server.context().getBean(AuditLog.class).find(new AuditQuery("ca.test", java.time.Instant.EPOCH,
                        java.util.Optional.of("ca.authority.intermediate"), 100)))
                .anySatisfy(e -> {
                    assertThat(e.actor()).isEqualTo(ADMIN + " (forced: test: suspected compromise)");
                    assertThat(e.target()).isEqualTo(rotated.getActivated(0).getAuthorityId());
                });
    }

    @Test
    void rotateAuthority_byNonAdmin_isDenied() {
        assertThatThrownBy(() -> stub(asIdentity).rotateAuthority(RotateAuthorityRequest.newBuilder()
                        .setLevel(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE).setReason("r").build()))
                .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "may not call meshid.ca.v1.CertificateAuthority/RotateAuthority (expected: an admin identity"));
    }

    @Test
    void rotateAuthority_withoutLevelOrReason_isInvalidArgument() {
        assertThatThrownBy(() -> stub(asAdmin).rotateAuthority(RotateAuthorityRequest.newBuilder().setReason("r").build()))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "level: AUTHORITY_LEVEL_UNSPECIFIED"));
        assertThatThrownBy(() -> stub(asAdmin).rotateAuthority(RotateAuthorityRequest.newBuilder()
                        .setLevel(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE).setReason("  ").build()))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "reason: 0 characters (expected: 1 to 512"));
    }

    @Test
    void watchTrustBundle_moreThanEightStreamsFromOneCaller_isResourceExhausted() throws Exception {
        ManagedChannel watcher = server.channelAs("spiffe://ca.test/ns/watch/sa/many");
        try {
            List<io.grpc.Context.CancellableContext> contexts = new java.util.ArrayList<>();
            LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
            for (int i = 0; i < 9; i++) {
                io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
                contexts.add(context);
                context.run(() -> CertificateAuthorityGrpc.newStub(watcher).watchTrustBundle(WatchTrustBundleRequest.getDefaultInstance(),
                        new StreamObserver<>() {
                            @Override
                            public void onNext(WatchTrustBundleResponse value) {
                                events.add(value);
                            }

                            @Override
                            public void onError(Throwable t) {
                                events.add(t);
                            }

                            @Override
                            public void onCompleted() {
                            }
                        }));
            }
            List<Object> seen = new java.util.ArrayList<>();
            for (int i = 0; i < 9; i++) {
                seen.add(events.poll(10, TimeUnit.SECONDS));
            }
            assertThat(seen).filteredOn(o -> o instanceof WatchTrustBundleResponse).hasSize(8);
            assertThat(seen).filteredOn(o -> o instanceof StatusRuntimeException).singleElement()
                    .satisfies(e -> assertStatus((Throwable) e, Status.Code.RESOURCE_EXHAUSTED, "already has 8 open"));
            contexts.forEach(c -> c.cancel(null));
        } finally {
            watcher.shutdownNow();
        }
    }

    @Test
    void listIssued_pagesThroughTheJournal() {
        for (int i = 0; i < 3; i++) {
            stub(asIdentity).signX509Svid(request(Csrs.of(Csrs.ec("secp256r1"))).setSpiffeId("spiffe://ca.test/ns/paging/sa/x").build());
        }
        var first = stub(asAdmin).listIssued(ListIssuedRequest.newBuilder().setSpiffeId("spiffe://ca.test/ns/paging/sa/x").setPageSize(2).build());
        var second = stub(asAdmin).listIssued(ListIssuedRequest.newBuilder().setSpiffeId("spiffe://ca.test/ns/paging/sa/x").setPageSize(2)
                .setPageToken(first.getNextPageToken()).build());

        assertThat(first.getCertificatesCount()).isEqualTo(2);
        assertThat(second.getCertificatesCount()).isEqualTo(1);
        assertThat(second.getNextPageToken()).isEmpty();
        assertThatThrownBy(() -> stub(asAdmin).listIssued(ListIssuedRequest.newBuilder().setPageToken("garbage!").build()))
                .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "page_token"));
    }

    private static void assertStatus(Throwable e, Status.Code code, String messagePart) {
        assertThat(e).isInstanceOf(StatusRuntimeException.class);
        Status status = ((StatusRuntimeException) e).getStatus();
        assertThat(status.getCode()).as(status.toString()).isEqualTo(code);
        assertThat(status.getDescription()).contains(messagePart);
    }

    private static X509Certificate parse(ByteString der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der.toByteArray()));
    }
}
