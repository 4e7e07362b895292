package io.meshid.common.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.OwnRedis;
import io.meshid.common.testing.RequiresCommand;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Redis failures with a real redis-server of the test's own. Promises: a killed connection costs
 * at most the calls in flight on it (none here: every call after the kill succeeds); while Redis
 * is gone every call fails closed ({@link SharedStoreUnavailableException}, never a stale or
 * default answer) within the command timeout; once Redis is back the store serves again, and its
 * subscriptions deliver again, within 2 s, without a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@RequiresCommand(value = "redis-server", install = "apt-get install redis-server")
@Timeout(60)
class RedisOutageTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private static final long RECOVERY_PROMISE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private OwnRedis redis;
    private SharedStore store;

    @BeforeAll
    void start() throws Exception {
        redis = OwnRedis.start();
        // The JVM's first Redis connection loads lettuce and Netty, which on a loaded machine takes
        // longer than the short timeout this test's store keeps for its outage checks.
        SharedStore.redis(redis.uri(), Duration.ofSeconds(10)).close();
        store = SharedStore.redis(redis.uri(), TIMEOUT);
    }

    @AfterAll
    void stop() throws Exception {
        if (store != null) {
            store.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void killedConnections_costNoCallMadeAfterTheKill() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (SharedStore.Subscription s = store.subscribe("outage:kill", received::add)) {
            store.put("outage:k", "v", Duration.ofMinutes(1));

            assertThat(redis.command("CLIENT KILL TYPE normal")).startsWith(":");
            assertThat(redis.command("CLIENT KILL TYPE pubsub")).startsWith(":");

            for (int i = 0; i < 50; i++) {
                store.put("outage:k" + i, "v" + i, Duration.ofMinutes(1));
                assertThat(store.get("outage:k" + i)).contains("v" + i);
            }
            assertThat(store.get("outage:k")).contains("v");
            assertThat(deliveredWithinPromise(received, "outage:kill")).as("subscription after the kill").isTrue();
        }
    }

    @Test
    void redisGoneForAWhile_failsClosed_thenServesAgainWithinTwoSeconds() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (SharedStore.Subscription s = store.subscribe("outage:down", received::add)) {
            store.put("outage:before", "v", Duration.ofMinutes(1));

            redis.stop();
            long downUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
            int refused = 0;
            while (System.nanoTime() < downUntil) {
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> store.contains("revoked:jti:x")).isInstanceOf(SharedStoreUnavailableException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("a refusal while Redis is down")
                        .isLessThan(TIMEOUT.plusMillis(RedisSharedStore.RECONNECT_GRACE_MILLIS + 500));
                refused++;
                Thread.sleep(50);
            }
            assertThat(refused).isPositive();

            redis.startAgain();
            long back = System.nanoTime();
            boolean served = false;
            while (!served && System.nanoTime() - back < RECOVERY_PROMISE_NANOS) {
                try {
                    store.put("outage:after", "v", Duration.ofMinutes(1));
                    served = true;
                } catch (SharedStoreUnavailableException e) {
                    Thread.sleep(20);
                }
            }
            assertThat(served).as("served again within 2 s of Redis being back").isTrue();
            assertThat(deliveredWithinPromise(received, "outage:down")).as("subscription after the outage").isTrue();
        }
    }

    @Test
    void evictingRedis_isRefusedAtConnection() throws Exception {
        redis.command("CONFIG SET maxmemory-policy allkeys-lru");
        try {
            assertThatThrownBy(() -> SharedStore.redis(redis.uri(), TIMEOUT)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("maxmemory-policy allkeys-lru (expected: noeviction");
        } finally {
            redis.command("CONFIG SET maxmemory-policy noeviction");
        }
    }

    /** Publishes (retrying while the subscription reconnects) until the message arrives, within the 2 s promise. */
    private boolean deliveredWithinPromise(BlockingQueue<String> received, String channel) throws InterruptedException {
        long start = System.nanoTime();
        while (System.nanoTime() - start < RECOVERY_PROMISE_NANOS) {
            try {
                store.publish(channel, "m");
            } catch (SharedStoreUnavailableException e) {
                // still reconnecting
            }
            if (received.poll(100, TimeUnit.MILLISECONDS) != null) {
                return true;
            }
        }
        return false;
    }
}
