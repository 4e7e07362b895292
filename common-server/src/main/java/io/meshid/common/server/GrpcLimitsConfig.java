package io.meshid.common.server;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-connection limits of a meshid gRPC server and where its callers' addresses come from
 * ({@code meshid.grpc.*}): how many calls one HTTP/2 connection may have open at once, how many of
 * them may be streaming calls, and which proxies may name the client address. Checked at start-up;
 * immutable afterwards.
 */
@Context
@ConfigurationProperties(GrpcLimitsConfig.PREFIX)
public final class GrpcLimitsConfig {

    /** Configuration prefix. */
    public static final String PREFIX = "meshid.grpc";

    private int maxConcurrentCallsPerConnection = 256;
    private int maxConcurrentStreamsPerConnection = 32;
    private List<Cidr> trustedProxies = List.of();

    /**
     * Calls one connection may have open at once ({@code meshid.grpc.max-concurrent-calls-per-connection},
     * default 256): announced to the client as HTTP/2 {@code SETTINGS_MAX_CONCURRENT_STREAMS}, so a
     * well-behaved client queues its further calls, and a stream past it is reset with
     * {@code REFUSED_STREAM}.
     */
    public int getMaxConcurrentCallsPerConnection() {
        return maxConcurrentCallsPerConnection;
    }

    public void setMaxConcurrentCallsPerConnection(int max) {
        this.maxConcurrentCallsPerConnection = ConfigChecks.between(PREFIX + ".max-concurrent-calls-per-connection", max, 1,
                100_000);
    }

    /**
     * Streaming calls (watches) one connection may have open at once
     * ({@code meshid.grpc.max-concurrent-streams-per-connection}, default 32); one more is refused
     * with {@code RESOURCE_EXHAUSTED}. Streams live long, so they get a tighter bound than calls.
     */
    public int getMaxConcurrentStreamsPerConnection() {
        return maxConcurrentStreamsPerConnection;
    }

    public void setMaxConcurrentStreamsPerConnection(int max) {
        this.maxConcurrentStreamsPerConnection = ConfigChecks.between(PREFIX + ".max-concurrent-streams-per-connection", max, 1,
                100_000);
    }

    /**
     * The proxies (CIDR blocks, {@code meshid.grpc.trusted-proxies}, default none) whose
     * {@code x-forwarded-for} metadata names the client address used for per-source limits and the
     * audit trail ({@link SourceAddresses#client}). From any other peer the header is ignored.
     */
    public List<Cidr> getTrustedProxies() {
        return trustedProxies;
    }

    public void setTrustedProxies(List<String> blocks) {
        List<Cidr> parsed = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            try {
                parsed.add(Cidr.parse(blocks.get(i)));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(PREFIX + ".trusted-proxies[" + i + "]: " + e.getMessage());
            }
        }
        this.trustedProxies = List.copyOf(parsed);
    }
}
