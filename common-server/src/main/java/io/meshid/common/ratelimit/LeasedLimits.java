package io.meshid.common.ratelimit;

import io.meshid.common.random.ThreadRandom;
import io.meshid.common.store.LeasedCounters;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fixed-window limits shared by every replica without a round trip per call: each replica admits
 * calls against permits it leased ahead from the shared store ({@link LeasedCounters}), and a
 * background sync every {@code syncInterval} reports what it used and renews its leases, all keys
 * in one round trip. The store keeps the replicas' reservations of a key within its permits.
 *
 * <p>A replica that holds no lease for a key (its first calls in a window, or a lease used up
 * before the next sync) may still admit up to {@code unleased = ⌈permits × slack⌉} calls of it in
 * the window; they are reported at the next sync. So the tolerance: in one window, <b>N replicas
 * together admit at most {@code permits + N × unleased}</b> calls of a key (with the default slack
 * of 5 %, 2 replicas at most 110 % of the limit, 4 at most 120 %); one replica alone never more
 * than {@code permits + unleased}. A replica asks, each sync, for twice what it admitted in the
 * last interval (at least {@code unleased}), so a caller may be refused early by up to the other
 * replicas' unused leases (about two sync intervals of their traffic).
 *
 * <p>When the store has not answered for three sync intervals, calls are counted in this replica
 * alone ({@link LocalCounters}, as {@link RateLimiter} does), so a Redis outage neither refuses
 * everything nor lifts the limits; a warning says so at most once a minute.
 *
 * <p>A decision reads and writes memory only: safe on the event loop. Thread-safe.
 */
final class LeasedLimits implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeasedLimits.class);
    private static final int MAX_KEYS = 100_000;
    private static final int MAX_KEYS_PER_SYNC = 1000;

    private final LeasedCounters store;
    private final Clock clock;
    private final double slack;
    private final long syncMillis;
    private final String member = HexFormat.of().formatHex(ThreadRandom.bytes(8));
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    /** The slot of each subject's latest window, per scope: found without building a key. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Slot>> current = new ConcurrentHashMap<>();
    private final LocalCounters local;
    private final ScheduledExecutorService syncer;
    private volatile long lastSyncMillis;
    private volatile long lastWarning;
    private final java.util.concurrent.atomic.AtomicBoolean urgent = new java.util.concurrent.atomic.AtomicBoolean();

    /** One key's state in this replica. Guarded by itself. */
    private static final class Slot {
        final String prefix;
        final long windowIndex;
        final long windowMillis;
        final long permits;
        final long windowEnd;
        final long unleasedMax;
        long used;
        long reserved;
        /** Permits to ask for before the window begins (leased ahead); 0 once asked. */
        long aheadWant;
        long unleased;
        long usedAtLastSync;
        /** {@link #used} as last reported to the store and answered; -1 before the first answer. */
        long reported = -1;

        Slot(String prefix, long windowIndex, long windowMillis, long permits, long windowEnd, long unleasedMax) {
            this.prefix = prefix;
            this.windowIndex = windowIndex;
            this.windowMillis = windowMillis;
            this.permits = permits;
            this.windowEnd = windowEnd;
            this.unleasedMax = unleasedMax;
        }
    }

    LeasedLimits(LeasedCounters store, Clock clock, Duration syncInterval, double slack, boolean background) {
        this.store = store;
        this.clock = clock;
        this.slack = slack;
        this.syncMillis = syncInterval.toMillis();
        this.local = new LocalCounters(clock, MAX_KEYS);
        this.lastSyncMillis = clock.millis();
        if (background) {
            this.syncer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("meshid-rate-limit-sync")
                    .factory());
            syncer.scheduleWithFixedDelay(this::syncQuietly, syncMillis, syncMillis, TimeUnit.MILLISECONDS);
        } else {
            this.syncer = null;
        }
    }

    /** The most calls of one key that {@code replicas} replicas admit in one window under {@code limit}. */
    static long tolerance(RateLimit limit, int replicas, double slack) {
        return limit.permits() + replicas * unleased(limit.permits(), slack);
    }

    private static long unleased(long permits, double slack) {
        return Math.max(1, (long) Math.ceil(permits * slack));
    }

    /**
     * Whether one more call of {@code subject} under {@code scope} in the window
     * {@code windowIndex} (ending at {@code windowEnd}) is within {@code limit}: its key is
     * {@code "ratelimit:<scope>:<subject>:<windowIndex>"}. The slot of the subject's current window
     * is found without building its key, so a call allocates nothing.
     */
    boolean tryAcquire(String scope, String subject, long windowIndex, RateLimit limit, long windowEnd) {
        ConcurrentHashMap<String, Slot> subjects = current.get(scope);
        if (subjects == null) {
            subjects = current.computeIfAbsent(scope, s -> new ConcurrentHashMap<>());
        }
        Slot slot = subjects.get(subject);
        if (slot == null || slot.windowIndex != windowIndex || slot.permits != limit.permits()) {
            return tryAcquire("ratelimit:" + scope + ":" + subject + ":", windowIndex, limit, windowEnd, subjects, subject);
        }
        if (clock.millis() - lastSyncMillis > 3 * syncMillis) {
            return tryAcquire(slot.prefix, windowIndex, limit, windowEnd);
        }
        return admit(slot);
    }

    /**
     * Whether one more call of the key {@code prefix + windowIndex} (the window ending at
     * {@code windowEnd}) is within {@code limit}.
     */
    boolean tryAcquire(String prefix, long windowIndex, RateLimit limit, long windowEnd) {
        return tryAcquire(prefix, windowIndex, limit, windowEnd, null, null);
    }

    private boolean tryAcquire(String prefix, long windowIndex, RateLimit limit, long windowEnd, Map<String, Slot> subjects,
            String subject) {
        String key = prefix + windowIndex;
        long now = clock.millis();
        if (now - lastSyncMillis > 3 * syncMillis) {
            warn(now);
            return local.increment(key, limit.window().plusSeconds(1)) <= limit.permits();
        }
        Slot slot = slots.get(key);
        if (slot == null) {
            if (slots.size() >= MAX_KEYS) {
                slots.values().removeIf(s -> s.windowEnd <= now);
                if (slots.size() >= MAX_KEYS) {
                    return local.increment(key, limit.window().plusSeconds(1)) <= limit.permits();
                }
            }
            slot = slots.computeIfAbsent(key, k -> new Slot(prefix, windowIndex, limit.window().toMillis(), limit.permits(), windowEnd,
                    unleased(limit.permits(), slack)));
        }
        if (subjects != null && slot.permits == limit.permits()) {
            subjects.put(subject, slot);
        }
        return admit(slot);
    }

    private boolean admit(Slot slot) {
        synchronized (slot) {
            if (slot.used < slot.reserved && slot.used < slot.permits) {
                slot.used++;
                return true;
            }
            syncSoon();
            if (slot.unleased < slot.unleasedMax) {
                slot.unleased++;
                slot.used++;
                return true;
            }
            return false;
        }
    }

    /**
     * A lease ran out before its sync (a burst, or a sync thread held up on a loaded machine): one
     * early sync, at most one waiting at a time, so the unleased allowance bridges a round trip
     * rather than a whole interval. Never blocks the caller.
     */
    private void syncSoon() {
        if (syncer != null && urgent.compareAndSet(false, true)) {
            try {
                syncer.execute(() -> {
                    urgent.set(false);
                    syncQuietly();
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                urgent.set(false);
            }
        }
    }

    /**
     * Reports use and renews leases of every live key, in batches of one round trip each. A key
     * whose window ends within two sync intervals also leases its next window ahead (as much as it
     * used in the last interval, twice), so that a steady caller finds a lease when the window turns
     * instead of running into the unleased allowance.
     */
    void sync() {
        long now = clock.millis();
        slots.values().removeIf(s -> s.windowEnd <= now);
        for (ConcurrentHashMap<String, Slot> subjects : current.values()) {
            subjects.values().removeIf(s -> s.windowEnd <= now);
        }
        for (Slot s : List.copyOf(slots.values())) {
            if (s.windowEnd - now <= 2 * syncMillis && slots.size() < MAX_KEYS) {
                long recent;
                synchronized (s) {
                    recent = s.used - s.usedAtLastSync;
                }
                if (recent > 0) {
                    Slot next = slots.computeIfAbsent(s.prefix + (s.windowIndex + 1), k -> new Slot(s.prefix, s.windowIndex + 1,
                            s.windowMillis, s.permits, s.windowEnd + s.windowMillis, s.unleasedMax));
                    synchronized (next) {
                        next.aheadWant = Math.max(next.aheadWant, 2 * recent);
                    }
                }
            }
        }
        // A key with nothing new to report and nothing to ask ahead keeps its lease as it is: no round trip for it.
        List<Map.Entry<String, Slot>> live = new ArrayList<>(slots.size());
        for (Map.Entry<String, Slot> e : slots.entrySet()) {
            Slot s = e.getValue();
            synchronized (s) {
                if (s.used != s.reported || s.aheadWant > 0) {
                    live.add(e);
                }
            }
        }
        for (int from = 0; from < live.size(); from += MAX_KEYS_PER_SYNC) {
            List<Map.Entry<String, Slot>> batch = live.subList(from, Math.min(live.size(), from + MAX_KEYS_PER_SYNC));
            List<LeasedCounters.Lease> leases = new ArrayList<>(batch.size());
            long[] sent = new long[batch.size()];
            for (Map.Entry<String, Slot> e : batch) {
                Slot s = e.getValue();
                synchronized (s) {
                    long want = Math.max(Math.max(s.unleasedMax, 2 * (s.used - s.usedAtLastSync)), s.aheadWant);
                    s.aheadWant = 0;
                    s.usedAtLastSync = s.used;
                    sent[leases.size()] = s.used;
                    leases.add(new LeasedCounters.Lease(e.getKey(), s.used, want, s.permits));
                }
            }
            long ttl = Math.max(1000, batch.stream().mapToLong(e -> e.getValue().windowEnd - now).max().orElse(0) + 1000);
            // Keys of different windows expire at different times: the longest TTL of the batch serves all (they are short).
            long[] reserved = store.lease(member, leases, Duration.ofMillis(ttl));
            for (int i = 0; i < batch.size(); i++) {
                Slot s = batch.get(i).getValue();
                synchronized (s) {
                    s.reserved = Math.max(s.reserved, reserved[i]);
                    s.reported = sent[i];
                }
            }
        }
        lastSyncMillis = clock.millis();
    }

    private void syncQuietly() {
        try {
            sync();
        } catch (RuntimeException e) {
            LOG.debug("rate limits: sync with the shared store failed: {}", e.getMessage());
        }
    }

    private void warn(long now) {
        long last = lastWarning;
        if (now - last > 60_000) {
            lastWarning = now;
            LOG.warn("rate limits: the shared store has not answered for {} ms, counting in this replica only", now - lastSyncMillis);
        }
    }

    @Override
    public void close() {
        if (syncer != null) {
            syncer.shutdownNow();
        }
    }
}
