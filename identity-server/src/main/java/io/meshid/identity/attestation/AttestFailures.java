package io.meshid.identity.attestation;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.SourceAddresses;
import io.meshid.common.store.SharedStore;
import io.meshid.identity.IdentityConfig;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Failed attestations per source address, in the shared store (so across replicas with Redis):
 * past {@code meshid.identity.attest-failures-per-minute} a source is refused for the rest of the
 * minute, whatever evidence it brings. Join tokens and Kubernetes tokens count alike. Thread-safe.
 */
@Singleton
final class AttestFailures {

    private static final Duration WINDOW = Duration.ofMinutes(1);

    private final SharedStore store;
    private final int limit;

    AttestFailures(SharedStore store, IdentityConfig config) {
        this.store = store;
        this.limit = config.getAttestFailuresPerMinute();
    }

    /** Whether {@code source} has used up its failures this minute. */
    boolean blocked(String source) {
        return store.get(key(source)).map(Long::parseLong).orElse(0L) >= limit;
    }

    /** Counts one failure of {@code source}; the count this minute. */
    long failed(String source) {
        return store.increment(key(source), WINDOW);
    }

    MeshidException refusal(String source) {
        return new MeshidException.ResourceExhausted("too many failed attestations from " + source + " (expected: at most "
                + limit + " a minute; wait a minute and retry with valid evidence)");
    }

    int limit() {
        return limit;
    }

    /** An IPv6 source counts per /64, as for the rate limits. */
    private static String key(String source) {
        return "attest-failures:" + SourceAddresses.limitKey(source);
    }
}
