package io.meshid.sidecar.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds every listener applies to each connection and request. Immutable and thread-safe.
 *
 * @param maxHeaderBytes     the request or response head (all header lines together); larger is 431
 * @param maxInitialLineBytes the request line; longer is 414
 * @param maxBodyBytes       one request body; a larger declared length is 413, a longer chunked body closes the connection
 * @param headerReadTimeout  from connection start (or the end of the previous response) to a complete request head; then 408
 * @param idleTimeout        no byte read or written for this long closes the connection (not while waiting for a response)
 * @param responseTimeout    from the end of a forwarded request to the start of its response; then 504
 * @param maxConnections     open downstream connections per listener; more are closed at once
 * @param drainTimeout       how long shutdown waits for requests in flight
 */
public record Limits(int maxHeaderBytes, int maxInitialLineBytes, long maxBodyBytes, Duration headerReadTimeout,
        Duration idleTimeout, Duration responseTimeout, int maxConnections, Duration drainTimeout) {

    /** 16 KiB heads, 8 KiB request lines, 16 MiB bodies, 10 s to send a head, 60 s idle, 30 s for a response, 10,000 connections, 15 s drain. */
    public static final Limits DEFAULTS = new Limits(16 * 1024, 8 * 1024, 16L * 1024 * 1024, Duration.ofSeconds(10),
            Duration.ofSeconds(60), Duration.ofSeconds(30), 10_000, Duration.ofSeconds(15));

    public Limits {
        positive("max_header_bytes", maxHeaderBytes, 1 << 20);
        positive("max_initial_line_bytes", maxInitialLineBytes, 1 << 20);
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("limits.max_body_bytes: " + maxBodyBytes + " (expected: 0 or more)");
        }
        positive("header_read_timeout", headerReadTimeout);
        positive("idle_timeout", idleTimeout);
        positive("response_timeout", responseTimeout);
        positive("max_connections", maxConnections, 1_000_000);
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("limits.drain_timeout: " + drainTimeout + " (expected: zero or more)");
        }
    }

    private static void positive(String key, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException("limits." + key + ": " + value + " (expected: 1 to " + max + ")");
        }
    }

    private static void positive(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("limits." + key + ": " + value + " (expected: more than zero)");
        }
    }

    public Limits withHeaderReadTimeout(Duration timeout) {
        return new Limits(maxHeaderBytes, maxInitialLineBytes, maxBodyBytes, timeout, idleTimeout, responseTimeout,
                maxConnections, drainTimeout);
    }

    public Limits withMaxConnections(int max) {
        return new Limits(maxHeaderBytes, maxInitialLineBytes, maxBodyBytes, headerReadTimeout, idleTimeout,
                responseTimeout, max, drainTimeout);
    }

    public Limits withMaxBodyBytes(long max) {
        return new Limits(maxHeaderBytes, maxInitialLineBytes, max, headerReadTimeout, idleTimeout,
                responseTimeout, maxConnections, drainTimeout);
    }
}
