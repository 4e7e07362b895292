package io.meshid.ca.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.function.Consumer;

/**
 * Sends trust bundles down one {@code WatchTrustBundle} stream under gRPC flow control: a bundle is
 * written only while the stream is ready; otherwise it waits, and a newer bundle replaces one that
 * is still waiting, because every bundle is complete and only the newest one matters. A watcher
 * that stops reading therefore holds at most one waiting bundle on the server, however often the
 * bundle changes, and gets the newest as soon as it reads again. Thread-safe.
 *
 * @param <T> the message type
 */
final class LatestBundleSender<T> implements Consumer<T> {

    private final ServerCallStreamObserver<T> stream;
    private T waiting;

    /** Registers itself as {@code stream}'s on-ready handler; call it before the rpc method returns. */
    LatestBundleSender(ServerCallStreamObserver<T> stream) {
        this.stream = stream;
        stream.setOnReadyHandler(this::drain);
    }

    /** Sends {@code message} now if the stream is ready, else keeps it (only the newest) until it is. */
    @Override
    public synchronized void accept(T message) {
        waiting = message;
        drain();
    }

    private synchronized void drain() {
        if (waiting == null || stream.isCancelled() || !stream.isReady()) {
            return;
        }
        T message = waiting;
        waiting = null;
        stream.onNext(message);
    }
}
