package io.meshid.policy;

import io.meshid.common.server.ConfigChecks;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import java.time.Duration;

/**
 * policy-server's settings ({@code meshid.policy.*}): the bound and lifetime of its decision
 * cache. Checked at start-up.
 */
@Context
@ConfigurationProperties(PolicyConfig.PREFIX)
public final class PolicyConfig {

    /** Configuration prefix. */
    public static final String PREFIX = "meshid.policy";

    private int decisionCacheSize = 100_000;
    private Duration decisionCacheTtl = Duration.ofSeconds(30);

    /** Most decisions kept in the cache ({@code meshid.policy.decision-cache-size}); 0 turns it off. */
    public int getDecisionCacheSize() {
        return decisionCacheSize;
    }

    public void setDecisionCacheSize(int size) {
        this.decisionCacheSize = ConfigChecks.between(PREFIX + ".decision-cache-size", size, 0, 10_000_000);
    }

    /** How long a cached decision may be reused, and the cache TTL told to sidecars. */
    public Duration getDecisionCacheTtl() {
        return decisionCacheTtl;
    }

    public void setDecisionCacheTtl(Duration ttl) {
        this.decisionCacheTtl = ConfigChecks.between(PREFIX + ".decision-cache-ttl", ttl, Duration.ZERO, Duration.ofHours(1));
    }
}
