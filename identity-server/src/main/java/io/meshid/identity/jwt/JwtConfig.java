package io.meshid.identity.jwt;

import io.meshid.common.server.ConfigChecks;
import io.meshid.identity.IdentityConfig;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The JWT signing keys' settings ({@code meshid.identity.jwt.*}): how long a key lives, how long
 * before use it is published, the longest token any key signs, how long verifiers may cache the
 * JWKS, and the issuer URL of the home trust domain. Each value is checked when it is set; how
 * they fit together is checked by {@link JwtKeyPolicy} at start-up.
 */
@Context
@ConfigurationProperties(JwtConfig.PREFIX)
public final class JwtConfig {

    /** Configuration prefix. */
    public static final String PREFIX = IdentityConfig.PREFIX + ".jwt";

    private Duration keyTtl = Duration.ofDays(1);
    private Duration publishLead = Duration.ofHours(1);
    private Duration maxTokenTtl = Duration.ofHours(1);
    private Duration jwksRefreshHint = Duration.ofMinutes(5);
    private String issuer;

    /** Lifetime of a signing key, from its creation ({@code meshid.identity.jwt.key-ttl}). */
    public Duration getKeyTtl() {
        return keyTtl;
    }

    public void setKeyTtl(Duration ttl) {
        this.keyTtl = ConfigChecks.between(PREFIX + ".key-ttl", ttl, Duration.ofMinutes(10), Duration.ofDays(365));
    }

    /** How long a new key is in the JWKS before it signs ({@code meshid.identity.jwt.publish-lead}). */
    public Duration getPublishLead() {
        return publishLead;
    }

    public void setPublishLead(Duration lead) {
        this.publishLead = ConfigChecks.between(PREFIX + ".publish-lead", lead, Duration.ofMinutes(1), Duration.ofDays(30));
    }

    /** The longest lifetime of any token a key signs ({@code meshid.identity.jwt.max-token-ttl}). */
    public Duration getMaxTokenTtl() {
        return maxTokenTtl;
    }

    public void setMaxTokenTtl(Duration ttl) {
        this.maxTokenTtl = ConfigChecks.between(PREFIX + ".max-token-ttl", ttl, Duration.ofMinutes(1), Duration.ofHours(24));
    }

    /** How long a verifier may cache the JWKS ({@code meshid.identity.jwt.jwks-refresh-hint}). */
    public Duration getJwksRefreshHint() {
        return jwksRefreshHint;
    }

    public void setJwksRefreshHint(Duration hint) {
        this.jwksRefreshHint = ConfigChecks.between(PREFIX + ".jwks-refresh-hint", hint, Duration.ofSeconds(10), Duration.ofDays(1));
    }

    /**
     * The {@code iss} of the home trust domain's tokens when set ({@code meshid.identity.jwt.issuer}),
     * an https URL such as the REST bridge's base; unset, every trust domain's issuer is
     * {@code spiffe://<trust-domain>}.
     */
    public Optional<String> getIssuer() {
        return Optional.ofNullable(issuer);
    }

    public void setIssuer(String issuer) {
        if (issuer == null || issuer.isBlank()) {
            this.issuer = null;
            return;
        }
        URI uri;
        try {
            uri = URI.create(issuer);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getQuery() != null
                || uri.getFragment() != null || issuer.length() > 255) {
            throw new ConfigurationException(PREFIX + ".issuer: '" + issuer + "' (expected: an https URL without query or "
                    + "fragment, at most 255 characters, such as https://identity.example.org)");
        }
        this.issuer = issuer;
    }
}
