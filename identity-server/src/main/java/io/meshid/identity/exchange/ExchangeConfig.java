package io.meshid.identity.exchange;

import io.meshid.common.server.ConfigChecks;
import io.meshid.identity.IdentityConfig;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import java.time.Duration;
import java.util.List;

/**
 * Token exchange settings ({@code meshid.identity.exchange.*}): the lifetime of exchanged tokens
 * and which audience values stand for meshid's token endpoint. The delegation rules are
 * {@link ExchangeRuleConfig}s and the external issuers {@link ExternalIssuerConfig}s, beside these
 * keys. Checked at start-up.
 */
@ConfigurationProperties(ExchangeConfig.PREFIX)
public final class ExchangeConfig {

    /** Configuration prefix. */
    public static final String PREFIX = IdentityConfig.PREFIX + ".exchange";

    private Duration ttl = Duration.ofMinutes(5);
    private List<String> tokenEndpointAudiences = List.of();

    /** Lifetime of an exchanged token before it is cut to the subject's and actor's ({@code meshid.identity.exchange.ttl}). */
    public Duration getTtl() {
        return ttl;
    }

    public void setTtl(Duration ttl) {
        this.ttl = ConfigChecks.between(PREFIX + ".ttl", ttl, Duration.ofSeconds(30), Duration.ofHours(1));
    }

    /**
     * Audience values that mean "meshid's token endpoint" (the REST bridge's token URL, say): a
     * subject token with one of them in {@code aud} may be exchanged by any authenticated caller
     * ({@code meshid.identity.exchange.token-endpoint-audiences}). identity-server's own SPIFFE ID
     * always counts.
     */
    public List<String> getTokenEndpointAudiences() {
        return tokenEndpointAudiences;
    }

    public void setTokenEndpointAudiences(List<String> audiences) {
        for (String a : audiences) {
            if (a == null || a.isBlank() || a.length() > 256) {
                throw new ConfigurationException(PREFIX + ".token-endpoint-audiences: '" + a + "' (expected: 1 to 256 characters)");
            }
        }
        this.tokenEndpointAudiences = List.copyOf(audiences);
    }
}
