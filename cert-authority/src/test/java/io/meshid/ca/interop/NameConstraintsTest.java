package io.meshid.ca.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.authority.SigningAuthority;
import io.meshid.ca.self.LocalSvidIssuer;
import io.meshid.ca.testing.CaServer;
import io.meshid.ca.testing.Csrs;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.TestDatabase;
import io.meshid.common.tls.SvidVerificationException;
import io.meshid.common.tls.SvidVerifier;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.ca.v1.SignX509SvidRequest;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Names a tenant cannot reach for. The CA signs DNS names only under its trust domain's allowed
 * suffixes ({@code meshid.ca.dns-name-suffixes}), and its intermediates carry the same rule as
 * X.509 name constraints: a leaf that the intermediate's key signs outside them (another trust
 * domain's SPIFFE ID, a DNS name off the list: what a leaked key or a bug would produce) fails
 * the JDK's PKIX path validation from the root, and meshid's own SVID verifier too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NameConstraintsTest {

    private static final TrustDomain DOMAIN = TrustDomain.of(CaServer.DOMAIN);
    private static final TrustDomain OTHER = TrustDomain.of("other.test");

    private CaServer server;
    private ManagedChannel asIdentity;

    @BeforeAll
    void start() {
        server = new CaServer(TestDatabase.h2(), Map.of("meshid.ca.dns-name-suffixes",
                List.of("ca.test=payments.svc.cluster.local", "ca.test=api.example.com")));
        asIdentity = server.channelAs("spiffe://ca.test/meshid/identity-server");
    }

    @AfterAll
    void stop() {
        asIdentity.shutdownNow();
        server.close();
    }

    private SignX509SvidRequest request(String id, String... dnsNames) {
        return SignX509SvidRequest.newBuilder().setCsr(ByteString.copyFrom(Csrs.of(Csrs.ec("secp256r1")))).setSpiffeId(id)
                .addAllDnsNames(List.of(dnsNames)).build();
    }

    private void signs(String id, String... dnsNames) {
        assertThat(CertificateAuthorityGrpc.newBlockingStub(asIdentity).withDeadlineAfter(10, TimeUnit.SECONDS)
                .signX509Svid(request(id, dnsNames)).getSvid().getSpiffeId()).isEqualTo(id);
    }

    private void refuses(String id, String dnsName, String allowed) {
        assertThatThrownBy(() -> CertificateAuthorityGrpc.newBlockingStub(asIdentity).withDeadlineAfter(10, TimeUnit.SECONDS)
                .signX509Svid(request(id, dnsName)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).contains("'" + dnsName + "'").contains(allowed)
                            .contains("meshid.ca.dns-name-suffixes");
                });
    }

    @Test
    void sign_dnsNamesUnderAnAllowedSuffix_areSigned() {
        signs("spiffe://ca.test/ns/payments/sa/api", "payments.svc.cluster.local", "api.payments.svc.cluster.local",
                "v1.api.example.com");
    }

    @Test
    void sign_dnsNamesOffTheList_areDenied_namingTheNameAndTheSuffixes() {
        String allowed = "[payments.svc.cluster.local, api.example.com]";
        for (String name : List.of("www.google.com", "example.com", "evilapi.example.com", "svc.cluster.local",
                "payments.svc.cluster.local.evil.org", "login.corp.example.org")) {
            refuses("spiffe://ca.test/ns/payments/sa/api", name, allowed);
        }
        refuses("spiffe://other.test/ns/a/sa/b", "api.example.com", "[]");
    }

    @Test
    void intermediates_carryCriticalNameConstraints() {
        for (TrustDomain domain : List.of(DOMAIN, OTHER)) {
            X509Certificate intermediate = signer(domain).certificate();
            assertThat(intermediate.getCriticalExtensionOIDs()).contains(Extension.nameConstraints.getId());
        }
    }

    @Test
    void leavesTheIntermediateSigns_withinItsConstraints_passPkix() throws Exception {
        X509Certificate leaf = forge(DOMAIN, "spiffe://ca.test/ns/a/sa/b", "x.api.example.com");

        assertThatCode(() -> pkix(DOMAIN, leaf)).doesNotThrowAnyException();
        assertThatCode(() -> new SvidVerifier().verify(List.of(leaf, signer(DOMAIN).certificate()),
                LocalSvidIssuer.toX509Bundle(authorities().bundle(DOMAIN)), Instant.now())).doesNotThrowAnyException();
    }

    @Test
    void leavesTheIntermediateSigns_outsideItsConstraints_failPkix_andMeshidsVerifier() throws Exception {
        List<X509Certificate> outside = List.of(
                forge(DOMAIN, "spiffe://ca.test/ns/a/sa/b", "www.google.com"),
                forge(DOMAIN, "spiffe://ca.test/ns/a/sa/b", "evilapi.example.com"),
                forge(DOMAIN, "spiffe://other.test/ns/a/sa/b"),
                forge(DOMAIN, "https://login.example.org/"),
                forge(OTHER, "spiffe://other.test/ns/a/sa/b", "api.example.com"));
        for (X509Certificate leaf : outside) {
            TrustDomain issuedIn = leaf.getIssuerX500Principal().getName().contains(OTHER.name()) ? OTHER : DOMAIN;
            assertThatThrownBy(() -> pkix(issuedIn, leaf)).as(names(leaf))
                    .isInstanceOf(CertPathValidatorException.class);
        }
        assertThatThrownBy(() -> new SvidVerifier().verify(List.of(outside.get(0), signer(DOMAIN).certificate()),
                LocalSvidIssuer.toX509Bundle(authorities().bundle(DOMAIN)), Instant.now()))
                .isInstanceOf(SvidVerificationException.class);
    }

    private AuthorityManager authorities() {
        return server.context().getBean(AuthorityManager.class);
    }

    private SigningAuthority signer(TrustDomain domain) {
        return authorities().signer(domain);
    }

    /** A leaf signed with the intermediate's own key, as a leaked key or a bug could make it, outside meshid's checks. */
    private X509Certificate forge(TrustDomain domain, String uri, String... dnsNames) throws Exception {
        SigningAuthority issuer = signer(domain);
        KeyPair key = Csrs.ec("secp256r1");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(issuer.name(), BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(1, ChronoUnit.MINUTES)), Date.from(now.plus(1, ChronoUnit.HOURS)),
                new X500Name("O=meshid"), key.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        for (String dns : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, dns));
        }
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        return new JcaX509CertificateConverter().getCertificate(builder.build(issuer.signer().contentSigner()));
    }

    /** The JDK's PKIX validator: leaf and intermediate, with only the trust domain's roots as anchors. */
    private void pkix(TrustDomain domain, X509Certificate leaf) throws Exception {
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate c : authorities().bundle(domain).authorities()) {
            if (c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                anchors.add(new TrustAnchor(c, null));
            }
        }
        PKIXParameters parameters = new PKIXParameters(anchors);
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf, signer(domain).certificate())), parameters);
    }

    private static String names(X509Certificate leaf) {
        try {
            return String.valueOf(leaf.getSubjectAlternativeNames());
        } catch (Exception e) {
            return "?";
        }
    }
}
