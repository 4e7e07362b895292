package io.meshid.policy;

import io.meshid.common.server.ConfigChecks;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import java.time.Duration;

/**
 * policy-server's settings ({@code meshid.policy.*}): the bound and lifetime of its decision
 * cache; how often the policy store is polled for versions written through other replicas, how
 * many policy slices each thread caches, and the seed of the policy store. Checked at start-up.
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

    private Duration reloadPollInterval = Duration.ofSeconds(1);
    private int slicesPerThread = 64;
    private String seedDirectory = "";

    /**
     * How often every replica reads the active and shadow version numbers of every trust domain
     * ({@code meshid.policy.reload-poll-interval}), the fallback when a shared-store announcement
     * is missed.
     */
    public Duration getReloadPollInterval() {
        return reloadPollInterval;
    }

    public void setReloadPollInterval(Duration interval) {
        this.reloadPollInterval = ConfigChecks.between(PREFIX + ".reload-poll-interval", interval, Duration.ofMillis(50),
                Duration.ofSeconds(10));
    }

    /** Cached policy slices per evaluating thread and version ({@code meshid.policy.slices-per-thread}). */
    public int getSlicesPerThread() {
        return slicesPerThread;
    }

    public void setSlicesPerThread(int slices) {
        this.slicesPerThread = ConfigChecks.between(PREFIX + ".slices-per-thread", slices, 1, 4096);
    }

    /**
     * Where the seed policy set is ({@code meshid.policy.seed-directory}): a folder, or
     * {@code classpath:<folder>}; empty for no seed. Stored as version 1 of {@code meshid.trust-domain}
     * when that trust domain has no version yet.
     */
    public String getSeedDirectory() {
        return seedDirectory;
    }

    public void setSeedDirectory(String directory) {
        this.seedDirectory = directory == null ? "" : directory.strip();
    }
}
