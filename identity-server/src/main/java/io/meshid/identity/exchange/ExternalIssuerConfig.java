package io.meshid.identity.exchange;

import io.meshid.common.server.ConfigChecks;
import io.meshid.identity.IdentityConfig;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.context.exceptions.ConfigurationException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One external OIDC issuer whose tokens ExchangeToken accepts as subject or actor tokens
 * ({@code meshid.identity.external-issuers.<name>.*}): its {@code iss}, where its JWKS is (an
 * HTTPS URL, fetched and cached, or a file read at start-up), the audience its tokens must carry,
 * and how its subjects map into a trust domain. Each setter checks its value and fails start-up
 * naming the key.
 */
@EachProperty(ExternalIssuerConfig.PREFIX)
public final class ExternalIssuerConfig {

    /** Configuration prefix of the issuers. */
    public static final String PREFIX = IdentityConfig.PREFIX + ".external-issuers";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern PATH_PREFIX = Pattern.compile("(/[A-Za-z0-9._-]+)+");
    private static final List<String> ALGORITHMS = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
            "ES512", "EdDSA");

    private final String name;
    private String issuer;
    private URI jwksUri;
    private Path jwksFile;
    private String audience;
    private String trustDomain;
    private String spiffePathPrefix;
    private List<String> algorithms = List.of("RS256", "ES256");
    private Duration jwksCacheTtl = Duration.ofMinutes(5);
    private Duration jwksRefreshTimeout = Duration.ofSeconds(2);
    private Duration jwksMinRefreshInterval = Duration.ofSeconds(30);
    private Duration clockSkew = Duration.ofSeconds(60);

    ExternalIssuerConfig(@Parameter String name) {
        if (!NAME.matcher(name).matches()) {
            throw new ConfigurationException(PREFIX + "." + name + ": the name (expected: 1 to 63 lowercase letters, digits or '-')");
        }
        this.name = name;
    }

    private String key(String suffix) {
        return PREFIX + "." + name + "." + suffix;
    }

    /** The issuer's name in configuration. */
    public String getName() {
        return name;
    }

    /** Its {@code iss}, compared exactly (required). */
    public String getIssuer() {
        return issuer;
    }

    public void setIssuer(String issuer) {
        URI uri = uri(key("issuer"), issuer);
        if (!"https".equals(uri.getScheme()) && !loopback(uri)) {
            throw new ConfigurationException(key("issuer") + ": '" + issuer + "' (expected: an https URL)");
        }
        this.issuer = issuer;
    }

    /** Where its JWKS is served: HTTPS, or HTTP on loopback only (one of this and {@link #getJwksFile()}). */
    public Optional<URI> getJwksUri() {
        return Optional.ofNullable(jwksUri);
    }

    public void setJwksUri(String value) {
        URI uri = uri(key("jwks-uri"), value);
        if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && loopback(uri))) {
            throw new ConfigurationException(key("jwks-uri") + ": '" + value + "' (expected: an https URL, or http on 127.0.0.1/localhost)");
        }
        this.jwksUri = uri;
    }

    /** A file holding its JWKS, read at start-up. */
    public Optional<Path> getJwksFile() {
        return Optional.ofNullable(jwksFile);
    }

    public void setJwksFile(String file) {
        this.jwksFile = Path.of(file);
    }

    /** The audience its tokens must carry in {@code aud} (required): meshid's client id at that issuer, say. */
    public String getAudience() {
        return audience;
    }

    public void setAudience(String audience) {
        if (audience == null || audience.isBlank() || audience.length() > 256) {
            throw new ConfigurationException(key("audience") + ": '" + audience + "' (expected: 1 to 256 characters)");
        }
        this.audience = audience;
    }

    /** The trust domain its subjects belong to; default {@code meshid.trust-domain}. */
    public Optional<String> getTrustDomain() {
        return Optional.ofNullable(trustDomain);
    }

    public void setTrustDomain(String trustDomain) {
        this.trustDomain = trustDomain;
    }

    /**
     * Required: a subject {@code sub} becomes the SPIFFE ID {@code spiffe://<trust-domain><prefix>/<sub>},
     * so an external subject is always under this prefix and can never name a workload, a
     * {@code spiffe://} ID or a client id of its own choosing. Never {@code /meshid} or under it.
     */
    public Optional<String> getSpiffePathPrefix() {
        return Optional.ofNullable(spiffePathPrefix);
    }

    public void setSpiffePathPrefix(String prefix) {
        if (prefix == null || !PATH_PREFIX.matcher(prefix).matches() || prefix.length() > 256) {
            throw new ConfigurationException(key("spiffe-path-prefix") + ": '" + prefix + "' (expected: a SPIFFE ID path such as /ext/corp)");
        }
        this.spiffePathPrefix = prefix;
    }

    /** The signature algorithms accepted; default RS256 and ES256. Never {@code none} or HMAC. */
    public List<String> getAlgorithms() {
        return algorithms;
    }

    public void setAlgorithms(List<String> algorithms) {
        if (algorithms == null || algorithms.isEmpty() || !ALGORITHMS.containsAll(algorithms)) {
            throw new ConfigurationException(key("algorithms") + ": " + algorithms + " (expected: some of " + ALGORITHMS + ")");
        }
        this.algorithms = List.copyOf(algorithms);
    }

    /** How long a fetched JWKS is used before it is fetched again (in the background, ahead of expiry). */
    public Duration getJwksCacheTtl() {
        return jwksCacheTtl;
    }

    public void setJwksCacheTtl(Duration ttl) {
        this.jwksCacheTtl = ConfigChecks.between(key("jwks-cache-ttl"), ttl, Duration.ofSeconds(30), Duration.ofHours(24));
    }

    /** The longest a request waits for a JWKS fetch in progress (and each fetch's connect and read timeout). */
    public Duration getJwksRefreshTimeout() {
        return jwksRefreshTimeout;
    }

    public void setJwksRefreshTimeout(Duration timeout) {
        this.jwksRefreshTimeout = ConfigChecks.between(key("jwks-refresh-timeout"), timeout, Duration.ofMillis(100), Duration.ofSeconds(30));
    }

    /** The least time between two fetches, whatever unknown key ids tokens name. */
    public Duration getJwksMinRefreshInterval() {
        return jwksMinRefreshInterval;
    }

    public void setJwksMinRefreshInterval(Duration interval) {
        this.jwksMinRefreshInterval = ConfigChecks.between(key("jwks-min-refresh-interval"), interval, Duration.ofSeconds(1),
                Duration.ofHours(1));
    }

    /** Tolerated clock difference for {@code exp}, {@code nbf} and {@code iat}; default 60 s. */
    public Duration getClockSkew() {
        return clockSkew;
    }

    public void setClockSkew(Duration skew) {
        this.clockSkew = ConfigChecks.between(key("clock-skew"), skew, Duration.ZERO, Duration.ofMinutes(5));
    }

    /** Fails start-up unless the required keys (spiffe-path-prefix included) are set and exactly one JWKS source is. */
    void check() {
        if (issuer == null) {
            throw new ConfigurationException(key("issuer") + ": missing (expected: the issuer's iss, an https URL)");
        }
        if (audience == null) {
            throw new ConfigurationException(key("audience") + ": missing (expected: the aud its tokens carry for meshid)");
        }
        if ((jwksUri == null) == (jwksFile == null)) {
            throw new ConfigurationException(key("jwks-uri") + " / " + key("jwks-file")
                    + ": " + (jwksUri == null ? "neither is set" : "both are set") + " (expected: exactly one)");
        }
        if (spiffePathPrefix == null) {
            throw new ConfigurationException(key("spiffe-path-prefix") + ": missing (expected: the SPIFFE ID path its subjects are "
                    + "mapped under, such as /ext/" + name + ", so that no external sub can become a workload identity)");
        }
        if (spiffePathPrefix.equals("/meshid") || spiffePathPrefix.startsWith("/meshid/")) {
            throw new ConfigurationException(key("spiffe-path-prefix") + ": '" + spiffePathPrefix + "' is meshid's own (expected: a "
                    + "path outside /meshid, such as /ext/" + name + ")");
        }
    }

    private static URI uri(String key, String value) {
        try {
            URI uri = new URI(value);
            if (!uri.isAbsolute() || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (Exception e) {
            throw new ConfigurationException(key + ": '" + value + "' (expected: an absolute URL)");
        }
    }

    private static boolean loopback(URI uri) {
        return "127.0.0.1".equals(uri.getHost()) || "localhost".equals(uri.getHost()) || "[::1]".equals(uri.getHost());
    }
}
