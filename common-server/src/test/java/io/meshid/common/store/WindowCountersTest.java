package io.meshid.common.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The in-memory fixed-window counters behind local and in-process rate limits. */
class WindowCountersTest {

    private static final long SECOND = 1000;
    private static final long T0 = 1_764_583_200_000L;

    @Test
    void countsPerScopeAndSubject_andStartsAgainInTheNextWindow() {
        WindowCounters counters = new WindowCounters(10);
        assertThat(counters.increment("caller", "a", SECOND, T0)).isEqualTo(1);
        assertThat(counters.increment("caller", "a", SECOND, T0 + 999)).isEqualTo(2);
        assertThat(counters.increment("caller", "b", SECOND, T0)).isEqualTo(1);
        assertThat(counters.increment("source", "a", SECOND, T0)).isEqualTo(1);
        assertThat(counters.increment("caller", "a", SECOND, T0 + 1000)).as("the next window").isEqualTo(1);
        assertThat(counters.size()).isEqualTo(3);
    }

    @Test
    void aFullSpace_dropsEndedWindows_andOtherwiseSaysFull() {
        AtomicInteger space = new AtomicInteger();
        WindowCounters counters = new WindowCounters(2, space);
        counters.increment("caller", "a", SECOND, T0);
        counters.increment("caller", "b", SECOND, T0);
        assertThat(counters.increment("caller", "c", SECOND, T0)).isEqualTo(WindowCounters.FULL);
        assertThat(counters.increment("caller", "a", SECOND, T0)).as("a live slot still counts").isEqualTo(2);
        assertThat(counters.increment("caller", "c", SECOND, T0 + SECOND)).as("a and b ended").isEqualTo(1);
        assertThat(space).hasValue(1);
        counters.clear();
        assertThat(space).hasValue(0);
    }

    @Test
    void concurrentCalls_areAllCounted() throws Exception {
        WindowCounters counters = new WindowCounters(100);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 10_000; i++) {
                    counters.increment("caller", "a", SECOND, T0 + 5);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(counters.increment("caller", "a", SECOND, T0 + 5)).isEqualTo(80_001);
    }

    @Test
    void theInProcessStore_sharesItsCountersSpaceWithThem() {
        try (SharedStore store = SharedStore.inProcess(java.time.Clock.systemUTC(), 2)) {
            WindowCounters counters = store.windowCounters().orElseThrow();
            store.increment("rate:1", java.time.Duration.ofHours(1));
            counters.increment("caller", "a", SECOND, T0);
            assertThat(counters.increment("caller", "b", SECOND, T0)).isEqualTo(WindowCounters.FULL);
        }
    }
}
