package io.meshid.identity;

import io.meshid.common.server.ConfigChecks;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import java.time.Duration;

/**
 * identity-server's settings ({@code meshid.identity.*}): lifetimes of join tokens and JWT-SVIDs.
 * Checked at start-up.
 */
@Context
@ConfigurationProperties(IdentityConfig.PREFIX)
public final class IdentityConfig {

    /** Configuration prefix. */
    public static final String PREFIX = "meshid.identity";

    private Duration joinTokenTtl = Duration.ofMinutes(10);
    private Duration jwtSvidTtl = Duration.ofMinutes(5);

    /** Lifetime of a join token when its creator names none ({@code meshid.identity.join-token-ttl}). */
    public Duration getJoinTokenTtl() {
        return joinTokenTtl;
    }

    public void setJoinTokenTtl(Duration ttl) {
        this.joinTokenTtl = ConfigChecks.between(PREFIX + ".join-token-ttl", ttl, Duration.ofSeconds(30), Duration.ofDays(7));
    }

    /** Default lifetime of a JWT-SVID ({@code meshid.identity.jwt-svid-ttl}). */
    public Duration getJwtSvidTtl() {
        return jwtSvidTtl;
    }

    public void setJwtSvidTtl(Duration ttl) {
        this.jwtSvidTtl = ConfigChecks.between(PREFIX + ".jwt-svid-ttl", ttl, Duration.ofSeconds(30), Duration.ofHours(24));
    }
}
