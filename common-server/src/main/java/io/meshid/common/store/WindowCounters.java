package io.meshid.common.store;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fixed-window call counters in memory, for rate limits counted in one process: one slot per
 * {@code (scope, subject)}, holding the current window and its count. A call in a live window
 * reads two map entries and adds one to an {@link AtomicLong}; it allocates nothing and keeps no
 * expiry bookkeeping. A window is replaced (one small object) by the first call after it ends.
 *
 * <p>At most {@code maxKeys} slots live at once, counted in {@code space} (which a caller may
 * share with other counters). When the space is full, the slots whose window has ended are
 * dropped; if none has, {@link #increment} returns {@link #FULL} and counts nothing, and the
 * caller counts elsewhere (the rate limiter's own bounded counters). Thread-safe.
 */
public final class WindowCounters {

    /** What {@link #increment} returns when no new slot fits. */
    public static final long FULL = -1;

    /** One window of one slot; its count only grows. */
    private static final class Window {
        final long index;
        final long windowMillis;
        final AtomicLong count = new AtomicLong();

        Window(long index, long windowMillis) {
            this.index = index;
            this.windowMillis = windowMillis;
        }

        long endMillis() {
            return (index + 1) * windowMillis;
        }
    }

    private static final class Slot {
        volatile Window window;

        Slot(Window window) {
            this.window = window;
        }
    }

    private final int maxKeys;
    private final AtomicInteger space;
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Slot>> scopes = new ConcurrentHashMap<>();
    private final Object purgeLock = new Object();

    /** Counters with a space of their own of {@code maxKeys} slots. */
    public WindowCounters(int maxKeys) {
        this(maxKeys, new AtomicInteger());
    }

    /** Counters whose slots count in {@code space}, shared with other counters, up to {@code maxKeys}. */
    public WindowCounters(int maxKeys, AtomicInteger space) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys: " + maxKeys + " (expected: at least 1)");
        }
        this.maxKeys = maxKeys;
        this.space = space;
    }

    /**
     * Adds one to the count of {@code subject} under {@code scope} in the window
     * {@code nowMillis / windowMillis} and returns the new count (1 for the window's first call),
     * or {@link #FULL} when the subject has no slot and none fits.
     */
    public long increment(String scope, String subject, long windowMillis, long nowMillis) {
        long index = nowMillis / windowMillis;
        ConcurrentHashMap<String, Slot> subjects = scopes.get(scope);
        if (subjects == null) {
            subjects = scopes.computeIfAbsent(scope, s -> new ConcurrentHashMap<>());
        }
        Slot slot = subjects.get(subject);
        if (slot == null) {
            if (!reserve(nowMillis)) {
                return FULL;
            }
            Slot made = new Slot(new Window(index, windowMillis));
            Slot raced = subjects.putIfAbsent(subject, made);
            if (raced != null) {
                space.decrementAndGet();
                slot = raced;
            } else {
                slot = made;
            }
        }
        while (true) {
            Window w = slot.window;
            if (w.index == index && w.windowMillis == windowMillis) {
                return w.count.incrementAndGet();
            }
            if (w.index > index && w.windowMillis == windowMillis) {
                // A call that read the clock just before another moved the slot on: it belongs to the
                // newer window, which only makes the limit stricter by one.
                return w.count.incrementAndGet();
            }
            Window next = new Window(index, windowMillis);
            synchronized (slot) {
                if (slot.window == w) {
                    slot.window = next;
                }
            }
        }
    }

    /** Live slots (for tests). */
    int size() {
        int n = 0;
        for (ConcurrentHashMap<String, Slot> subjects : scopes.values()) {
            n += subjects.size();
        }
        return n;
    }

    /** Empties every slot and gives their room back. */
    public void clear() {
        synchronized (purgeLock) {
            for (ConcurrentHashMap<String, Slot> subjects : scopes.values()) {
                int n = subjects.size();
                subjects.clear();
                space.addAndGet(-n);
            }
        }
    }

    private boolean reserve(long nowMillis) {
        if (space.getAndUpdate(n -> n < maxKeys ? n + 1 : n) < maxKeys) {
            return true;
        }
        purgeEnded(nowMillis);
        return space.getAndUpdate(n -> n < maxKeys ? n + 1 : n) < maxKeys;
    }

    /** Drops the slots whose window ended before {@code nowMillis}. */
    void purgeEnded(long nowMillis) {
        synchronized (purgeLock) {
            for (ConcurrentHashMap<String, Slot> subjects : scopes.values()) {
                subjects.forEach((subject, slot) -> {
                    if (slot.window.endMillis() <= nowMillis && subjects.remove(subject, slot)) {
                        space.decrementAndGet();
                    }
                });
            }
        }
    }
}
