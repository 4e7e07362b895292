package io.meshid.identity.attestation;

import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.testing.CaProcess;
import io.meshid.common.tls.PemFileSvidSource;
import io.meshid.common.tls.SpiffeTrustManager;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.micronaut.context.ApplicationContext;
import io.micronaut.grpc.server.GrpcEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.audit.AuditQuery;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The real servers of an end-to-end test: cert-authority as its own process (its built jar) and
 * identity-server in this JVM over mTLS with the SVID files the CA wrote, trust domain
 * {@code e2e.test}; channels as the admin, as a workload without a certificate, or with any SVID.
 */
final class E2eServers implements AutoCloseable {

    static final String DOMAIN = "e2e.test";
    private static final SpiffeId IDENTITY_SERVER = SpiffeId.parse("spiffe://e2e.test/meshid/identity-server");
    private static final SpiffeId CA = SpiffeId.parse("spiffe://e2e.test/meshid/cert-authority");

    final Path dir;
    /** identity-server's clock (join token expiry, token checks, counters); the CA keeps real time. */
    final MutableClock clock;
    private final CaProcess ca;
    private final EmbeddedServer identity;
    private final PemFileSvidSource admin;
    private final List<ManagedChannel> channels = new ArrayList<>();

    /** Starts both servers; {@code identityProperties} add to or override identity-server's settings. */
    E2eServers(Path dir, Map<String, Object> identityProperties) throws Exception {
        this.dir = dir;
        ca = CaProcess.start(dir, DOMAIN, List.of("-XX:TieredStopAtLevel=1"));
        // Set once the CA has issued the servers' and the admin's SVIDs: identity-server judges
        // client certificates by this clock, so it must not stand before their notBefore.
        this.clock = MutableClock.at(Instant.now());
        Path creds = ca.credentials();
        Map<String, Object> p = new HashMap<>(TestDatabase.h2().properties("common", "identity-server"));
        p.putAll(ca.identityServerProperties(DOMAIN));
        p.put("meshid.identity.key-encryption-key", JwtTestContexts.TEST_KEK);
        // The clock stands still unless a test moves it: keep the per-second Attest limit out of the way.
        p.put("meshid.rate-limit.method-limits", List.of("meshid.identity.v1.IdentityService/RenewX509Svid=10/PT1M",
                "meshid.identity.v1.IdentityService/Attest=10000/PT1S"));
        p.putAll(identityProperties);
        ApplicationContext context = ApplicationContext.builder().properties(p).singletons(clock).start();
        identity = context.getBean(EmbeddedServer.class).start();
        admin = new PemFileSvidSource(creds.resolve("admin/cert.pem"), creds.resolve("admin/key.pem"),
                creds.resolve("admin/bundle.pem"), Duration.ofSeconds(5));
    }

    ApplicationContext context() {
        return identity.getApplicationContext();
    }

    SvidSource admin() {
        return admin;
    }

    int identityPort() {
        return context().getBean(GrpcEmbeddedServer.class).getPort();
    }

    /** mTLS to identity-server with {@code client}'s SVID. */
    ManagedChannel as(SvidSource client) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", identityPort())
                .sslContext(TlsContexts.grpcClient(client, IDENTITY_SERVER::equals)).build();
        channels.add(c);
        return c;
    }

    /** mTLS to identity-server as the admin of the system trust domain. */
    ManagedChannel asAdmin() {
        return as(admin);
    }

    /** mTLS to cert-authority as the admin. */
    ManagedChannel caAsAdmin() {
        return caAs(admin);
    }

    /** mTLS to cert-authority with {@code client}'s SVID. */
    ManagedChannel caAs(SvidSource client) {
        String caAddress = ca.grpcAddress();
        int colon = caAddress.lastIndexOf(':');
        ManagedChannel c = NettyChannelBuilder.forAddress(caAddress.substring(0, colon), Integer.parseInt(caAddress.substring(colon + 1)))
                .sslContext(TlsContexts.grpcClient(client, CA::equals)).build();
        channels.add(c);
        return c;
    }

    /** The CA's gRPC {@code host:port}. */
    String caAddress() {
        return ca.grpcAddress();
    }

    /** Closes {@code channel} with the servers. */
    void track(ManagedChannel channel) {
        channels.add(channel);
    }

    /** A workload with no SVID yet: TLS that checks the server against the bundle, no client certificate. */
    ManagedChannel anonymous() throws Exception {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", identityPort())
                .sslContext(GrpcSslContexts.forClient().trustManager(new SpiffeTrustManager(admin, IDENTITY_SERVER::equals))
                        .endpointIdentificationAlgorithm(null).build())
                .build();
        channels.add(c);
        return c;
    }

    String log() {
        return ca.log();
    }

    @Override
    public void close() throws Exception {
        channels.forEach(ManagedChannel::shutdownNow);
        admin.close();
        identity.stop();
        ca.close();
    }

    /** Audit events of {@code domain} for {@code action} since {@code since}, newest first. */
    List<AuditEvent> audit(String domain, String action, Instant since) {
        return context().getBean(AuditLog.class).find(new AuditQuery(domain, since, Optional.of(action), 100));
    }

    static KeyPair newKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    static ByteString csrFor(KeyPair key) throws Exception {
        return ByteString.copyFrom(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=workload"), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded());
    }

    /** A CSR that asks for {@code uri} as its URI SAN. */
    static ByteString csrAskingFor(KeyPair key, String uri) throws Exception {
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
        return ByteString.copyFrom(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=workload"), key.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded());
    }

    static X509Certificate parse(ByteString der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der.toByteArray()));
    }

    static Status.Code code(Throwable e) {
        return ((StatusRuntimeException) e).getStatus().getCode();
    }

    static String description(Throwable e) {
        return String.valueOf(((StatusRuntimeException) e).getStatus().getDescription());
    }

}
