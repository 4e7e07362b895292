package io.meshid.common.ratelimit;

import io.meshid.common.store.SharedStore;
import io.meshid.common.store.SharedStoreUnavailableException;
import io.meshid.common.store.WindowCounters;
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
 * Fixed-window rate limits. Where the counters live depends on the store:
 *
 * <ul>
 *   <li>no store ({@link #local}) or the in-process store: in memory ({@link WindowCounters}: one
 *       slot per scope and subject, a call adds one to an atomic counter and allocates nothing);
 *       with the in-process store the counters are the store's own
 *       ({@link SharedStore#windowCounters()}), so every limiter on one store counts together;
 *   <li>Redis with {@link LeasedLimits}: in memory against leases synced in the background, for
 *       every limit ({@link #acquire} and {@link #acquireBulk} alike), within the documented
 *       tolerance;
 *   <li>Redis without leases: one {@code INCR} (with an expiry set by the first one) per call and
 *       key, so every replica sharing one Redis counts exactly against the same limit. A key found
 *       over its limit is then refused locally for the rest of its window without asking the store
 *       again, so a flood costs one store call per key and window, not one per call.
 * </ul>
 *
 * When the store cannot count (Redis unavailable, or the in-process store's counter space full),
 * the call is counted in this limiter's own bounded counters instead ({@link WindowCounters}, then
 * {@link LocalCounters} once those are full: the limit then holds per replica, and an evicted
 * counter restarts) rather than refused or let through uncounted; a warning says so at most once a
 * minute. Thread-safe.
 */
public final class RateLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    private static final int MAX_KEY_PART = 200;
    static final int MAX_LOCAL_KEYS = 100_000;
    private static final Decision ALLOWED = new Decision(true, 0, Duration.ZERO);

    /** Null: count in memory only. */
    private final SharedStore store;
    /** Null: limits in Redis count with one store call each. */
    private final LeasedLimits leased;
    /** The store's counters (in-process store), or this limiter's own (no store); null with Redis. */
    private final WindowCounters windows;
    /** This limiter's own counters, when the store cannot count. */
    private final WindowCounters own;
    /** When {@link #own} is full too. */
    private final LocalCounters local;
    private final Clock clock;
    /** Keys known to be over their limit, with the end of their window (epoch ms). */
    private final Map<String, Long> refusedUntil = new ConcurrentHashMap<>();
    private final AtomicLong lastWarning = new AtomicLong();

    /** Counts in {@code store}; {@code clock} places calls in windows. */
    public RateLimiter(SharedStore store, Clock clock) {
        this(store, clock, null);
    }

    /** Counts in {@code store}, and every limit through {@code leased} when not null (Redis). */
    RateLimiter(SharedStore store, Clock clock, LeasedLimits leased) {
        this.store = store;
        this.leased = leased;
        this.clock = clock;
        this.own = new WindowCounters(MAX_LOCAL_KEYS);
        this.windows = store == null ? own : "in-process".equals(store.kind()) ? store.windowCounters().orElse(null) : null;
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
     * whether it is within {@code limit}. The count of an allowed call is not reported (0).
     */
    public Decision acquire(String scope, String subject, RateLimit limit) {
        long now = clock.millis();
        long windowMs = limit.window().toMillis();
        if (windows != null) {
            long count = windows.increment(scope, shorten(subject), windowMs, now);
            if (count == WindowCounters.FULL) {
                warn(store == null ? "this limiter's " + MAX_LOCAL_KEYS + " counters are all live (evicting the least used)"
                        : "the shared store (" + store.kind() + ") has no room for more counters");
                count = ownIncrement(scope, subject, windowMs, now);
            }
            return count > limit.permits() ? refusal(count, windowMs, now) : ALLOWED;
        }
        long windowIndex = now / windowMs;
        if (leased != null) {
            return leased.tryAcquire(scope, shorten(subject), windowIndex, limit, (windowIndex + 1) * windowMs) ? ALLOWED
                    : refusal(limit.permits() + 1, windowMs, now);
        }
        String key = "ratelimit:" + scope + ":" + shorten(subject) + ":" + windowIndex;
        Long until = refusedUntil.get(key);
        if (until != null) {
            if (until > now) {
                return refusal(limit.permits() + 1, windowMs, now);
            }
            refusedUntil.remove(key);
        }
        long count;
        try {
            count = store.increment(key, limit.window().plusSeconds(1));
        } catch (SharedStoreUnavailableException | IllegalStateException e) {
            warn("the shared store (" + store.kind() + ") cannot count: " + e.getMessage());
            count = ownIncrement(scope, subject, windowMs, now);
        }
        if (count > limit.permits()) {
            if (refusedUntil.size() > MAX_LOCAL_KEYS) {
                refusedUntil.entrySet().removeIf(e -> e.getValue() <= now);
            }
            refusedUntil.put(key, (windowIndex + 1) * windowMs);
            return refusal(count, windowMs, now);
        }
        return ALLOWED;
    }

    /**
     * As {@link #acquire}: kept for the limits every call meets (per caller, per source). Every
     * limit now counts the same way (from memory, or leased with Redis), so this is the same call.
     */
    public Decision acquireBulk(String scope, String subject, RateLimit limit) {
        return acquire(scope, subject, limit);
    }

    /** Whether {@link #acquire} answers from memory (no store round trip). */
    public boolean bulkInMemory() {
        return exactInMemory();
    }

    /** Whether {@link #acquire} answers from memory: always, except with Redis and no leases. */
    public boolean exactInMemory() {
        return windows != null || leased != null;
    }

    private static Decision refusal(long count, long windowMs, long now) {
        long windowEnd = (now / windowMs + 1) * windowMs;
        return new Decision(false, count, Duration.ofMillis(Math.max(1, windowEnd - now)));
    }

    /** Counts in this limiter's own counters, then in its Caffeine-bounded ones when those are full. */
    private long ownIncrement(String scope, String subject, long windowMs, long now) {
        String shortSubject = shorten(subject);
        long count = own == windows ? WindowCounters.FULL : own.increment(scope, shortSubject, windowMs, now);
        if (count == WindowCounters.FULL) {
            count = local.increment("ratelimit:" + scope + ":" + shortSubject + ":" + now / windowMs,
                    Duration.ofMillis(windowMs).plusSeconds(1));
        }
        return count;
    }

    private void warn(String what) {
        long now = clock.millis();
        long last = lastWarning.get();
        if (now - last > 60_000 && lastWarning.compareAndSet(last, now)) {
            LOG.warn("rate limits: {}, counting in this replica only", what);
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
