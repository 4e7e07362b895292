package io.meshid.common.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link SharedStore} does, run against each implementation. Subclasses say how time
 * passes: the in-process store moves its clock; Redis waits for a short real TTL to run out.
 */
abstract class SharedStoreContract {

    static final Duration LONG = Duration.ofMinutes(10);
    private static final int THREADS = 16;

    SharedStore store;

    /** A new, empty-looking store (keys from {@link #key} are free in it). */
    abstract SharedStore createStore();

    /** Lets {@code amount} of the store's time pass. */
    abstract void advance(Duration amount);

    /** A TTL short enough for {@link #advance} to outlast it quickly. */
    abstract Duration shortTtl();

    abstract String expectedKind();

    /** A key (or channel) unique to this run. */
    String key(String name) {
        return name;
    }

    @BeforeEach
    void openStore() {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void put_thenGet_returnsValue() {
        store.put(key("a"), "value-a", LONG);

        assertThat(store.get(key("a"))).contains("value-a");
        assertThat(store.contains(key("a"))).isTrue();
    }

    @Test
    void get_ofMissingKey_isEmpty() {
        assertThat(store.get(key("missing"))).isEmpty();
        assertThat(store.contains(key("missing"))).isFalse();
    }

    @Test
    void put_overExistingKey_replacesValueAndTtl() {
        store.put(key("a"), "first", shortTtl());
        store.put(key("a"), "second", LONG);

        advance(shortTtl());

        assertThat(store.get(key("a"))).contains("second");
    }

    @Test
    void put_ofEmptyValue_isStored() {
        store.put(key("a"), "", LONG);

        assertThat(store.get(key("a"))).contains("");
    }

    @Test
    void delete_ofPresentKey_returnsTrueAndRemovesIt() {
        store.put(key("a"), "v", LONG);

        assertThat(store.delete(key("a"))).isTrue();
        assertThat(store.get(key("a"))).isEmpty();
        assertThat(store.delete(key("a"))).isFalse();
    }

    @Test
    void delete_ofMissingKey_returnsFalse() {
        assertThat(store.delete(key("missing"))).isFalse();
    }

    @Test
    void putIfAbsent_onFreeKey_storesAndReturnsTrue() {
        assertThat(store.putIfAbsent(key("guard"), "first", LONG)).isTrue();

        assertThat(store.get(key("guard"))).contains("first");
    }

    @Test
    void putIfAbsent_onTakenKey_returnsFalseAndKeepsFirstValue() {
        store.putIfAbsent(key("guard"), "first", LONG);

        assertThat(store.putIfAbsent(key("guard"), "second", LONG)).isFalse();
        assertThat(store.get(key("guard"))).contains("first");
    }

    @Test
    void putIfAbsent_afterExpiry_succeedsAgain() {
        store.putIfAbsent(key("guard"), "first", shortTtl());

        advance(shortTtl());

        assertThat(store.putIfAbsent(key("guard"), "second", LONG)).isTrue();
        assertThat(store.get(key("guard"))).contains("second");
    }

    @Test
    void put_afterTtl_isGone() {
        store.put(key("a"), "v", shortTtl());

        advance(shortTtl());

        assertThat(store.get(key("a"))).isEmpty();
        assertThat(store.contains(key("a"))).isFalse();
        assertThat(store.delete(key("a"))).isFalse();
    }

    @Test
    void increment_countsFromOne() {
        assertThat(store.increment(key("count"), LONG)).isEqualTo(1);
        assertThat(store.increment(key("count"), LONG)).isEqualTo(2);
        assertThat(store.increment(key("count"), LONG)).isEqualTo(3);
        assertThat(store.get(key("count"))).contains("3");
    }

    @Test
    void increment_window_isNotExtendedByLaterIncrements() {
        Duration window = shortTtl();
        Duration half = window.dividedBy(2);

        assertThat(store.increment(key("rate"), window)).isEqualTo(1);
        advance(half);
        assertThat(store.increment(key("rate"), window)).isEqualTo(2);
        advance(window.minus(half));

        assertThat(store.increment(key("rate"), window))
                .as("a new window starts when the first one ends, however recent the last increment")
                .isEqualTo(1);
    }

    @Test
    void increment_onNonCounterValue_isRejectedAndChangesNothing() {
        store.put(key("a"), "not a number", LONG);

        assertThatThrownBy(() -> store.increment(key("a"), LONG))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a counter");
        assertThat(store.get(key("a"))).contains("not a number");
    }

    @Test
    void putIfAbsent_underConcurrency_exactlyOneWins() throws Exception {
        List<Boolean> results = concurrently(THREADS, i -> store.putIfAbsent(key("once"), "thread-" + i, LONG));

        assertThat(results).filteredOn(Boolean::booleanValue).hasSize(1);
        int winner = results.indexOf(true);
        assertThat(store.get(key("once"))).contains("thread-" + winner);
    }

    @Test
    void increment_underConcurrency_countsEveryCall() throws Exception {
        concurrently(THREADS, i -> {
            for (int n = 0; n < 1000; n++) {
                store.increment(key("hits"), LONG);
            }
            return null;
        });

        assertThat(store.get(key("hits"))).contains("16000");
    }

    @Test
    void publish_reachesSubscriber() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (SharedStore.Subscription ignored = store.subscribe(key("policy"), received::add)) {
            store.publish(key("policy"), "version-7");

            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("version-7");
        }
    }

    @Test
    void publish_reachesEverySubscriberOfItsChannelOnly_inOrder() throws Exception {
        BlockingQueue<String> first = new LinkedBlockingQueue<>();
        BlockingQueue<String> second = new LinkedBlockingQueue<>();
        BlockingQueue<String> other = new LinkedBlockingQueue<>();
        try (SharedStore.Subscription a = store.subscribe(key("policy"), first::add);
                SharedStore.Subscription b = store.subscribe(key("policy"), second::add);
                SharedStore.Subscription c = store.subscribe(key("other"), other::add)) {
            store.publish(key("policy"), "v1");
            store.publish(key("policy"), "v2");
            store.publish(key("other"), "marker");

            assertThat(List.of(take(first), take(first))).containsExactly("v1", "v2");
            assertThat(List.of(take(second), take(second))).containsExactly("v1", "v2");
            assertThat(take(other)).isEqualTo("marker");
            assertThat(other).isEmpty();
        }
    }

    @Test
    void subscription_withResync_isResyncedOnce_beforeItsFirstMessage() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (SharedStore.Subscription first = store.subscribe(key("view"), m -> events.add("message " + m), () -> events.add("resync"));
                SharedStore.Subscription second = store.subscribe(key("view"), m -> events.add("second " + m),
                        () -> events.add("second resync"))) {
            store.publish(key("view"), "v1");

            List<String> seen = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                seen.add(take(events));
            }
            assertThat(seen).containsExactlyInAnyOrder("resync", "message v1", "second resync", "second v1");
            assertThat(seen.indexOf("resync")).isLessThan(seen.indexOf("message v1"));
            assertThat(seen.indexOf("second resync")).isLessThan(seen.indexOf("second v1"));
            assertThat(events.poll(100, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void subscription_afterClose_receivesNothing() throws Exception {
        BlockingQueue<String> closed = new LinkedBlockingQueue<>();
        BlockingQueue<String> open = new LinkedBlockingQueue<>();
        SharedStore.Subscription toClose = store.subscribe(key("policy"), closed::add);
        try (SharedStore.Subscription ignored = store.subscribe(key("policy"), open::add)) {
            toClose.close();
            toClose.close();

            store.publish(key("policy"), "after-close");

            // The open listener was registered second, so when it has the message the closed one had its turn.
            assertThat(take(open)).isEqualTo("after-close");
            assertThat(closed).isEmpty();
        }
    }

    @Test
    void subscription_afterLastClose_canSubscribeAgain() throws Exception {
        store.subscribe(key("policy"), message -> { }).close();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (SharedStore.Subscription ignored = store.subscribe(key("policy"), received::add)) {
            store.publish(key("policy"), "again");

            assertThat(take(received)).isEqualTo("again");
        }
    }

    @Test
    void listener_thatThrows_keepsItsSubscription() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        BlockingQueue<String> witness = new LinkedBlockingQueue<>();
        Consumer<String> failing = message -> {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        };
        try (SharedStore.Subscription a = store.subscribe(key("policy"), failing);
                SharedStore.Subscription b = store.subscribe(key("policy"), witness::add)) {
            store.publish(key("policy"), "m1");
            store.publish(key("policy"), "m2");

            assertThat(List.of(take(witness), take(witness))).containsExactly("m1", "m2");
            assertThat(calls).hasValue(2);
        }
    }

    static Stream<Arguments> badKeys() {
        return Stream.of(
                Arguments.of(null, "key: null (expected: 1 to 512 characters)"),
                Arguments.of("", "key: \"\" (expected: 1 to 512 characters)"),
                Arguments.of("k".repeat(513), "(513 characters) (expected: 1 to 512 characters)"));
    }

    @ParameterizedTest
    @MethodSource("badKeys")
    void badKey_isRejectedByEveryOperation(String badKey, String message) {
        List<Runnable> operations = List.of(
                () -> store.put(badKey, "v", LONG),
                () -> store.putIfAbsent(badKey, "v", LONG),
                () -> store.get(badKey),
                () -> store.contains(badKey),
                () -> store.delete(badKey),
                () -> store.increment(badKey, LONG));
        for (Runnable operation : operations) {
            assertThatThrownBy(operation::run)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("key: ")
                    .hasMessageEndingWith(message);
        }
    }

    @Test
    void keyAndValue_atTheirLimits_areAccepted() {
        String longKey = key("k").concat("k".repeat(512 - key("k").length()));
        String largeValue = "v".repeat(64 * 1024);

        store.put(longKey, largeValue, LONG);

        assertThat(store.get(longKey)).contains(largeValue);
    }

    static Stream<Arguments> oversizedValues() {
        return Stream.of(
                Arguments.of("v".repeat(64 * 1024 + 1), "value: 65537 bytes (expected: at most 65536 bytes in UTF-8)"),
                Arguments.of("\u20ac".repeat(21_846), "value: 65538 bytes (expected: at most 65536 bytes in UTF-8)"),
                Arguments.of(null, "value: null (expected: a string of at most 65536 bytes in UTF-8)"));
    }

    @ParameterizedTest
    @MethodSource("oversizedValues")
    void badValue_isRejectedAndChangesNothing(String value, String message) {
        store.put(key("a"), "before", LONG);

        assertThatThrownBy(() -> store.put(key("a"), value, LONG))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
        assertThatThrownBy(() -> store.putIfAbsent(key("b"), value, LONG))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
        assertThat(store.get(key("a"))).contains("before");
        assertThat(store.contains(key("b"))).isFalse();
    }

    static Stream<Arguments> badTtls() {
        return Stream.of(
                Arguments.of(Duration.ZERO, "PT0S"),
                Arguments.of(Duration.ofSeconds(-1), "PT-1S"),
                Arguments.of(Duration.ofNanos(999_999), "PT0.000999999S"),
                Arguments.of(Duration.ofDays(30).plusMillis(1), "PT720H0.001S"),
                Arguments.of(null, "null"));
    }

    @ParameterizedTest
    @MethodSource("badTtls")
    void badTtl_isRejectedAndChangesNothing(Duration ttl, String shown) {
        store.put(key("a"), "before", LONG);
        String expected = " (expected: between PT0.001S and P30D)";

        assertThatThrownBy(() -> store.put(key("a"), "after", ttl))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl: " + shown + expected);
        assertThatThrownBy(() -> store.putIfAbsent(key("b"), "v", ttl))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl: " + shown + expected);
        assertThatThrownBy(() -> store.increment(key("c"), ttl))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("window: " + shown + expected);
        assertThat(store.get(key("a"))).contains("before");
        assertThat(store.contains(key("b"))).isFalse();
        assertThat(store.contains(key("c"))).isFalse();
    }

    @Test
    void badChannelOrMessage_isRejected() {
        assertThatThrownBy(() -> store.publish("", "m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel: \"\" (expected: 1 to 512 characters)");
        assertThatThrownBy(() -> store.subscribe(null, message -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel: null (expected: 1 to 512 characters)");
        assertThatThrownBy(() -> store.publish(key("policy"), "m".repeat(64 * 1024 + 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("message: 65537 bytes (expected: at most 65536 bytes in UTF-8)");
    }

    @Test
    void kind_namesTheBackingStore() {
        assertThat(store.kind()).isEqualTo(expectedKind());
    }

    @Test
    void close_isIdempotent_andLaterCallsFail() {
        store.close();
        store.close();

        assertThatThrownBy(() -> store.put(key("a"), "v", LONG)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.get(key("a"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.publish(key("policy"), "m")).isInstanceOf(IllegalStateException.class);
    }

    static String take(BlockingQueue<String> queue) throws InterruptedException {
        String message = queue.poll(5, TimeUnit.SECONDS);
        assertThat(message).as("a message within 5 s").isNotNull();
        return message;
    }

    /** Runs {@code task} on {@code threads} threads released at once; returns the results by thread index. */
    static <T> List<T> concurrently(int threads, IndexedTask<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                Callable<T> callable = () -> {
                    ready.countDown();
                    go.await();
                    return task.run(index);
                };
                futures.add(pool.submit(callable));
            }
            ready.await();
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    interface IndexedTask<T> {
        T run(int index) throws Exception;
    }
}
