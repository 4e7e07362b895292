package io.meshid.common.store;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The embedded {@link SharedStore}: a concurrent map whose entries expire by an injected clock.
 * It holds at most {@code maxEntries} entries written by {@code put}/{@code putIfAbsent}, and, in
 * a space of its own, at most {@code maxEntries} counters created by {@code increment} (rate
 * limits): a flood of new counters (one per source address) can never crowd out a revocation or a
 * replay guard, nor can a full store of those stop counting. When a space is full, it first drops
 * the expired entries; if none has expired, a write of a new key in that space fails with
 * {@link IllegalStateException}: a replay guard or a revocation is never evicted to make room.
 * Expired entries go lazily, when read or when room is needed. Rate limits count in
 * {@link #windowCounters()} ({@link WindowCounters}, one atomic add per call), whose slots take
 * room in the counters' space too. Thread-safe.
 */
final class InProcessSharedStore implements SharedStore {

    static final int DEFAULT_MAX_ENTRIES = 1_000_000;

    private record Entry(String value, long expiresAtMillis, boolean counter) {
        boolean expiredAt(long nowMillis) {
            return nowMillis >= expiresAtMillis;
        }
    }

    @FunctionalInterface
    private interface Change {
        /** The entry to store, given the live entry (null when absent or expired); throws to change nothing. */
        Entry apply(Entry live, long nowMillis);
    }

    private final Clock clock;
    private final int maxEntries;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    /** Counts every value entry in the map, expired or not; reserved before a new key goes in. */
    private final AtomicInteger size = new AtomicInteger();
    /** Counts every counter in the map, expired or not: the counters' own space. */
    private final AtomicInteger counters = new AtomicInteger();
    /** No entry expires before this instant: a purge before it cannot free anything. */
    private final LongAccumulator earliestExpiry = new LongAccumulator(Math::min, Long.MAX_VALUE);
    private final ReentrantLock purgeLock = new ReentrantLock();
    /** Rate-limit counters: their slots take room in {@link #counters}, the counters' space. */
    private final WindowCounters windows;
    private final LocalSubscribers subscribers = new LocalSubscribers("meshid-store-in-process-delivery");
    private volatile boolean closed;

    InProcessSharedStore(Clock clock, int maxEntries) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries: " + maxEntries + " (expected: at least 1)");
        }
        this.maxEntries = maxEntries;
        this.windows = new WindowCounters(maxEntries, counters);
    }

    @Override
    public Optional<WindowCounters> windowCounters() {
        return Optional.of(windows);
    }

    @Override
    public boolean putIfAbsent(String key, String value, Duration ttl) {
        check(key, value, ttl);
        long ttlMillis = ttl.toMillis();
        Entry[] created = new Entry[1];
        Entry stored = write(key, (live, now) -> {
            if (live != null) {
                return live;
            }
            created[0] = new Entry(value, now + ttlMillis, false);
            return created[0];
        });
        return stored == created[0];
    }

    @Override
    public void put(String key, String value, Duration ttl) {
        check(key, value, ttl);
        long ttlMillis = ttl.toMillis();
        write(key, (live, now) -> new Entry(value, now + ttlMillis, false));
    }

    @Override
    public Optional<String> get(String key) {
        StoreArguments.name("key", key);
        ensureOpen();
        Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.expiredAt(clock.millis())) {
            if (entries.remove(key, entry)) {
                space(entry.counter()).decrementAndGet();
            }
            return Optional.empty();
        }
        return Optional.of(entry.value());
    }

    @Override
    public boolean contains(String key) {
        return get(key).isPresent();
    }

    @Override
    public boolean delete(String key) {
        StoreArguments.name("key", key);
        ensureOpen();
        long now = clock.millis();
        boolean[] removedLive = {false};
        entries.computeIfPresent(key, (k, old) -> {
            removedLive[0] = !old.expiredAt(now);
            space(old.counter()).decrementAndGet();
            return null;
        });
        return removedLive[0];
    }

    @Override
    public long increment(String key, Duration window) {
        StoreArguments.name("key", key);
        StoreArguments.ttl("window", window);
        ensureOpen();
        long windowMillis = window.toMillis();
        Entry stored = write(key, (live, now) -> live == null
                ? new Entry("1", now + windowMillis, true)
                : new Entry(Long.toString(Counters.next(key, live.value())), live.expiresAtMillis(), live.counter()));
        return Long.parseLong(stored.value());
    }

    @Override
    public void publish(String channel, String message) {
        StoreArguments.name("channel", channel);
        StoreArguments.value("message", message);
        ensureOpen();
        subscribers.dispatch(channel, message);
    }

    @Override
    public Subscription subscribe(String channel, Consumer<String> listener) {
        return subscribe(channel, listener, () -> { });
    }

    @Override
    public Subscription subscribe(String channel, Consumer<String> listener, Runnable onResync) {
        StoreArguments.name("channel", channel);
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(onResync, "onResync");
        ensureOpen();
        LocalSubscribers.Handle handle = new LocalSubscribers.Handle(channel, listener, onResync);
        subscribers.add(handle);
        subscribers.start(handle);
        return () -> subscribers.remove(handle);
    }

    @Override
    public String kind() {
        return "in-process";
    }

    @Override
    public void close() {
        closed = true;
        subscribers.close();
        entries.clear();
        windows.clear();
        size.set(0);
        counters.set(0);
    }

    @Override
    public String toString() {
        return "InProcessSharedStore[maxEntries=" + maxEntries + "]";
    }

    private void check(String key, String value, Duration ttl) {
        StoreArguments.name("key", key);
        StoreArguments.value("value", value);
        StoreArguments.ttl("ttl", ttl);
        ensureOpen();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the in-process shared store is closed");
        }
    }

    /** Applies {@code change} to {@code key} atomically and returns the entry the key then holds. */
    private Entry write(String key, Change change) {
        boolean purged = false;
        while (true) {
            long now = clock.millis();
            Boolean[] fullSpace = {null};
            Entry stored = entries.compute(key, (k, old) -> {
                Entry live = old == null || old.expiredAt(now) ? null : old;
                Entry next = change.apply(live, now);
                if (next == old) {
                    return old;
                }
                if (old == null || old.counter() != next.counter()) {
                    if (!reserveSlot(next.counter())) {
                        fullSpace[0] = next.counter();
                        return old;
                    }
                    if (old != null) {
                        space(old.counter()).decrementAndGet();
                    }
                }
                return next;
            });
            if (fullSpace[0] == null) {
                earliestExpiry.accumulate(stored.expiresAtMillis());
                return stored;
            }
            boolean counter = fullSpace[0];
            if (purged || !purgeExpired(counter)) {
                throw new IllegalStateException("the in-process shared store is full: " + maxEntries + " live "
                        + (counter ? "counters" : "entries")
                        + " (expected: fewer; raise meshid.store.max-entries or set meshid.redis.uri)");
            }
            purged = true;
        }
    }

    private AtomicInteger space(boolean counter) {
        return counter ? counters : size;
    }

    private boolean reserveSlot(boolean counter) {
        return space(counter).getAndUpdate(n -> n < maxEntries ? n + 1 : n) < maxEntries;
    }

    /** Removes expired entries; returns whether there is room for a new key of the given space afterwards. */
    private boolean purgeExpired(boolean counter) {
        purgeLock.lock();
        try {
            long now = clock.millis();
            if (space(counter).get() < maxEntries) {
                return true;
            }
            if (now < earliestExpiry.get()) {
                return false;
            }
            if (counter) {
                windows.purgeEnded(now);
            }
            // Writes that land during the scan accumulate into the fresh minimum themselves.
            earliestExpiry.reset();
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                Entry entry = e.getValue();
                if (!entry.expiredAt(now)) {
                    earliestExpiry.accumulate(entry.expiresAtMillis());
                } else if (entries.remove(e.getKey(), entry)) {
                    space(entry.counter()).decrementAndGet();
                }
            }
            return space(counter).get() < maxEntries;
        } finally {
            purgeLock.unlock();
        }
    }
}
