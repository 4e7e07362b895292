package io.meshid.common.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class InProcessSharedStoreTest extends SharedStoreContract {

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-11-22T10:00:00Z"));

    @Override
    SharedStore createStore() {
        return SharedStore.inProcess(clock, InProcessSharedStore.DEFAULT_MAX_ENTRIES);
    }

    @Override
    void advance(Duration amount) {
        clock.advance(amount);
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMinutes(1);
    }

    @Override
    String expectedKind() {
        return "in-process";
    }

    @Test
    void entry_expiresExactlyAtItsTtl() {
        store.put("a", "v", Duration.ofSeconds(30));

        clock.advance(Duration.ofSeconds(30).minusMillis(1));
        assertThat(store.get("a")).contains("v");

        clock.advance(Duration.ofMillis(1));
        assertThat(store.get("a")).isEmpty();
    }

    @Test
    void fullStore_refusesNewKeys_andEvictsNothing() {
        try (SharedStore small = SharedStore.inProcess(clock, 2)) {
            small.putIfAbsent("replay:1", "used", LONG);
            small.put("revoked:1", "yes", LONG);

            assertThatThrownBy(() -> small.putIfAbsent("replay:2", "used", LONG))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("store is full: 2 live entries");
            assertThatThrownBy(() -> small.put("revoked:2", "yes", LONG)).isInstanceOf(IllegalStateException.class);

            assertThat(small.get("replay:1")).contains("used");
            assertThat(small.get("revoked:1")).contains("yes");
            assertThat(small.contains("replay:2")).isFalse();
        }
    }

    @Test
    void fullStore_stillUpdatesKeysItHolds() {
        try (SharedStore small = SharedStore.inProcess(clock, 1)) {
            small.increment("rate:1", LONG);

            assertThat(small.increment("rate:1", LONG)).isEqualTo(2);
            small.put("rate:1", "7", LONG);
            assertThat(small.get("rate:1")).contains("7");
        }
    }

    @Test
    void fullStore_purgesExpiredEntries_toMakeRoom() {
        try (SharedStore small = SharedStore.inProcess(clock, 2)) {
            small.put("short", "v", Duration.ofSeconds(1));
            small.put("long", "v", LONG);
            assertThatThrownBy(() -> small.put("new", "v", LONG)).isInstanceOf(IllegalStateException.class);

            clock.advance(Duration.ofSeconds(1));

            assertThat(small.putIfAbsent("new", "v", LONG)).isTrue();
            assertThat(small.get("long")).contains("v");
            assertThatThrownBy(() -> small.put("another", "v", LONG)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void delete_makesRoomInAFullStore() {
        try (SharedStore small = SharedStore.inProcess(clock, 1)) {
            small.put("a", "v", LONG);
            small.delete("a");

            assertThat(small.putIfAbsent("b", "v", LONG)).isTrue();
        }
    }

    @Test
    void expiredEntry_readLazily_freesItsRoom() {
        try (SharedStore small = SharedStore.inProcess(clock, 1)) {
            small.put("a", "v", Duration.ofSeconds(1));
            clock.advance(Duration.ofSeconds(1));

            assertThat(small.get("a")).isEmpty();
            assertThat(small.putIfAbsent("b", "v", LONG)).isTrue();
        }
    }

    @Test
    void maxEntries_belowOne_isRejected() {
        assertThatThrownBy(() -> SharedStore.inProcess(clock, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxEntries: 0 (expected: at least 1)");
    }

    @Test
    void fullStore_stillCounts_inTheCountersOwnSpace() {
        try (SharedStore small = SharedStore.inProcess(clock, 2)) {
            small.put("revoked:1", "yes", LONG);
            small.putIfAbsent("replay:1", "used", LONG);

            assertThat(small.increment("rate:1", LONG)).isEqualTo(1);
            assertThat(small.increment("rate:2", LONG)).isEqualTo(1);
            assertThat(small.increment("rate:1", LONG)).isEqualTo(2);
            assertThat(small.get("revoked:1")).contains("yes");
        }
    }

    @Test
    void fullCounters_neverCrowdOutRevocations() {
        try (SharedStore small = SharedStore.inProcess(clock, 2)) {
            small.increment("rate:1", LONG);
            small.increment("rate:2", LONG);

            assertThatThrownBy(() -> small.increment("rate:3", LONG)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("2 live counters");
            small.put("revoked:1", "yes", LONG);
            assertThat(small.putIfAbsent("replay:1", "used", LONG)).isTrue();
            assertThat(small.get("revoked:1")).contains("yes");
        }
    }

    @Test
    void aCounterOverwrittenByAValue_movesToTheValuesSpace() {
        try (SharedStore small = SharedStore.inProcess(clock, 1)) {
            small.increment("k", LONG);
            small.put("k", "v", LONG);

            assertThat(small.increment("rate", LONG)).as("the counter's room was given back").isEqualTo(1);
            assertThatThrownBy(() -> small.put("other", "v", LONG)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("1 live entries");
        }
    }

    @Test
    void publish_withoutSubscribers_isANoOp() throws Exception {
        try (SharedStore small = SharedStore.inProcess(clock, 1)) {
            small.put("kept", "v", LONG);

            small.publish("nobody", "m");

            // Nothing stored, nothing taken from the bound, and nothing delivered later to a new subscriber.
            assertThat(small.get("kept")).contains("v");
            assertThat(small.contains("nobody")).isFalse();
            assertThatThrownBy(() -> small.put("another", "v", LONG)).isInstanceOf(IllegalStateException.class);
            java.util.concurrent.BlockingQueue<String> late = new java.util.concurrent.LinkedBlockingQueue<>();
            try (SharedStore.Subscription ignored = small.subscribe("nobody", late::add)) {
                small.publish("nobody", "after");
                assertThat(late.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("after");
                assertThat(late).isEmpty();
            }
        }
    }
}
