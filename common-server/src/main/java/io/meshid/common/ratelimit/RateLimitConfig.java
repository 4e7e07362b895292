package io.meshid.common.ratelimit;

import io.meshid.common.server.ConfigChecks;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Abuse limits of a gRPC server ({@code meshid.rate-limit.*}): calls per second per caller
 * identity and per source address for every rpc, and stricter limits for named methods. Each
 * server sets its own in its {@code application.yml}; the shared defaults are high enough that a
 * benchmark of thousands of calls a second from a few callers is never throttled. Checked at
 * start-up; immutable afterwards.
 */
@Context
@ConfigurationProperties(RateLimitConfig.PREFIX)
public final class RateLimitConfig {

    /** Configuration prefix. */
    public static final String PREFIX = "meshid.rate-limit";

    private boolean enabled;
    private boolean shared = true;
    private long perCallerPerSecond = 20_000;
    private long perSourcePerSecond = 50_000;
    private Map<String, RateLimit> methods = Map.of();
    private java.time.Duration syncInterval = java.time.Duration.ofMillis(100);
    private double slack = 0.05;

    /**
     * Whether limits are applied ({@code meshid.rate-limit.enabled}): off unless a server turns them on
     * in its own {@code application.yml}, so that adding this module changes no server silently.
     */
    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Whether the counters are shared by every replica ({@code meshid.rate-limit.shared}, default
     * true): in the shared store (in-process: in its memory); with Redis, every limit (per caller,
     * per source, per method) through leases synced every {@link #getSyncInterval()} (no round trip
     * per call, within the documented tolerance). False counts in this replica only (each replica enforces the limits on its
     * own, as Envoy's local rate limit does), for servers on a request's hot path.
     */
    public boolean isShared() {
        return shared;
    }

    public void setShared(boolean shared) {
        this.shared = shared;
    }

    /**
     * How often a replica syncs its leased counts with Redis
     * ({@code meshid.rate-limit.sync-interval}, default {@code PT0.1S}, between 10 ms and 10 s).
     */
    public java.time.Duration getSyncInterval() {
        return syncInterval;
    }

    public void setSyncInterval(java.time.Duration interval) {
        if (interval.compareTo(java.time.Duration.ofMillis(10)) < 0 || interval.compareTo(java.time.Duration.ofSeconds(10)) > 0) {
            throw new ConfigurationException(PREFIX + ".sync-interval: " + interval + " (expected: between PT0.01S and PT10S)");
        }
        this.syncInterval = interval;
    }

    /**
     * The share of a limit each replica may admit without a lease ({@code meshid.rate-limit.slack},
     * default 0.05, between 0 and 1): the tolerance, N replicas admit at most
     * {@code permits × (1 + N × slack)} (docs/identity.md, "Rate limits").
     */
    public double getSlack() {
        return slack;
    }

    public void setSlack(double slack) {
        if (!(slack >= 0 && slack <= 1)) {
            throw new ConfigurationException(PREFIX + ".slack: " + slack + " (expected: between 0 and 1)");
        }
        this.slack = slack;
    }

    /** Calls per second one caller identity may make ({@code meshid.rate-limit.per-caller-per-second}). */
    public long getPerCallerPerSecond() {
        return perCallerPerSecond;
    }

    public void setPerCallerPerSecond(int limit) {
        this.perCallerPerSecond = ConfigChecks.between(PREFIX + ".per-caller-per-second", limit, 1, 10_000_000);
    }

    /** Calls per second one source address may make ({@code meshid.rate-limit.per-source-per-second}). */
    public long getPerSourcePerSecond() {
        return perSourcePerSecond;
    }

    public void setPerSourcePerSecond(int limit) {
        this.perSourcePerSecond = ConfigChecks.between(PREFIX + ".per-source-per-second", limit, 1, 10_000_000);
    }

    /**
     * Stricter limits for single methods ({@code meshid.rate-limit.method-limits}), each
     * {@code "<full method name>=<calls>/<window>"}, such as
     * {@code "meshid.identity.v1.IdentityService/RenewX509Svid=10/PT1M"}. Counted per caller
     * identity, or per source address for a call without one.
     */
    public Map<String, RateLimit> getMethods() {
        return methods;
    }

    public void setMethodLimits(List<String> specs) {
        Map<String, RateLimit> parsed = new LinkedHashMap<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || !spec.substring(0, eq).strip().matches("[A-Za-z0-9_.]+/[A-Za-z0-9_]+")) {
                throw new ConfigurationException(PREFIX + ".method-limits: '" + spec
                        + "' (expected: <package.Service>/<Method>=<calls>/<window>, such as "
                        + "meshid.identity.v1.IdentityService/RenewX509Svid=10/PT1M)");
            }
            parsed.put(spec.substring(0, eq).strip(), RateLimit.parse(PREFIX + ".method-limits", spec.substring(eq + 1)));
        }
        this.methods = Map.copyOf(parsed);
    }
}
