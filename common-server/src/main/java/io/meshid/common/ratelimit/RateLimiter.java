package io.meshid.common.ratelimit;

import io.meshid.common.store.SharedStore;
import io.meshid.common.store.SharedStoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fixed-window counters in the {@link SharedStore}: one {@code INCR} (with an expiry set by the
 * first one) per call and key, so every replica sharing one Redis counts against the same limit.
 * A key found over its limit is refused locally for the rest of its window without asking the
 * store again, so a flood costs one store call per key and window, not one per call. When the
 * store cannot count (Redis unavailable, or the in-process store's counter space full), the call
 * is counted in this limiter's own bounded counters instead ({@link LocalCounters}: the limit then
 * holds per replica, and an evicted counter restarts) rather than refused or let through
 * uncounted; a warning says so at most once a minute. Thread-safe.
 */
public final class RateLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    private static final int MAX_KEY_PART = 200;
    static final int MAX_LOCAL_KEYS = 100_000;

    /** Null: count in {@link #local} only. */
    private final SharedStore store;
    /** Null: {@link #acquireBulk} counts as {@link #acquire} does. */
    private final LeasedLimits leased;
    private final LocalCounters local;
    private final Clock clock;
    /** Keys known to be over their limit, with the end of their window (epoch ms). */
    private final Map<String, Long> refusedUntil = new ConcurrentHashMap<>();
    private final AtomicLong lastWarning = new AtomicLong();

    /** Counts in {@code store}; {@code clock} places calls in windows. */
    public RateLimiter(SharedStore store, Clock clock) {
        this(store, clock, null);
    }

    /** Counts in {@code store}, and the high-volume limits ({@link #acquireBulk}) through {@code leased} when not null. */
    RateLimiter(SharedStore store, Clock clock, LeasedLimits leased) {
        this.store = store;
        this.leased = leased;
        this.clock = clock;
        this.local = new LocalCounters(clock, MAX_LOCAL_KEYS);
    }

    /** Counts in this replica only, in bounded counters of its own. */
    public static RateLimiter local(Clock clock) {
        return new RateLimiter(null, clock);
    }

    /** The outcome of one check: allowed, or refused until {@code retryAfter} has passed. */
    public record Decision(boolean allowed, long count, Duration retryAfter) {
    }

    /**
     * Counts one call of {@code subject} (a caller identity, a source address or its IPv6 /64,
     * see {@link io.meshid.common.server.SourceAddresses#limitKey}) under {@code scope} and says
     * whether it is within {@code limit}.
     */
    public Decision acquire(String scope, String subject, RateLimit limit) {
        return acquire(scope, subject, limit, false);
    }

    /**
     * As {@link #acquire}, for the limits every call meets (per caller, per source): counted from
     * memory with leases synced in the background when this limiter has them ({@link LeasedLimits},
     * Redis), so that no call waits for the store.
     */
    public Decision acquireBulk(String scope, String subject, RateLimit limit) {
        return acquire(scope, subject, limit, leased != null);
    }

    /** Whether {@link #acquireBulk} answers from memory (no store round trip). */
    public boolean bulkInMemory() {
        return leased != null || store == null || "in-process".equals(store.kind());
    }

    /** Whether {@link #acquire} answers from memory. */
    public boolean exactInMemory() {
        return store == null || "in-process".equals(store.kind());
    }

    private Decision acquire(String scope, String subject, RateLimit limit, boolean bulk) {
        long now = clock.millis();
        long windowMs = limit.window().toMillis();
        long windowIndex = now / windowMs;
        long windowEnd = (windowIndex + 1) * windowMs;
        String key = "ratelimit:" + scope + ":" + shorten(subject) + ":" + windowIndex;
        Duration retry = Duration.ofMillis(Math.max(1, windowEnd - now));
        Long until = refusedUntil.get(key);
        if (until != null) {
            if (until > now) {
                return new Decision(false, limit.permits() + 1, retry);
            }
            refusedUntil.remove(key);
        }
        if (bulk) {
            String prefix = "ratelimit:" + scope + ":" + shorten(subject) + ":";
            return leased.tryAcquire(prefix, windowIndex, limit, windowEnd) ? new Decision(true, 0, Duration.ZERO)
                    : new Decision(false, limit.permits() + 1, retry);
        }
        long count = increment(key, limit.window().plusSeconds(1));
        if (count > limit.permits()) {
            if (refusedUntil.size() > MAX_LOCAL_KEYS) {
                refusedUntil.entrySet().removeIf(e -> e.getValue() <= now);
            }
            refusedUntil.put(key, windowEnd);
            return new Decision(false, count, retry);
        }
        return new Decision(true, count, Duration.ZERO);
    }

    private long increment(String key, Duration ttl) {
        if (store == null) {
            return local.increment(key, ttl);
        }
        try {
            return store.increment(key, ttl);
        } catch (SharedStoreUnavailableException | IllegalStateException e) {
            long now = clock.millis();
            long last = lastWarning.get();
            if (now - last > 60_000 && lastWarning.compareAndSet(last, now)) {
                LOG.warn("rate limits: the shared store ({}) cannot count, counting in this replica only: {}", store.kind(),
                        e.getMessage());
            }
            return local.increment(key, ttl);
        }
    }

    /** Stops the background sync of leases, if any. */
    void close() {
        if (leased != null) {
            leased.close();
        }
    }

    /** Keeps keys short: a long subject (SPIFFE IDs reach 2048 characters) is replaced by its SHA-256. */
    private static String shorten(String subject) {
        if (subject.length() <= MAX_KEY_PART) {
            return subject;
        }
        try {
            return "sha256-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(subject.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
