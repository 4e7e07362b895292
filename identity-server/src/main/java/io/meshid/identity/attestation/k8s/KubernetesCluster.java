package io.meshid.identity.attestation.k8s;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One Kubernetes cluster whose projected service account tokens identity-server accepts
 * ({@code meshid.identity.kubernetes.clusters.<name>.*}): the token issuer ({@code iss}), the
 * audience tokens must carry, the trust domain its workloads belong to (default
 * {@code meshid.trust-domain}), and where its JWKS comes from: a file ({@code jwks-file}, e.g.
 * the output of {@code kubectl get --raw /openid/v1/jwks}) or an https URL ({@code jwks-url}),
 * exactly one of them. Checked by {@link KubernetesTokenVerifier} at start-up.
 */
@EachProperty(KubernetesCluster.PREFIX)
public final class KubernetesCluster {

    /** Configuration prefix of the clusters. */
    public static final String PREFIX = "meshid.identity.kubernetes.clusters";

    private final String name;
    private String issuer;
    private String audience;
    private String trustDomain;
    private Path jwksFile;
    private String jwksUrl;
    private Duration jwksCacheTtl = Duration.ofMinutes(5);

    KubernetesCluster(@Parameter String name) {
        this.name = name;
    }

    /** The cluster's name, as attesting workloads give it. */
    public String getName() {
        return name;
    }

    /** The {@code iss} of the cluster's service account tokens. */
    public String getIssuer() {
        return issuer;
    }

    public void setIssuer(String issuer) {
        this.issuer = issuer;
    }

    /** The audience tokens must include (the projected volume's {@code audience}). */
    public String getAudience() {
        return audience;
    }

    public void setAudience(String audience) {
        this.audience = audience;
    }

    /** The trust domain of the cluster's workloads; empty for {@code meshid.trust-domain}. */
    public Optional<String> getTrustDomain() {
        return Optional.ofNullable(trustDomain).filter(s -> !s.isBlank());
    }

    public void setTrustDomain(String trustDomain) {
        this.trustDomain = trustDomain;
    }

    /** A file holding the issuer's JWKS. */
    public Optional<Path> getJwksFile() {
        return Optional.ofNullable(jwksFile);
    }

    public void setJwksFile(Path jwksFile) {
        this.jwksFile = jwksFile;
    }

    /** An https URL serving the issuer's JWKS. */
    public Optional<String> getJwksUrl() {
        return Optional.ofNullable(jwksUrl).filter(s -> !s.isBlank());
    }

    public void setJwksUrl(String jwksUrl) {
        this.jwksUrl = jwksUrl;
    }

    /** How long a fetched JWKS is used before it is fetched again ({@code jwks-cache-ttl}, 5 min). */
    public Duration getJwksCacheTtl() {
        return jwksCacheTtl;
    }

    public void setJwksCacheTtl(Duration ttl) {
        this.jwksCacheTtl = ttl;
    }
}
