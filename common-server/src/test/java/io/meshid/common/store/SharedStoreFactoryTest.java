package io.meshid.common.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.exceptions.ConfigurationException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SharedStoreFactoryTest {

    private static final Duration TWO_SECONDS = Duration.ofSeconds(2);

    private final SharedStoreFactory factory = new SharedStoreFactory();

    @Test
    void blankRedisUri_givesTheInProcessStore_onTheInjectedClock() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-11-22T10:00:00Z"));
        try (SharedStore store = factory.sharedStore("  ", TWO_SECONDS, 10, Optional.of(clock))) {
            store.put("a", "v", Duration.ofSeconds(5));
            clock.advance(Duration.ofSeconds(5));

            assertThat(store.kind()).isEqualTo("in-process");
            assertThat(store.get("a")).isEmpty();
        }
    }

    @Test
    void maxEntriesBelowOne_failsNamingTheKey() {
        assertThatThrownBy(() -> factory.sharedStore("", TWO_SECONDS, 0, Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("meshid.store.max-entries: 0 (expected: at least 1)");
    }

    @Test
    void commandTimeoutOutOfRange_failsNamingTheKey() {
        assertThatThrownBy(() -> factory.sharedStore("redis://127.0.0.1:6379", Duration.ZERO, 10, Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("meshid.redis.command-timeout: PT0S (expected: between PT0.001S and PT1M)");
    }

    @Test
    void malformedRedisUri_failsNamingTheKey_withoutThePassword() {
        assertThatThrownBy(() -> factory.sharedStore("nope://u:s3cret@h", TWO_SECONDS, 10, Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("meshid.redis.uri (env MESHID_REDIS_URI): uri: nope://u:****@h")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void context_withoutRedisUri_wiresTheInProcessStore_andClosesItOnShutdown() {
        SharedStore store;
        try (ApplicationContext context = ApplicationContext.run(withDatabase(Map.of(SharedStoreFactory.MAX_ENTRIES, 5)))) {
            store = context.getBean(SharedStore.class);

            assertThat(store.kind()).isEqualTo("in-process");
            assertThat(store).hasToString("InProcessSharedStore[maxEntries=5]");
            assertThat(context.getBean(SharedStore.class)).isSameAs(store);
        }
        assertThatThrownBy(() -> store.get("a")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void context_withAClockBean_usesIt() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-11-22T10:00:00Z"));
        try (ApplicationContext context = ApplicationContext.builder()
                .properties(withDatabase(Map.of())).singletons(clock).start()) {
            SharedStore store = context.getBean(SharedStore.class);
            store.put("a", "v", Duration.ofSeconds(5));
            assertThat(context.getBean(Clock.class)).isSameAs(clock);
            clock.advance(Duration.ofSeconds(5));

            assertThat(store.get("a")).isEmpty();
        }
    }

    /** {@code properties} plus an in-memory database: every meshid context starts a datasource. */
    static Map<String, Object> withDatabase(Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>(TestDatabase.h2().properties("common"));
        all.putAll(properties);
        return all;
    }
}
