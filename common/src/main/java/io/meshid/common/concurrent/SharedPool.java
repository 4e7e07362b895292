package io.meshid.common.concurrent;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * A small lock-free pool of costly, non-thread-safe objects (an initialised JCA {@code Signature},
 * a {@code MessageDigest}, a DRBG) for code that runs on any kind of thread. A {@link ThreadLocal}
 * caches per thread, which is right for a fixed pool of platform threads and wrong for virtual
 * threads: each call on a new virtual thread would build its own object and throw it away. This
 * pool keeps at most {@code capacity} idle objects in slots that any thread may take: a call
 * {@link #borrow()}s one (or makes a new one when every slot is empty), uses it alone, and
 * {@link #release}s it (dropped when every slot is full). So the number of objects made follows
 * the calls in flight at once, not the number of threads that ever ran one.
 *
 * <p>Thread-safe. An object is held by one caller at a time; a caller that saw it fail does not
 * release it.
 */
public final class SharedPool<T> {

    private final AtomicReferenceArray<T> slots;
    private final Supplier<T> factory;
    private final AtomicLong made = new AtomicLong();

    /** A pool of at most {@code capacity} idle objects made by {@code factory}. */
    public SharedPool(int capacity, Supplier<T> factory) {
        if (capacity < 1 || capacity > 4096) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: between 1 and 4096)");
        }
        this.slots = new AtomicReferenceArray<>(capacity);
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /** A pool sized for this machine: four idle objects per processor, at least 16. */
    public static <T> SharedPool<T> perProcessor(Supplier<T> factory) {
        return new SharedPool<>(Math.max(16, 4 * Runtime.getRuntime().availableProcessors()), factory);
    }

    /** An idle object, or a new one when there is none; the caller holds it alone until {@link #release}. */
    public T borrow() {
        int n = slots.length();
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            int slot = (start + i) % n;
            T t = slots.get(slot);
            if (t != null && slots.compareAndSet(slot, t, null)) {
                return t;
            }
        }
        made.incrementAndGet();
        return factory.get();
    }

    /** Gives {@code t} back for the next caller; dropped when the pool is full. */
    public void release(T t) {
        Objects.requireNonNull(t, "t");
        int n = slots.length();
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            int slot = (start + i) % n;
            if (slots.get(slot) == null && slots.compareAndSet(slot, null, t)) {
                return;
            }
        }
    }

    /**
     * Takes every idle object out of the pool and returns them, for a caller that retires what
     * they hold; objects borrowed at the time stay with their callers (and come back on release).
     */
    public List<T> drain() {
        List<T> out = new ArrayList<>();
        for (int slot = 0; slot < slots.length(); slot++) {
            T t = slots.getAndSet(slot, null);
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    /** How many objects this pool has made so far (for tests and metrics). */
    public long made() {
        return made.get();
    }
}
