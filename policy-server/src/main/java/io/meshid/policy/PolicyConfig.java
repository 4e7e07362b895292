package io.meshid.policy;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.ConfigChecks;
import io.meshid.policy.cedar.EngineKind;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * policy-server's settings ({@code meshid.policy.*}): the bound and lifetime of its decision
 * cache, the request headers that reach the Cedar context, and the decision log; how often the
 * policy store is polled for versions written through other replicas, which evaluator decides,
 * how many policy slices each thread caches, and the seed of the policy store. Checked at start-up: a bad value stops
 * the process naming the key. Immutable after start-up.
 */
@Context
@ConfigurationProperties(PolicyConfig.PREFIX)
public final class PolicyConfig {

    /** Configuration prefix. */
    public static final String PREFIX = "meshid.policy";

    /** The longest cache TTL told to callers (policy.proto: "At most 5 min"). */
    public static final Duration MAX_CACHE_TTL = Duration.ofMinutes(5);

    /** Header names that carry credentials: never accepted into a Cedar context, nor configurable. */
    public static final Set<String> CREDENTIAL_HEADERS = Set.of(
            "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token", "x-amz-security-token");

    private int decisionCacheSize = 100_000;
    private Duration decisionCacheTtl = Duration.ofSeconds(30);
    private Set<String> contextHeaders = Set.of("content-type", "user-agent");

    /** Most decisions kept in the cache ({@code meshid.policy.decision-cache-size}); 0 turns it off. */
    public int getDecisionCacheSize() {
        return decisionCacheSize;
    }

    public void setDecisionCacheSize(int size) {
        this.decisionCacheSize = ConfigChecks.between(PREFIX + ".decision-cache-size", size, 0, 10_000_000);
    }

    /**
     * How long a cached decision may be reused here, and the cache TTL told to callers
     * ({@code meshid.policy.decision-cache-ttl}, at most 5 min; 0 turns caching off on both sides).
     */
    public Duration getDecisionCacheTtl() {
        return decisionCacheTtl;
    }

    public void setDecisionCacheTtl(Duration ttl) {
        this.decisionCacheTtl = ConfigChecks.between(PREFIX + ".decision-cache-ttl", ttl, Duration.ZERO, MAX_CACHE_TTL);
    }

    /**
     * Request headers (lowercase names) that go into the Cedar context as {@code context.headers}
     * ({@code meshid.policy.context-headers}); every other header is dropped. Credential headers
     * ({@link #CREDENTIAL_HEADERS}) cannot be listed.
     */
    public Set<String> getContextHeaders() {
        return contextHeaders;
    }

    public void setContextHeaders(List<String> headers) {
        Set<String> names = new LinkedHashSet<>();
        for (String header : headers) {
            String name = header.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || name.length() > 128 || name.startsWith(":") || name.startsWith("__")) {
                throw new ConfigurationException(PREFIX + ".context-headers: '" + header
                        + "' (expected: header names of 1 to 128 characters, no pseudo-headers, none starting with __,"
                        + " which Cedar reserves for escapes)");
            }
            if (CREDENTIAL_HEADERS.contains(name)) {
                throw new ConfigurationException(PREFIX + ".context-headers: '" + header
                        + "' carries credentials (expected: none of " + CREDENTIAL_HEADERS.stream().sorted().toList() + ")");
            }
            names.add(name);
        }
        if (names.size() > 32) {
            throw new ConfigurationException(PREFIX + ".context-headers: " + names.size() + " names (expected: at most 32)");
        }
        this.contextHeaders = Set.copyOf(names);
    }

    /**
     * The decision log's settings ({@code meshid.policy.decision-log.*}): the share of allow
     * decisions written (every deny is), and how many records may wait to be written before new
     * ones are dropped and counted.
     */
    @Context
    @ConfigurationProperties("decision-log")
    public static final class DecisionLog {
        private double allowSampleRate = 0.01;
        private int queueSize = 10_000;

        /** {@code meshid.policy.decision-log.allow-sample-rate}, 0 to 1. */
        public double getAllowSampleRate() {
            return allowSampleRate;
        }

        public void setAllowSampleRate(double rate) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new ConfigurationException(PREFIX + ".decision-log.allow-sample-rate: " + rate + " (expected: between 0 and 1)");
            }
            this.allowSampleRate = rate;
        }

        /** {@code meshid.policy.decision-log.queue-size}. */
        public int getQueueSize() {
            return queueSize;
        }

        public void setQueueSize(int size) {
            this.queueSize = ConfigChecks.between(PREFIX + ".decision-log.queue-size", size, 1, 1_000_000);
        }
    }

    private EngineKind engine = EngineKind.JAVA;

    /**
     * Which evaluator decides ({@code meshid.policy.engine}): {@code java} (meshid's evaluator for
     * the subset of Cedar it implements, the native engine for slices it cannot decide) or
     * {@code native} (cedar-java for every decision).
     */
    public EngineKind getEngine() {
        return engine;
    }

    public void setEngine(String name) {
        try {
            this.engine = EngineKind.of(name);
        } catch (MeshidException.InvalidArgument e) {
            throw new ConfigurationException(PREFIX + ".engine: '" + name + "' (expected: java or native)");
        }
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

    /** Cached policy slices per pooled native cache and version ({@code meshid.policy.slices-per-thread}; the name is older than the pool). */
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
