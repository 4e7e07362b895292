package io.meshid.common.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Fixed-window counters of this process in a bounded Caffeine cache: each counter expires at the
 * end of its window, and when {@code maxKeys} counters are live the cache evicts some (the least
 * used first) rather than refuse a new one. An evicted counter starts again at 1, so under a flood
 * of distinct keys a limit may let a few more calls through; it never fails a call. Expiry
 * follows the injected clock. Thread-safe.
 */
final class LocalCounters {

    private record Counter(long count, long expiresAtMillis) {
    }

    private final Clock clock;
    private final Cache<String, Counter> counters;

    LocalCounters(Clock clock, int maxKeys) {
        this.clock = clock;
        this.counters = Caffeine.newBuilder().maximumSize(maxKeys)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .expireAfter(new Expiry<String, Counter>() {
                    @Override
                    public long expireAfterCreate(String key, Counter value, long currentTime) {
                        return remaining(value, currentTime);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Counter value, long currentTime, long currentDuration) {
                        return remaining(value, currentTime);
                    }

                    @Override
                    public long expireAfterRead(String key, Counter value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
    }

    private static long remaining(Counter value, long nowNanos) {
        return Math.max(0, TimeUnit.MILLISECONDS.toNanos(value.expiresAtMillis()) - nowNanos);
    }

    /** Adds one to the counter under {@code key}, created for {@code window} by the first call; returns the count. */
    long increment(String key, Duration window) {
        long now = clock.millis();
        return counters.asMap().compute(key, (k, c) -> c == null || now >= c.expiresAtMillis()
                ? new Counter(1, now + window.toMillis())
                : new Counter(c.count() + 1, c.expiresAtMillis())).count();
    }
}
