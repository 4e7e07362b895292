package io.meshid.identity.registry;

import io.meshid.common.spiffe.SpiffeId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A short-lived, bounded cache of "the newest entry that holds this SPIFFE ID", for the per-call
 * checks of MintJwtSvid and renewal, so that the hot path reads memory instead of the database.
 * Answers, present or absent, are kept for {@value #TTL_SECONDS} s; any write through a
 * replica's registry clears the cache of that replica at once and, through the shared store's
 * notification ({@link DefaultRegistry#CHANGES_CHANNEL}), of the other replicas a few
 * milliseconds later; the TTL bounds it when a notification is missed (Redis reconnecting, or no
 * Redis). A load that began before a {@link #clear} is returned to its caller but not kept, so a
 * read racing a delete cannot keep the deleted entry alive. Past {@value #MAX_ENTRIES} ids it
 * starts again empty rather than grow. Thread-safe.
 */
final class EntryCache {

    static final int TTL_SECONDS = 1;
    static final int MAX_ENTRIES = 100_000;

    private record Cached(Optional<RegistrationEntry> entry, Instant until) {
    }

    private final ConcurrentHashMap<SpiffeId, Cached> cache = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration ttl = Duration.ofSeconds(TTL_SECONDS);
    /** Bumped by every {@link #clear}: a load that saw another generation is not kept. */
    private final AtomicLong generation = new AtomicLong();

    EntryCache(Clock clock) {
        this.clock = clock;
    }

    Optional<RegistrationEntry> get(SpiffeId id, Function<SpiffeId, Optional<RegistrationEntry>> load) {
        Instant now = clock.instant();
        Cached hit = cache.get(id);
        if (hit != null && now.isBefore(hit.until())) {
            return hit.entry();
        }
        long before = generation.get();
        Optional<RegistrationEntry> entry = load.apply(id);
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
        }
        cache.put(id, new Cached(entry, now.plus(ttl)));
        if (generation.get() != before) {
            // Cleared while loading: what was read may predate the change.
            cache.remove(id);
        }
        return entry;
    }

    /** Whether {@link #get} would answer for {@code id} now without loading. */
    boolean isFresh(SpiffeId id) {
        Cached hit = cache.get(id);
        return hit != null && clock.instant().isBefore(hit.until());
    }

    void clear() {
        generation.incrementAndGet();
        cache.clear();
    }
}
