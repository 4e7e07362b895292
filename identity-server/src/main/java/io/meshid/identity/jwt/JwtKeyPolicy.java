package io.meshid.identity.jwt;

import java.time.Duration;

/**
 * The rotation rules' numbers, checked together. A key is created {@code publishLead} before it
 * signs, signs until it has {@code maxTokenTtl} left, and stays in the JWKS until its last token
 * has expired (its {@code notAfter}, plus the verifiers' clock skew). Immutable.
 *
 * @param keyTtl lifetime of a key from its creation
 * @param publishLead how long a key is in the JWKS before it signs; at least twice the refresh
 *     hint, so that a verifier with a cached JWKS has fetched it before the key's first token
 * @param maxTokenTtl the longest token any key signs
 * @param refreshHint how long verifiers may cache the JWKS
 */
public record JwtKeyPolicy(Duration keyTtl, Duration publishLead, Duration maxTokenTtl, Duration refreshHint) {

    /** The clock skew verifiers allow on {@code exp}, {@code nbf} and {@code iat}. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    /** @throws IllegalArgumentException naming the setting when the numbers do not fit together */
    public JwtKeyPolicy {
        if (publishLead.compareTo(refreshHint.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException(JwtConfig.PREFIX + ".publish-lead: " + publishLead + " (expected: at least twice "
                    + JwtConfig.PREFIX + ".jwks-refresh-hint, " + refreshHint.multipliedBy(2) + ", so that cached JWKS hold a key "
                    + "before it signs)");
        }
        Duration least = maxTokenTtl.plus(publishLead).multipliedBy(2);
        if (keyTtl.compareTo(least) < 0) {
            throw new IllegalArgumentException(JwtConfig.PREFIX + ".key-ttl: " + keyTtl + " (expected: at least twice "
                    + "max-token-ttl + publish-lead, " + least + ")");
        }
    }

    /** The policy of the configuration. */
    static JwtKeyPolicy of(JwtConfig config) {
        return new JwtKeyPolicy(config.getKeyTtl(), config.getPublishLead(), config.getMaxTokenTtl(), config.getJwksRefreshHint());
    }
}
