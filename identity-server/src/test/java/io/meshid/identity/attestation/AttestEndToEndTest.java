package io.meshid.identity.attestation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.PemFileSvidSource;
import io.meshid.common.tls.SpiffeTrustManager;
import io.meshid.common.tls.StaticSvidSource;
import io.meshid.common.tls.SvidVerifier;
import io.meshid.common.tls.TlsContexts;
import io.meshid.common.tls.X509Bundle;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.testing.CaProcess;
import io.meshid.proto.identity.v1.AttestRequest;
import io.meshid.proto.identity.v1.AttestResponse;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.DeleteEntryRequest;
import io.meshid.proto.identity.v1.RenewX509SvidRequest;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.micronaut.context.ApplicationContext;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bootstrap end to end, as a sidecar does it: the real cert-authority process (its built jar),
 * identity-server over mTLS with the SVID files the CA wrote, an admin creating an entry and a
 * join token, and a client with no certificate at all attesting with the token over TLS and
 * getting an SVID that verifies against the bundle it got back. The token works once; the
 * workload then renews over mTLS with a new key, never with the old one, and not once its entry
 * is gone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AttestEndToEndTest {

    private Path dir;

    private CaProcess ca;
    private EmbeddedServer identity;
    private PemFileSvidSource adminSource;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("meshid-e2e");
        ca = CaProcess.start(dir, "e2e.test", List.of("-XX:TieredStopAtLevel=1"));
        Path creds = ca.credentials();
        Map<String, Object> p = new HashMap<>(TestDatabase.h2().properties("common", "identity-server"));
        p.putAll(ca.identityServerProperties("e2e.test"));
        p.put("meshid.identity.attest-failures-per-minute", 5);
        p.put("meshid.identity.key-encryption-key", io.meshid.identity.jwt.JwtTestContexts.TEST_KEK);
        identity = ApplicationContext.run(EmbeddedServer.class, p);
        adminSource = new PemFileSvidSource(creds.resolve("admin/cert.pem"), creds.resolve("admin/key.pem"),
                creds.resolve("admin/bundle.pem"), Duration.ofSeconds(5));
    }

    @AfterAll
    void stop() throws Exception {
        channels.forEach(ManagedChannel::shutdownNow);
        if (adminSource != null) {
            adminSource.close();
        }
        if (identity != null) {
            identity.stop();
        }
        if (ca != null) {
            ca.close();
        }
    }

    private int identityPort() {
        return identity.getApplicationContext().getBean(GrpcEmbeddedServer.class).getPort();
    }

    private ManagedChannel asAdmin() {
        SpiffeId server = SpiffeId.parse("spiffe://e2e.test/meshid/identity-server");
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", identityPort())
                .sslContext(TlsContexts.grpcClient(adminSource, server::equals)).build();
        channels.add(c);
        return c;
    }

    /** A workload with no SVID yet: TLS that checks the server against the bundle, no client certificate. */
    private ManagedChannel anonymous() throws Exception {
        SpiffeId server = SpiffeId.parse("spiffe://e2e.test/meshid/identity-server");
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", identityPort())
                .sslContext(GrpcSslContexts.forClient().trustManager(new SpiffeTrustManager(adminSource, server::equals))
                        .endpointIdentificationAlgorithm(null).build())
                .build();
        channels.add(c);
        return c;
    }

    @Test
    void joinToken_attestsOnce_andTheSvidVerifiesAgainstTheReturnedBundle() throws Exception {
        var registry = RegistryServiceGrpc.newBlockingStub(asAdmin()).withDeadlineAfter(10, TimeUnit.SECONDS);
        var entry = registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId("spiffe://e2e.test/ns/payments/sa/api")
                .addDnsNames("api.payments.svc").build()).getEntry();
        String token = registry.createJoinToken(CreateJoinTokenRequest.newBuilder().setEntryId(entry.getId()).build()).getToken();

        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = generator.generateKeyPair();
        byte[] csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=workload"), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded();
        var workload = IdentityServiceGrpc.newBlockingStub(anonymous()).withDeadlineAfter(10, TimeUnit.SECONDS);

        AttestResponse reply = workload.attest(AttestRequest.newBuilder().setJoinToken(token).setCsr(ByteString.copyFrom(csr)).build());

        List<X509Certificate> chain = new ArrayList<>();
        for (ByteString der : reply.getSvid().getCertChainList()) {
            chain.add(parse(der));
        }
        List<X509Certificate> anchors = new ArrayList<>();
        for (ByteString der : reply.getTrustBundle().getX509AuthoritiesList()) {
            anchors.add(parse(der));
        }
        assertThat(chain.get(0).getPublicKey()).isEqualTo(key.getPublic());
        assertThat(new SvidVerifier().verify(chain, X509Bundle.of(io.meshid.common.spiffe.TrustDomain.of("e2e.test"), anchors, 1),
                Instant.now())).isEqualTo(SpiffeId.parse("spiffe://e2e.test/ns/payments/sa/api"));
        assertThat(reply.getEntryId()).isEqualTo(entry.getId());

        assertThatThrownBy(() -> workload.attest(AttestRequest.newBuilder().setJoinToken(token).setCsr(ByteString.copyFrom(csr)).build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

        // From now on the workload renews over mTLS with the SVID it got, each time with a new key.
        StaticSvidSource held = new StaticSvidSource(io.meshid.common.tls.X509Svid.of(chain, key.getPrivate()),
                X509Bundle.of(io.meshid.common.spiffe.TrustDomain.of("e2e.test"), anchors, 1));
        SpiffeId server = SpiffeId.parse("spiffe://e2e.test/meshid/identity-server");
        ManagedChannel mtls = NettyChannelBuilder.forAddress("127.0.0.1", identityPort())
                .sslContext(TlsContexts.grpcClient(held, server::equals)).build();
        channels.add(mtls);
        var renewing = IdentityServiceGrpc.newBlockingStub(mtls).withDeadlineAfter(10, TimeUnit.SECONDS);
        KeyPair next = generator.generateKeyPair();

        var renewed = renewing.renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(ByteString.copyFrom(csrFor(next))).build());

        assertThat(parse(renewed.getSvid().getCertChain(0)).getPublicKey()).isEqualTo(next.getPublic());
        assertThat(renewed.getSvid().getSpiffeId()).isEqualTo("spiffe://e2e.test/ns/payments/sa/api");
        assertThatThrownBy(() -> renewing.renewX509Svid(RenewX509SvidRequest.newBuilder().setCsr(ByteString.copyFrom(csr)).build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getDescription()).contains("key of the SVID you present"));

        registry.deleteEntry(DeleteEntryRequest.newBuilder().setId(entry.getId()).build());
        assertThatThrownBy(() -> renewing.renewX509Svid(RenewX509SvidRequest.newBuilder()
                        .setCsr(ByteString.copyFrom(csrFor(generator.generateKeyPair()))).build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    private static byte[] csrFor(KeyPair key) throws Exception {
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=workload"), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded();
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void failedAttestations_pastTheLimit_areResourceExhausted() throws Exception {
        var workload = IdentityServiceGrpc.newBlockingStub(anonymous()).withDeadlineAfter(10, TimeUnit.SECONDS);
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
        var registry = RegistryServiceGrpc.newBlockingStub(anonymous()).withDeadlineAfter(10, TimeUnit.SECONDS);

        assertThatThrownBy(() -> registry.createEntry(CreateEntryRequest.newBuilder().setSpiffeId("spiffe://e2e.test/ns/x/sa/y").build()))
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    private static X509Certificate parse(ByteString der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der.toByteArray()));
    }
}
