package io.meshid.common.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresRedis;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The contract against the machine's Redis, plus what only a shared Redis shows: two replicas. */
@RequiresRedis
class RedisSharedStoreTest extends SharedStoreContract {

    private static final String RUN_PREFIX = "meshid-test:" + UUID.randomUUID() + ":";
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** Numbers the tests that ran; none did when Redis was absent, and then there is nothing to clean up. */
    private static final AtomicInteger TESTS = new AtomicInteger();

    private String testPrefix;

    @Override
    SharedStore createStore() {
        testPrefix = RUN_PREFIX + TESTS.incrementAndGet() + ":";
        return replica();
    }

    private static SharedStore replica() {
        return SharedStore.redis(ExternalServices.redisUri(), TIMEOUT);
    }

    @Override
    String key(String name) {
        return testPrefix + name;
    }

    @Override
    void advance(Duration amount) {
        // Real time has to pass for Redis; the margin covers clock granularity, not correctness.
        try {
            Thread.sleep(amount.plusMillis(25));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMillis(400);
    }

    @Override
    String expectedKind() {
        return "redis";
    }

    @AfterAll
    static void deleteTestKeys() {
        if (TESTS.get() == 0) {
            return;
        }
        RedisClient client = RedisClient.create(ExternalServices.redisUri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            ScanArgs match = ScanArgs.Builder.matches(RUN_PREFIX + "*").limit(500);
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = redis.scan(cursor, match);
                if (!page.getKeys().isEmpty()) {
                    redis.unlink(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            client.shutdown(Duration.ZERO, TIMEOUT);
        }
    }

    @Test
    void twoReplicas_putIfAbsent_exactlyOneWinsAcrossBoth() throws Exception {
        try (SharedStore other = replica()) {
            List<SharedStore> replicas = List.of(store, other);

            List<Boolean> results = concurrently(16,
                    i -> replicas.get(i % 2).putIfAbsent(key("join-token"), "replica-" + (i % 2), LONG));

            assertThat(results).filteredOn(Boolean::booleanValue).hasSize(1);
            assertThat(other.get(key("join-token"))).isEqualTo(store.get(key("join-token")));
        }
    }

    @Test
    void twoReplicas_incrementOneCounter() throws Exception {
        try (SharedStore other = replica()) {
            List<SharedStore> replicas = List.of(store, other);

            concurrently(16, i -> {
                for (int n = 0; n < 250; n++) {
                    replicas.get(i % 2).increment(key("rate"), LONG);
                }
                return null;
            });

            assertThat(other.get(key("rate"))).contains("4000");
        }
    }

    @Test
    void twoReplicas_publishOnOne_reachesSubscriberOnTheOther() throws Exception {
        try (SharedStore other = replica()) {
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            try (SharedStore.Subscription ignored = other.subscribe(key("policy-version"), received::add)) {
                store.publish(key("policy-version"), "td=a.example;v=42");

                assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("td=a.example;v=42");
            }
        }
    }

    @Test
    void twoReplicas_revocationOnOne_isSeenByTheOther() {
        try (SharedStore other = replica()) {
            store.put(key("revoked:jti:abc"), "1", LONG);

            assertThat(other.contains(key("revoked:jti:abc"))).isTrue();
        }
    }

    @Test
    void command_pastItsTimeout_failsAsUnavailable_andTheStoreRecovers() {
        RedisClient admin = RedisClient.create(ExternalServices.redisUri());
        try (StatefulRedisConnection<String, String> connection = admin.connect();
                SharedStore fast = SharedStore.redis(ExternalServices.redisUri(), Duration.ofMillis(200))) {
            client(connection.sync(), "PAUSE", "10000", "WRITE");
            try {
                assertThatThrownBy(() -> fast.put(key("a"), "v", LONG))
                        .isInstanceOf(SharedStoreUnavailableException.class)
                        .hasMessageStartingWith("Redis at " + ExternalServices.redisUri() + " failed on SET: ")
                        .hasMessageContaining("timed out");
            } finally {
                client(connection.sync(), "UNPAUSE");
            }

            fast.put(key("b"), "v", LONG);
            assertThat(fast.get(key("b"))).contains("v");
        } finally {
            admin.shutdown(Duration.ZERO, TIMEOUT);
        }
    }

    @Test
    void factory_withRedisUri_createsTheRedisStore() {
        try (ApplicationContext context = ApplicationContext.run(
                SharedStoreFactoryTest.withDatabase(Map.of(SharedStoreFactory.REDIS_URI, ExternalServices.redisUri())))) {
            SharedStore bean = context.getBean(SharedStore.class);

            assertThat(bean.kind()).isEqualTo("redis");
            bean.put(key("wired"), "yes", LONG);
            assertThat(store.get(key("wired"))).contains("yes");
        }
    }

    private static void client(RedisCommands<String, String> redis, String... args) {
        CommandArgs<String, String> commandArgs = new CommandArgs<>(StringCodec.UTF8);
        for (String arg : args) {
            commandArgs.add(arg);
        }
        redis.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), commandArgs);
    }
}
