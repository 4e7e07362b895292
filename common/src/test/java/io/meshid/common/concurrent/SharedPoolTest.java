package io.meshid.common.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SharedPoolTest {

    @Test
    void sequentialCallsOnNewVirtualThreads_shareOneObject() throws InterruptedException {
        SharedPool<Object> pool = new SharedPool<>(8, Object::new);
        for (int i = 0; i < 1000; i++) {
            Thread.ofVirtual().start(() -> pool.release(pool.borrow())).join();
        }
        assertThat(pool.made()).isEqualTo(1);
    }

    @Test
    void concurrentCalls_neverShareAnObject_andMakeAtMostOnePerCallInFlight() throws Exception {
        SharedPool<AtomicInteger> pool = new SharedPool<>(64, AtomicInteger::new);
        Set<String> overlaps = ConcurrentHashMap.newKeySet();
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                executor.execute(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < 10_000; i++) {
                        AtomicInteger held = pool.borrow();
                        if (held.incrementAndGet() != 1) {
                            overlaps.add("an object held by two callers at once");
                        }
                        held.decrementAndGet();
                        pool.release(held);
                    }
                });
            }
            go.countDown();
            executor.shutdown();
            assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(overlaps).isEmpty();
        assertThat(pool.made()).isLessThanOrEqualTo(threads);
    }

    @Test
    void aFullPool_dropsWhatIsReleased() {
        SharedPool<Object> pool = new SharedPool<>(1, Object::new);
        Object a = pool.borrow();
        Object b = pool.borrow();
        pool.release(a);
        pool.release(b);
        assertThat(pool.borrow()).isSameAs(a);
        assertThat(pool.made()).isEqualTo(2);
    }

    @Test
    void drain_takesTheIdleObjects_notTheBorrowedOnes() {
        SharedPool<Object> pool = new SharedPool<>(4, Object::new);
        Object a = pool.borrow();
        Object b = pool.borrow();
        Object held = pool.borrow();
        pool.release(a);
        pool.release(b);

        assertThat(pool.drain()).containsExactlyInAnyOrder(a, b);
        assertThat(pool.drain()).isEmpty();
        pool.release(held);
        assertThat(pool.borrow()).as("what is released after a drain is pooled again").isSameAs(held);
    }

    @Test
    void badCapacity_isRejected() {
        assertThatThrownBy(() -> new SharedPool<>(0, Object::new)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capacity: 0 (expected: between 1 and 4096)");
    }
}
