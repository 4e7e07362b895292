package io.meshid.common.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.micronaut.context.exceptions.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Service account tokens minted here, verified against a local JWKS file: what passes and why the rest does not. */
class KubernetesTokenVerifierTest {

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private final Instant now = clock.instant();
    private K8sTokens issuer;
    private KubernetesTokenVerifier verifier;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        issuer = K8sTokens.issuer(dir.resolve("jwks.json"));
        verifier = verifier(cluster("prod", issuer.jwksFile()));
    }

    private KubernetesCluster cluster(String name, Path jwks) {
        KubernetesCluster c = new KubernetesCluster(name);
        c.setIssuer(K8sTokens.ISSUER);
        c.setAudience(K8sTokens.AUDIENCE);
        c.setJwksFile(jwks);
        return c;
    }

    private KubernetesTokenVerifier verifier(KubernetesCluster... clusters) {
        return new KubernetesTokenVerifier(new KubernetesTokenVerifier.Use("meshid.identity.kubernetes.clusters", "identity-server", false),
                List.of(clusters), TrustDomain.of("k8s.test"), clock);
    }

    private void assertRefused(String cluster, String token, String reason) {
        assertThatThrownBy(() -> verifier.verify(cluster, token)).isInstanceOf(MeshidException.Unauthenticated.class)
                .hasMessageContaining(reason).hasMessageNotContaining(token);
    }

    @Test
    void validToken_provesNamespaceAndServiceAccount_inTheClustersTrustDomain() throws Exception {
        var account = verifier.verify("prod", issuer.token("payments", "api", now));

        assertThat(account).isEqualTo(new KubernetesTokenVerifier.ServiceAccount("prod", TrustDomain.of("k8s.test"), "payments", "api"));
    }

    @Test
    void wrongSignature_isRefused() throws Exception {
        assertRefused("prod", issuer.forged("payments", "api", now), "Invalid signature");
    }

    @Test
    void wrongIssuer_isRefused() throws Exception {
        assertRefused("prod", issuer.token("payments", "api", now, b -> b.issuer("https://evil.example")), "iss claim value rejected");
    }

    @Test
    void wrongAudience_isRefused() throws Exception {
        assertRefused("prod", issuer.token("payments", "api", now, b -> b.audience("vault")), "aud claim rejected");
    }

    @Test
    void anotherAudienceBeside_isAccepted_unlessTheVerifierWantsItAlone() throws Exception {
        String both = issuer.token("payments", "api", now, b -> b.audience(List.of(K8sTokens.AUDIENCE, "vault")));
        KubernetesTokenVerifier alone = new KubernetesTokenVerifier(new KubernetesTokenVerifier.Use("meshid.ca.kubernetes.clusters",
                "cert-authority", true), List.of(cluster("prod", issuer.jwksFile())), TrustDomain.of("k8s.test"), clock);

        assertThat(verifier.verify("prod", both).name()).isEqualTo("api");
        assertThat(alone.verify("prod", issuer.token("payments", "api", now)).name()).isEqualTo("api");
        assertThatThrownBy(() -> alone.verify("prod", both)).isInstanceOf(MeshidException.Unauthenticated.class)
                .hasMessageContaining("aud names 2 audiences").hasMessageContaining("cert-authority's audience meshid");
    }

    @Test
    void expired_isRefused_beyondTheSkew() throws Exception {
        String token = issuer.token("payments", "api", now, b -> b.expirationTime(Date.from(now.plusSeconds(600))));
        clock.advance(Duration.ofSeconds(650));
        verifier.verify("prod", token);

        clock.advance(Duration.ofSeconds(20));

        assertRefused("prod", token, "Expired");
    }

    @Test
    void unknownCluster_isRefused_namingTheKnownOnes() throws Exception {
        assertRefused("staging", issuer.token("payments", "api", now), "one of [prod]");
    }

    @Test
    void algNone_isRefused() {
        assertRefused("prod", K8sTokens.unsigned("payments", "api", now), "Unsecured (plain) JWTs are rejected");
    }

    @Test
    void missingKubernetesClaims_areRefused() throws Exception {
        assertRefused("prod", issuer.token("payments", "api", now, b -> b.claim("kubernetes.io", null)), "missing required claims: [kubernetes.io]");
        assertRefused("prod", issuer.token("payments", "api", now, b -> b.claim("kubernetes.io", Map.of("namespace", "payments"))),
                "no kubernetes.io namespace and serviceaccount.name claims");
        assertRefused("prod", issuer.token("payments", "api", now, b -> b.subject("system:serviceaccount:payments:admin")), "sub");
    }

    @Test
    void garbageAndOversizedTokens_areRefused() {
        assertRefused("prod", "not-a-jwt", "not a JWT");
        assertThatThrownBy(() -> verifier.verify("prod", "x".repeat(9000))).isInstanceOf(MeshidException.Unauthenticated.class)
                .hasMessageContaining("9000 characters");
    }

    @Test
    void aReplacedJwksFile_isReadWhenATokenNamesItsNewKey() throws Exception {
        K8sTokens rotated = K8sTokens.issuer(dir.resolve("jwks.json"));

        assertThat(verifier.verify("prod", rotated.token("payments", "api", now)).name()).isEqualTo("api");
    }

    @Test
    void badConfiguration_failsNamingTheKey() throws Exception {
        KubernetesCluster noIssuer = cluster("a", issuer.jwksFile());
        noIssuer.setIssuer(null);
        KubernetesCluster both = cluster("b", issuer.jwksFile());
        both.setJwksUrl("https://example.org/jwks");
        KubernetesCluster http = new KubernetesCluster("c");
        http.setIssuer("x");
        http.setAudience("y");
        http.setJwksUrl("http://example.org/jwks");

        assertThatThrownBy(() -> verifier(noIssuer)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("meshid.identity.kubernetes.clusters.a.issuer");
        assertThatThrownBy(() -> verifier(both)).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> verifier(http)).hasMessageContaining("clusters.c.jwks-url");
        assertThat(Files.exists(issuer.jwksFile())).isTrue();
    }
}
