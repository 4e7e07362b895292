package io.meshid.ca;

import io.meshid.common.server.ConfigChecks;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.annotation.PostConstruct;
import java.time.Duration;

/**
 * The CA's settings ({@code meshid.ca.*}): the lifetime bounds of the X.509-SVIDs it signs.
 * Checked at start-up. Defaults follow SPIFFE practice: one hour, renewed at half life.
 */
@Context
@ConfigurationProperties(CaConfig.PREFIX)
public final class CaConfig {

    /** Configuration prefix. */
    public static final String PREFIX = "meshid.ca";

    private Duration defaultSvidTtl = Duration.ofHours(1);
    private Duration maxSvidTtl = Duration.ofHours(24);

    /** TTL of an X.509-SVID when the caller asks for none ({@code meshid.ca.default-svid-ttl}). */
    public Duration getDefaultSvidTtl() {
        return defaultSvidTtl;
    }

    public void setDefaultSvidTtl(Duration ttl) {
        this.defaultSvidTtl = ConfigChecks.between(PREFIX + ".default-svid-ttl", ttl, Duration.ofMinutes(1), Duration.ofDays(30));
    }

    /** Longest TTL a caller may ask for ({@code meshid.ca.max-svid-ttl}). */
    public Duration getMaxSvidTtl() {
        return maxSvidTtl;
    }

    public void setMaxSvidTtl(Duration ttl) {
        this.maxSvidTtl = ConfigChecks.between(PREFIX + ".max-svid-ttl", ttl, Duration.ofMinutes(1), Duration.ofDays(30));
    }

    @PostConstruct
    void checkConsistent() {
        if (defaultSvidTtl.compareTo(maxSvidTtl) > 0) {
            throw new ConfigurationException(PREFIX + ".max-svid-ttl: " + maxSvidTtl + " (expected: at least "
                    + PREFIX + ".default-svid-ttl, " + defaultSvidTtl + ")");
        }
    }
}
