package io.meshid.common.store;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one store, by channel, and the thread that calls them. Delivery runs on one
 * daemon thread so that listeners see messages in order and never run on a caller's thread or on
 * Redis' I/O thread (where a listener that calls the store would block the reply it waits for).
 * The queue is bounded: past {@link #MAX_PENDING} waiting messages, new ones are dropped and
 * logged, which at-most-once pub/sub allows; every listener is then resynced (its
 * {@code onResync} runs before its next message), as after a reconnect. Thread-safe.
 */
final class LocalSubscribers implements AutoCloseable {

    static final int MAX_PENDING = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(LocalSubscribers.class);

    private final ConcurrentMap<String, List<Handle>> byChannel = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final ThreadPoolExecutor delivery;

    LocalSubscribers(String threadName) {
        this.delivery = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAX_PENDING), Thread.ofPlatform().name(threadName).daemon(true).factory(),
                (task, executor) -> onRejected(executor));
    }

    /** One listener on one channel, with what to run when its messages may have been lost. */
    static final class Handle {
        private final String channel;
        private final Consumer<String> listener;
        private final Runnable onResync;
        private final AtomicBoolean missed = new AtomicBoolean();
        private volatile boolean active = true;

        Handle(String channel, Consumer<String> listener) {
            this(channel, listener, () -> { });
        }

        Handle(String channel, Consumer<String> listener, Runnable onResync) {
            this.channel = channel;
            this.listener = listener;
            this.onResync = onResync;
        }

        String channel() {
            return channel;
        }
    }

    /**
     * Registers {@code handle}; returns whether it is the first on its channel. A new listener owes
     * one resync from now on: it runs before its first message, or when {@link #start} is delivered,
     * whichever comes first, and only once.
     */
    boolean add(Handle handle) {
        handle.missed.set(true);
        List<Handle> listeners = byChannel.compute(handle.channel, (channel, current) -> {
            List<Handle> next = current == null ? new CopyOnWriteArrayList<>() : current;
            next.add(handle);
            return next;
        });
        return listeners.size() == 1;
    }

    /** Unregisters {@code handle}; returns whether it was the last on its channel. Idempotent. */
    boolean remove(Handle handle) {
        if (!handle.active) {
            return false;
        }
        handle.active = false;
        boolean[] last = {false};
        byChannel.computeIfPresent(handle.channel, (channel, current) -> {
            last[0] = current.remove(handle) && current.isEmpty();
            return last[0] ? null : current;
        });
        return last[0];
    }

    /** Queues {@code message} for the listeners that are on {@code channel} now. */
    void dispatch(String channel, String message) {
        List<Handle> listeners = byChannel.get(channel);
        if (listeners == null || listeners.isEmpty()) {
            return;
        }
        List<Handle> snapshot = List.copyOf(listeners);
        delivery.execute(() -> deliver(channel, message, snapshot));
    }

    /**
     * Queues a resync of every listener on {@code channel} (its subscription was made again, after
     * a reconnect: what was published meanwhile is lost), in order with the messages.
     */
    void resync(String channel) {
        List<Handle> listeners = byChannel.get(channel);
        if (listeners == null || listeners.isEmpty()) {
            return;
        }
        List<Handle> snapshot = List.copyOf(listeners);
        snapshot.forEach(h -> h.missed.set(true));
        delivery.execute(() -> deliver(channel, null, snapshot));
    }

    /**
     * Queues the first resync of {@code handle}, registered by {@link #add}: call it once its
     * subscription is live, so that what its {@code onResync} reads is followed by every later
     * message. Runs nothing if a message delivered meanwhile already ran it.
     */
    void start(Handle handle) {
        delivery.execute(() -> deliver(handle.channel, null, List.of(handle)));
    }

    /** {@code message} null: a resync only. */
    private static void deliver(String channel, String message, List<Handle> listeners) {
        for (Handle handle : listeners) {
            if (!handle.active) {
                continue;
            }
            try {
                if (handle.missed.getAndSet(false)) {
                    handle.onResync.run();
                }
                if (message != null) {
                    handle.listener.accept(message);
                }
            } catch (RuntimeException e) {
                LOG.warn("A listener on channel {} failed; it stays subscribed", channel, e);
            }
        }
    }

    private void onRejected(ThreadPoolExecutor executor) {
        if (executor.isShutdown()) {
            return;
        }
        // A dropped message is lost to every listener: each resyncs before its next delivery.
        byChannel.values().forEach(list -> list.forEach(h -> h.missed.set(true)));
        long count = dropped.incrementAndGet();
        if (count == 1 || count % 1000 == 0) {
            LOG.warn("Dropped a pub/sub message: {} messages already wait for delivery ({} dropped so far)",
                    MAX_PENDING, count);
        }
    }

    /** Ends every subscription and stops the delivery thread; a listener that is running finishes. */
    @Override
    public void close() {
        byChannel.values().forEach(list -> list.forEach(handle -> handle.active = false));
        byChannel.clear();
        delivery.shutdownNow();
    }
}
