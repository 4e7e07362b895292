package io.meshid.common.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.store.LeasedCounters;
import io.meshid.common.store.SharedStore;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.RequiresRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The tolerance of limits shared through leases (issue 16 point 3), on the machine's Redis with
 * replicas as separate {@link LeasedLimits} (each its own member, synced by hand): one replica alone
 * admits the limit exactly, and N replicas under any interleaving of calls and syncs admit at most
 * {@code permits + N × ⌈permits × slack⌉} in a window; the same for a small per-method limit
 * (10 a minute, as RenewX509Svid's) counted through {@link RateLimiter#acquire}.
 */
@RequiresRedis
class LeasedLimitsTest {

    private static final RateLimit LIMIT = new RateLimit(1000, Duration.ofSeconds(60));
    private static final double SLACK = 0.05;

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T10:00:00Z"));

    @Test
    void withRedis_everyLimitCountsInMemory_perMethodLimitsToo() {
        RateLimitConfig config = new RateLimitConfig();
        config.setEnabled(true);
        config.setMethodLimits(List.of("meshid.test.v1.S/Renew=10/PT1M"));
        try (SharedStore store = SharedStore.redis(ExternalServices.redisUri(), Duration.ofSeconds(2))) {
            RateLimitInterceptor limits = new RateLimitInterceptor(config, store, java.util.Optional.of(clock));
            try {
                assertThat(limits.countsInMemory("meshid.test.v1.S/Mint")).isTrue();
                assertThat(limits.countsInMemory("meshid.test.v1.S/Renew")).isTrue();
            } finally {
                limits.close();
            }
        }
    }

    @Test
    void oneReplica_admitsTheLimitExactly_throughItsLeases() {
        try (SharedStore store = SharedStore.redis(ExternalServices.redisUri(), Duration.ofSeconds(2))) {
            LeasedLimits replica = new LeasedLimits((LeasedCounters) store, clock, Duration.ofMillis(100), SLACK, false);
            String key = "ratelimit:test:" + UUID.randomUUID() + ":";
            long windowEnd = clock.millis() + LIMIT.window().toMillis();
            int admitted = 0;
            for (int round = 0; round < 20; round++) {
                while (replica.tryAcquire(key, 0, LIMIT, windowEnd)) {
                    admitted++;
                }
                replica.sync();
            }
            assertThat(admitted).isEqualTo(1000);
        }
    }

    @Test
    void aSteadyCaller_isNotRefusedWhenTheWindowTurns_becauseTheNextWindowIsLeasedAhead() {
        RateLimit perSecond = RateLimit.perSecond(1000);
        try (SharedStore store = SharedStore.redis(ExternalServices.redisUri(), Duration.ofSeconds(2))) {
            LeasedLimits replica = new LeasedLimits((LeasedCounters) store, clock, Duration.ofMillis(100), SLACK, false);
            String prefix = "ratelimit:test:" + UUID.randomUUID() + ":";
            int refusedAfterFirstSync = 0;
            for (int step = 0; step < 35; step++) {
                // 80 calls per 100 ms: 80 % of the limit, more than the 50 a replica may admit without a lease.
                long now = clock.millis();
                long window = now / 1000;
                for (int c = 0; c < 80; c++) {
                    if (!replica.tryAcquire(prefix, window, perSecond, (window + 1) * 1000) && step > 0) {
                        refusedAfterFirstSync++;
                    }
                }
                replica.sync();
                clock.advance(Duration.ofMillis(100));
            }
            assertThat(refusedAfterFirstSync).isZero();
        }
    }

    @Test
    void threeReplicas_underAnyInterleaving_stayWithinTheDocumentedTolerance() {
        try (SharedStore store = SharedStore.redis(ExternalServices.redisUri(), Duration.ofSeconds(2))) {
            Random random = new Random(16);
            for (int trial = 0; trial < 20; trial++) {
                List<LeasedLimits> replicas = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    replicas.add(new LeasedLimits((LeasedCounters) store, clock, Duration.ofMillis(100), SLACK, false));
                }
                String key = "ratelimit:test:" + UUID.randomUUID() + ":";
                long windowEnd = clock.millis() + LIMIT.window().toMillis();
                long admitted = 0;
                for (int step = 0; step < 400; step++) {
                    LeasedLimits r = replicas.get(random.nextInt(3));
                    if (random.nextInt(4) == 0) {
                        r.sync();
                    } else {
                        int burst = random.nextInt(200);
                        for (int c = 0; c < burst; c++) {
                            if (r.tryAcquire(key, 0, LIMIT, windowEnd)) {
                                admitted++;
                            }
                        }
                    }
                }
                assertThat(admitted).as("trial " + trial).isLessThanOrEqualTo(LeasedLimits.tolerance(LIMIT, 3, SLACK))
                        .isGreaterThanOrEqualTo(LIMIT.permits());
            }
        }
    }

    @Test
    void aPerMethodLimit_throughTheLimiter_threeReplicas_stayWithinTheDocumentedTolerance() {
        RateLimit renew = new RateLimit(10, Duration.ofMinutes(1));
        try (SharedStore store = SharedStore.redis(ExternalServices.redisUri(), Duration.ofSeconds(2))) {
            Random random = new Random(15);
            for (int trial = 0; trial < 20; trial++) {
                List<LeasedLimits> leases = new ArrayList<>();
                List<RateLimiter> replicas = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    LeasedLimits leased = new LeasedLimits((LeasedCounters) store, clock, Duration.ofMillis(100), SLACK, false);
                    leases.add(leased);
                    replicas.add(new RateLimiter(store, clock, leased));
                }
                String scope = "method:meshid.test.v1.S/Renew-" + UUID.randomUUID();
                long admitted = 0;
                for (int step = 0; step < 200; step++) {
                    int r = random.nextInt(3);
                    if (random.nextInt(3) == 0) {
                        leases.get(r).sync();
                    } else {
                        int burst = random.nextInt(5);
                        for (int c = 0; c < burst; c++) {
                            if (replicas.get(r).acquire(scope, "spiffe://rl.test/w", renew).allowed()) {
                                admitted++;
                            }
                        }
                    }
                }
                assertThat(admitted).as("trial " + trial).isLessThanOrEqualTo(LeasedLimits.tolerance(renew, 3, SLACK))
                        .isGreaterThanOrEqualTo(renew.permits());
            }
        }
    }

    @Test
    void aPerMethodLimit_oneReplica_admitsTheLimitExactly_andRefusesWithTheWindowsEnd() {
        RateLimit renew = new RateLimit(10, Duration.ofMinutes(1));
        try (SharedStore store = SharedStore.redis(ExternalServices.redisUri(), Duration.ofSeconds(2))) {
            LeasedLimits leased = new LeasedLimits((LeasedCounters) store, clock, Duration.ofMillis(100), SLACK, false);
            RateLimiter replica = new RateLimiter(store, clock, leased);
            String scope = "method:meshid.test.v1.S/Renew-" + UUID.randomUUID();
            int admitted = 0;
            RateLimiter.Decision last = null;
            for (int round = 0; round < 15; round++) {
                for (int c = 0; c < 3; c++) {
                    last = replica.acquire(scope, "spiffe://rl.test/w", renew);
                    admitted += last.allowed() ? 1 : 0;
                }
                leased.sync();
            }
            assertThat(admitted).isEqualTo(10);
            assertThat(last.allowed()).isFalse();
            assertThat(last.retryAfter()).isPositive().isLessThanOrEqualTo(renew.window());
        }
    }
}
