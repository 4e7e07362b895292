package io.meshid.common.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.store.SharedStore;
import io.meshid.common.store.SharedStoreUnavailableException;
import io.meshid.common.testing.MutableClock;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The contract on the in-process store, and the fallback when the shared store is down. */
class InProcessRateLimitTest extends RateLimitContract {

    /** One store shared by every "replica" of a test, as one Redis would be. */
    private final SharedStore shared = SharedStore.inProcess(Clock.systemUTC(), 10_000);

    @Override
    SharedStore newStore() {
        return (SharedStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {SharedStore.class},
                (proxy, method, args) -> method.getName().equals("close") ? null : method.invoke(shared, args));
    }

    @Test
    void storeUnavailable_countsInThisReplica() {
        SharedStore down = (SharedStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {SharedStore.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "kind" -> "redis";
                    default -> throw new SharedStoreUnavailableException("redis: connection refused", null);
                });
        RateLimiter limiter = new RateLimiter(down, MutableClock.at(Instant.parse("2026-12-01T10:00:00Z")));
        RateLimit limit = new RateLimit(2, Duration.ofSeconds(1));

        assertThat(limiter.acquire("caller", "a", limit).allowed()).isTrue();
        assertThat(limiter.acquire("caller", "a", limit).allowed()).isTrue();
        assertThat(limiter.acquire("caller", "a", limit).allowed()).isFalse();
    }

    @Test
    void notShared_countsInThisReplica_withoutAskingTheSharedStore() {
        java.util.concurrent.atomic.AtomicInteger storeCalls = new java.util.concurrent.atomic.AtomicInteger();
        SharedStore watched = (SharedStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {SharedStore.class},
                (proxy, method, args) -> {
                    storeCalls.incrementAndGet();
                    return method.invoke(shared, args);
                });
        RateLimitConfig config = new RateLimitConfig();
        config.setShared(false);
        RateLimiter limiter = new RateLimitInterceptor(config, watched, java.util.Optional.of(
                MutableClock.at(Instant.parse("2026-12-01T10:00:00Z")))).limiter();
        RateLimit limit = new RateLimit(2, Duration.ofSeconds(1));

        assertThat(limiter.acquire("caller", "a", limit).allowed()).isTrue();
        assertThat(limiter.acquire("caller", "a", limit).allowed()).isTrue();
        assertThat(limiter.acquire("caller", "a", limit).allowed()).isFalse();
        assertThat(storeCalls).hasValue(0);
    }

    @Test
    void aLocalLimiterWithEveryCounterLive_stillCountsANewSubject() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T10:00:00Z"));
        RateLimiter limiter = RateLimiter.local(clock);
        RateLimit limit = new RateLimit(2, Duration.ofMinutes(1));
        for (int i = 0; i < RateLimiter.MAX_LOCAL_KEYS; i++) {
            limiter.acquire("source", "10.0." + i, limit);
        }

        assertThat(limiter.acquire("source", "new", limit).allowed()).isTrue();
        assertThat(limiter.acquire("source", "new", limit).allowed()).isTrue();
        assertThat(limiter.acquire("source", "new", limit).allowed()).isFalse();
    }

    @Test
    void badLimits_failNamingTheKey() {
        RateLimitConfig config = new RateLimitConfig();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config.setMethodLimits(java.util.List.of("Foo=10/PT1M")))
                .hasMessageContaining("meshid.rate-limit.method-limits: 'Foo=10/PT1M'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config.setMethodLimits(java.util.List.of("a.B/C=0/PT1M")))
                .hasMessageContaining("permits: 0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config.setPerCallerPerSecond(0))
                .hasMessageContaining("meshid.rate-limit.per-caller-per-second: 0");
    }
}
