package io.meshid.identity.registry;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the join tokens nobody can use any more: those past their TTL (at most 24 h), and those
 * an earlier version kept after use. A used token is deleted when it is consumed, so with this the
 * table holds only tokens that can still attest, and the per-entry cap on unused tokens counts
 * over at most that many rows. Every replica runs it; deleting twice is harmless. Runs every
 * {@value #EVERY}, {@value #CHUNK} rows per statement so that no statement holds many locks.
 */
@Singleton
final class JoinTokenPruner {

    static final int CHUNK = 10_000;
    static final String EVERY = "10m";
    private static final Logger LOG = LoggerFactory.getLogger(JoinTokenPruner.class);

    private final RegistryStore store;
    private final Clock clock;

    JoinTokenPruner(RegistryStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Scheduled(fixedDelay = EVERY, initialDelay = "1m")
    void pruneQuietly() {
        try {
            prune();
        } catch (RuntimeException e) {
            LOG.warn("could not delete expired join tokens (next try in {}): {}", EVERY, e.getMessage());
        }
    }

    /** Deletes every expired or used token; the number deleted. */
    int prune() {
        Instant now = clock.instant();
        int total = 0;
        int deleted;
        do {
            deleted = store.pruneTokens(now, CHUNK);
            total += deleted;
        } while (deleted == CHUNK);
        if (total > 0) {
            LOG.debug("deleted {} expired or used join tokens", total);
        }
        return total;
    }
}
