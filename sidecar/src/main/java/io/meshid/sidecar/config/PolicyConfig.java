package io.meshid.sidecar.config;

import io.meshid.common.spiffe.SpiffeId;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Where and how the sidecar asks for decisions. Immutable and thread-safe.
 *
 * @param host            policy-server's host
 * @param port            its gRPC port (mutual TLS with the sidecar's SVID)
 * @param serverId        the SPIFFE ID policy-server must present, or null for any SVID of the trust domain
 * @param checkTimeout    deadline of one {@code Check}; past it the decision is unknown (deny)
 * @param cacheSize       most decisions kept
 * @param staleIfError    how long past its TTL a cached decision may still be used when policy-server
 *                        cannot answer; zero (the default) turns it off
 * @param contextHeaders  request headers sent in the check's context (lowercase; never credentials)
 */
public record PolicyConfig(String host, int port, SpiffeId serverId, Duration checkTimeout, int cacheSize,
        Duration staleIfError, List<String> contextHeaders) {

    /** The most a stale decision may be used past its TTL. */
    public static final Duration MAX_STALE_IF_ERROR = Duration.ofMinutes(5);

    private static final Set<String> CREDENTIALS = Set.of("authorization", "cookie", "proxy-authorization");

    public PolicyConfig {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("policy.port: " + port + " (expected: 1 to 65535)");
        }
        Objects.requireNonNull(checkTimeout, "checkTimeout");
        if (checkTimeout.isZero() || checkTimeout.isNegative()) {
            throw new IllegalArgumentException("policy.check_timeout: " + checkTimeout + " (expected: more than zero)");
        }
        if (cacheSize < 0 || cacheSize > 1_000_000) {
            throw new IllegalArgumentException("policy.cache_size: " + cacheSize + " (expected: 0 to 1000000)");
        }
        Objects.requireNonNull(staleIfError, "staleIfError");
        if (staleIfError.isNegative() || staleIfError.compareTo(MAX_STALE_IF_ERROR) > 0) {
            throw new IllegalArgumentException("policy.stale_if_error: " + staleIfError + " (expected: between PT0S and "
                    + MAX_STALE_IF_ERROR + ")");
        }
        contextHeaders = contextHeaders.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        if (contextHeaders.size() > 32) {
            throw new IllegalArgumentException("policy.context_headers: " + contextHeaders.size()
                    + " names (expected: at most 32)");
        }
        for (String h : contextHeaders) {
            if (CREDENTIALS.contains(h)) {
                throw new IllegalArgumentException("policy.context_headers: \"" + h
                        + "\" carries credentials (expected: headers that are safe to send to policy-server)");
            }
        }
    }

    /** Policy-server at {@code host:port}, with a 1 s deadline, 10,000 cached decisions, no stale grace, no context headers. */
    public static PolicyConfig of(String host, int port) {
        return new PolicyConfig(host, port, null, Duration.ofSeconds(1), 10_000, Duration.ZERO, List.of());
    }

    public PolicyConfig withStaleIfError(Duration grace) {
        return new PolicyConfig(host, port, serverId, checkTimeout, cacheSize, grace, contextHeaders);
    }

    public PolicyConfig withCheckTimeout(Duration timeout) {
        return new PolicyConfig(host, port, serverId, timeout, cacheSize, staleIfError, contextHeaders);
    }

    public PolicyConfig withContextHeaders(List<String> headers) {
        return new PolicyConfig(host, port, serverId, checkTimeout, cacheSize, staleIfError, headers);
    }
}
