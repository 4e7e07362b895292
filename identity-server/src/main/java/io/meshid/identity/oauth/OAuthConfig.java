package io.meshid.identity.oauth;

import io.meshid.common.server.ConfigChecks;
import io.meshid.identity.IdentityConfig;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import java.time.Duration;
import java.util.Optional;

/**
 * The OAuth 2.0 REST bridge's settings ({@code meshid.identity.oauth.*}): its public base URL,
 * and how failed client authentication is limited and locked out (docs/oauth.md, "Lockout").
 * Checked at start-up.
 */
@ConfigurationProperties(OAuthConfig.PREFIX)
public final class OAuthConfig {

    /** Configuration prefix. */
    public static final String PREFIX = IdentityConfig.PREFIX + ".oauth";

    private String baseUrl;
    private int failuresPerSource = 10;
    private int failuresPerClient = 100;
    private Duration lockout = Duration.ofMinutes(5);
    private Duration knownSourceTtl = Duration.ofHours(24);
    private int requestsPerSourcePerSecond = 20_000;

    /**
     * The bridge's base URL as clients reach it ({@code https://id.example.org:7102}), which the
     * metadata advertises and a {@code private_key_jwt} assertion may name as {@code aud} (with
     * {@code /oauth2/token}); unset: the scheme and {@code Host} of each request.
     */
    public Optional<String> getBaseUrl() {
        return Optional.ofNullable(baseUrl);
    }

    public void setBaseUrl(@Nullable String baseUrl) {
        if (baseUrl != null && !baseUrl.isEmpty() && !baseUrl.matches("https://[^/?#\\s]+")) {
            throw new ConfigurationException(PREFIX + ".base-url: '" + baseUrl + "' (expected: https://host[:port], no path)");
        }
        this.baseUrl = baseUrl == null || baseUrl.isEmpty() ? null : baseUrl;
    }

    /** Failed authentications of one client from one source within {@link #getLockout()} before that source is locked out for it. */
    public int getFailuresPerSource() {
        return failuresPerSource;
    }

    public void setFailuresPerSource(int n) {
        this.failuresPerSource = ConfigChecks.between(PREFIX + ".failures-per-source", n, 1, 10_000);
    }

    /**
     * Failed authentications of one client from all sources within {@link #getLockout()} before the
     * client is locked out, except from sources where it authenticated within {@link #getKnownSourceTtl()}.
     */
    public int getFailuresPerClient() {
        return failuresPerClient;
    }

    public void setFailuresPerClient(int n) {
        this.failuresPerClient = ConfigChecks.between(PREFIX + ".failures-per-client", n, 1, 1_000_000);
    }

    /** How long a lockout lasts; failures during it are refused unchecked and do not extend it. */
    public Duration getLockout() {
        return lockout;
    }

    public void setLockout(Duration lockout) {
        this.lockout = ConfigChecks.between(PREFIX + ".lockout", lockout, Duration.ofSeconds(1), Duration.ofHours(24));
    }

    /** How long a source where a client authenticated stays exempt from that client's lockout. */
    public Duration getKnownSourceTtl() {
        return knownSourceTtl;
    }

    public void setKnownSourceTtl(Duration ttl) {
        this.knownSourceTtl = ConfigChecks.between(PREFIX + ".known-source-ttl", ttl, Duration.ofMinutes(1), Duration.ofDays(30));
    }

    /** Requests to the bridge per source address (IPv6 per /64) per second, any outcome. */
    public int getRequestsPerSourcePerSecond() {
        return requestsPerSourcePerSecond;
    }

    public void setRequestsPerSourcePerSecond(int n) {
        this.requestsPerSourcePerSecond = ConfigChecks.between(PREFIX + ".requests-per-source-per-second", n, 1, 10_000_000);
    }
}
