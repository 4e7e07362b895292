package io.meshid.sidecar.workloadapi;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open streams of one Workload API rpc: each gets the current message when it opens and again
 * after every change. A stream leaves the set when the client cancels it. Sends to one stream are
 * serialized (a gRPC stream observer is not thread-safe). Thread-safe.
 */
final class Subscribers<R> {

    private static final Logger LOG = LoggerFactory.getLogger(Subscribers.class);

    private final Set<ServerCallStreamObserver<R>> open = ConcurrentHashMap.newKeySet();
    private final Supplier<R> current;

    Subscribers(Supplier<R> current) {
        this.current = current;
    }

    /** Sends the current message to {@code observer} and keeps it for later changes. */
    void subscribe(StreamObserver<R> observer) {
        ServerCallStreamObserver<R> stream = (ServerCallStreamObserver<R>) observer;
        stream.setOnCancelHandler(() -> open.remove(stream));
        open.add(stream);
        send(stream);
    }

    /** Sends the current message to every open stream. */
    void changed() {
        for (ServerCallStreamObserver<R> stream : open) {
            send(stream);
        }
    }

    int size() {
        return open.size();
    }

    private void send(ServerCallStreamObserver<R> stream) {
        R message;
        try {
            message = current.get();
        } catch (RuntimeException e) {
            LOG.warn("no Workload API message to send: {}", e.getMessage());
            return;
        }
        if (message == null) {
            return;
        }
        synchronized (stream) {
            if (stream.isCancelled()) {
                open.remove(stream);
                return;
            }
            try {
                stream.onNext(message);
            } catch (RuntimeException e) {
                open.remove(stream);
                LOG.debug("a Workload API stream closed while sending: {}", e.getMessage());
            }
        }
    }

    /** Ends every open stream (the server is stopping). */
    void closeAll() {
        for (ServerCallStreamObserver<R> stream : open) {
            synchronized (stream) {
                try {
                    stream.onCompleted();
                } catch (RuntimeException e) {
                    LOG.debug("closing a Workload API stream: {}", e.getMessage());
                }
            }
        }
        open.clear();
    }
}
