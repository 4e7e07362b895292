package io.meshid.sidecar.proxy;

import io.netty.channel.Channel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open downstream connections of one listener: enforces the connection limit and lets
 * shutdown drain them (idle connections close at once, busy ones after their current response).
 * Thread-safe.
 */
final class ConnectionTracker {

    private final int max;
    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong accepted = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean draining;

    ConnectionTracker(int max) {
        this.max = max;
    }

    /** Registers {@code channel}; false when the listener is full or draining (the caller closes it). */
    boolean admit(Channel channel) {
        if (draining) {
            return false;
        }
        open.add(channel);
        if (open.size() > max) {
            open.remove(channel);
            return false;
        }
        channel.closeFuture().addListener(f -> open.remove(channel));
        accepted.incrementAndGet();
        return true;
    }

    int size() {
        return open.size();
    }

    /** How many connections were admitted since the start (closed ones included; refused ones not). */
    long accepted() {
        return accepted.get();
    }

    /** The open connections, for a sweep (a snapshot; it may change while iterated). */
    Iterable<Channel> open() {
        return open;
    }

    /** Stops admitting; asks every open connection to close once it is idle. */
    void drain() {
        draining = true;
        for (Channel channel : open) {
            channel.eventLoop().execute(() -> {
                HttpProxyHandler handler = channel.pipeline().get(HttpProxyHandler.class);
                if (handler != null) {
                    handler.drain(channel);
                } else {
                    channel.close();
                }
            });
        }
    }

    void closeAll() {
        for (Channel channel : open) {
            channel.close();
        }
    }

    boolean draining() {
        return draining;
    }
}
