package io.meshid.ca.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.testing.RequiresCommand;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.Pem;
import io.meshid.common.tls.X509Svid;
import io.meshid.proto.ca.v1.AuthorityLevel;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.GetTrustBundleRequest;
import io.meshid.proto.ca.v1.RotateAuthorityRequest;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA under an operator's own PKI: its intermediates are signed by a CA certificate the
 * operator issued to meshid, leaves chain up to the operator's root, and OpenSSL verifies them
 * with nothing but that root.
 */
@RequiresCommand(value = "openssl", install = "apt-get install openssl")
class UpstreamCaTest {

    @TempDir
    Path dir;

    private record Pki(X509Certificate root, X509Certificate ca, KeyPair caKey) {
    }

    private static X509Certificate cert(String subject, KeyPair subjectKey, String issuer, KeyPair issuerKey, int pathLen)
            throws Exception {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(3650, ChronoUnit.DAYS)), new X500Name(subject),
                subjectKey.getPublic());
        builder.addExtension(Extension.basicConstraints, true, pathLen < 0 ? new BasicConstraints(true) : new BasicConstraints(pathLen));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
    }

    private Pki pki() throws Exception {
        KeyPair rootKey = Csrs.ec("secp256r1");
        KeyPair caKey = Csrs.ec("secp256r1");
        X509Certificate root = cert("O=Example Corp,CN=Corp Root", rootKey, "O=Example Corp,CN=Corp Root", rootKey, -1);
        X509Certificate ca = cert("O=Example Corp,CN=meshid issuing CA", caKey, "O=Example Corp,CN=Corp Root", rootKey, 1);
        return new Pki(root, ca, caKey);
    }

    private Map<String, Object> files(Pki pki, KeyPair key) throws Exception {
        Files.writeString(dir.resolve("ca.pem"), Pem.writeCertificates(List.of(pki.ca(), pki.root())));
        Files.writeString(dir.resolve("ca-key.pem"), Pem.writePrivateKey(key.getPrivate()));
        Files.writeString(dir.resolve("roots.pem"), Pem.writeCertificates(List.of(pki.root())));
        return Map.of("meshid.ca.upstream-cert-file", dir.resolve("ca.pem").toString(),
                "meshid.ca.upstream-key-file", dir.resolve("ca-key.pem").toString(),
                "meshid.ca.upstream-bundle-file", dir.resolve("roots.pem").toString());
    }

    @Test
    void leaves_chainToTheUpstreamRoot_andOpenSslVerifiesThemWithOnlyThatRoot() throws Exception {
        Pki pki = pki();
        try (CaServer server = new CaServer(TestDatabase.h2(), files(pki, pki.caKey()))) {
            X509Svid svid = server.svid("spiffe://ca.test/ns/payments/sa/api");

            assertThat(svid.chain()).hasSize(3);
            assertThat(svid.chain().get(1).getIssuerX500Principal()).isEqualTo(pki.ca().getSubjectX500Principal());
            assertThat(svid.chain().get(2)).isEqualTo(pki.ca());

            ManagedChannel admin = server.channelAs("spiffe://ca.test/meshid/admin");
            try {
                var bundle = CertificateAuthorityGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getTrustBundle(GetTrustBundleRequest.getDefaultInstance()).getBundle();
                assertThat(bundle.getX509AuthoritiesList().stream().map(b -> parse(b.toByteArray())).toList()).contains(pki.root());
                assertThatThrownBy(() -> CertificateAuthorityGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .rotateAuthority(RotateAuthorityRequest.newBuilder().setLevel(AuthorityLevel.AUTHORITY_LEVEL_ROOT)
                                .setReason("test").build()))
                        .satisfies(e -> {
                            Status status = ((StatusRuntimeException) e).getStatus();
                            assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                            assertThat(status.getDescription()).contains("upstream");
                        });
            } finally {
                admin.shutdownNow();
            }

            Path leaf = dir.resolve("leaf.pem");
            Path untrusted = dir.resolve("untrusted.pem");
            Files.writeString(leaf, Pem.writeCertificates(List.of(svid.leaf())));
            Files.writeString(untrusted, Pem.writeCertificates(svid.chain().subList(1, 3)));
            Process p = new ProcessBuilder("openssl", "verify", "-CAfile", dir.resolve("roots.pem").toString(),
                    "-untrusted", untrusted.toString(), leaf.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).contains("OK");
        }
    }

    @Test
    void upstreamKey_isNeverStoredInTheDatabase_andOneAnEarlierReleaseStoredIsRemoved() throws Exception {
        Pki pki = pki();
        try (CaServer server = new CaServer(TestDatabase.h2(), files(pki, pki.caKey()))) {
            javax.sql.DataSource db = io.micronaut.data.connection.jdbc.advice.DelegatingDataSource.unwrapDataSource(
                    server.context().getBean(javax.sql.DataSource.class));
            io.meshid.common.keys.KeySealer sealer = server.context().getBean(io.meshid.common.keys.KeySealer.class);
            byte[] upstreamKey = pki.caKey().getPrivate().getEncoded();
            String upstreamId = null;
            try (var c = db.getConnection(); var rs = c.createStatement().executeQuery(
                    "SELECT id, certificate, sealed_key FROM ca_authority")) {
                while (rs.next()) {
                    byte[] sealed = rs.getBytes("sealed_key");
                    if (java.util.Arrays.equals(rs.getBytes("certificate"), pki.ca().getEncoded())) {
                        upstreamId = rs.getString("id");
                        assertThat(sealed).as("the upstream CA's row holds no key").isNull();
                    } else {
                        assertThat(sealed).as("meshid's own keys are sealed").isNotNull();
                        assertThat(sealer.unseal(sealed, rs.getString("id"))).isNotEqualTo(upstreamKey);
                    }
                }
            }
            assertThat(upstreamId).as("the upstream CA is an authority row").isNotNull();

            try (var c = db.getConnection(); var ps = c.prepareStatement("UPDATE ca_authority SET sealed_key = ? WHERE id = ?")) {
                ps.setBytes(1, sealer.seal(upstreamKey, upstreamId));
                ps.setString(2, upstreamId);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            server.context().getBean(io.meshid.ca.authority.AuthorityManager.class).tickAll();
            try (var c = db.getConnection(); var ps = c.prepareStatement("SELECT sealed_key FROM ca_authority WHERE id = ?")) {
                ps.setString(1, upstreamId);
                try (var rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBytes(1)).as("an upstream key an earlier release stored is removed").isNull();
                }
            }
            assertThat(CertificateAuthorityGrpc.newBlockingStub(server.channelAs("spiffe://ca.test/meshid/admin"))
                    .withDeadlineAfter(10, TimeUnit.SECONDS).rotateAuthority(RotateAuthorityRequest.newBuilder()
                            .setLevel(AuthorityLevel.AUTHORITY_LEVEL_INTERMEDIATE).setReason("signed with the key from its file")
                            .build()).getActivated(0).getCertificate().size()).isPositive();
            assertThat(server.svid("spiffe://ca.test/ns/payments/sa/api").chain().get(2)).isEqualTo(pki.ca());
        }
    }

    @Test
    void upstreamKeyThatDoesNotMatch_failsStartUpNamingTheKey() throws Exception {
        Pki pki = pki();
        Map<String, Object> files = files(pki, Csrs.ec("secp256r1"));

        assertThatThrownBy(() -> new CaServer(TestDatabase.h2(), files))
                .rootCause()
                .hasMessageContaining("meshid.ca.upstream-key-file: the key does not belong to");
    }

    private static X509Certificate parse(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
