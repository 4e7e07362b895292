package io.meshid.common.kubernetes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One Kubernetes cluster whose projected service account tokens a server accepts: the token
 * issuer ({@code iss}), the audience tokens must carry, the trust domain its accounts belong to
 * (default {@code meshid.trust-domain}), and where its JWKS comes from: a file ({@code jwks-file},
 * e.g. the output of {@code kubectl get --raw /openid/v1/jwks}) or an https URL
 * ({@code jwks-url}), exactly one of them. Each server binds it under its own prefix with an
 * {@code @EachProperty} subclass (identity-server: {@code meshid.identity.kubernetes.clusters},
 * for workloads; cert-authority: {@code meshid.ca.kubernetes.clusters}, for the servers' own
 * identities). Checked by {@link KubernetesTokenVerifier} at start-up. Not thread-safe while it
 * is being bound; read only afterwards.
 */
public class KubernetesCluster {

    private final String name;
    private String issuer;
    private String audience;
    private String trustDomain;
    private Path jwksFile;
    private String jwksUrl;
    private Duration jwksCacheTtl = Duration.ofMinutes(5);

    /** A cluster called {@code name}, the key of its entry. */
    public KubernetesCluster(String name) {
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
