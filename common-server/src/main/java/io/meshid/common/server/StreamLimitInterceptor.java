package io.meshid.common.server;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds how many streaming calls (watches: anything but a unary rpc) one connection may have open
 * at once ({@link GrpcLimitsConfig#getMaxConcurrentStreamsPerConnection()}); one more is refused
 * with {@code RESOURCE_EXHAUSTED} before any service code runs, while other connections are served
 * as before. A network connection is told apart by its two transport addresses; calls over the
 * in-process transport are not bounded. Thread-safe.
 */
@Singleton
public final class StreamLimitInterceptor implements ServerInterceptor, Ordered {

    private record Connection(SocketAddress remote, SocketAddress local) {
    }

    private final int maxStreams;
    private final ConcurrentHashMap<Connection, Integer> open = new ConcurrentHashMap<>();

    @Inject
    StreamLimitInterceptor(GrpcLimitsConfig config) {
        this(config.getMaxConcurrentStreamsPerConnection());
    }

    /** At most {@code maxStreams} streaming calls per connection. */
    public StreamLimitInterceptor(int maxStreams) {
        this.maxStreams = maxStreams;
    }

    @Override
    public int getOrder() {
        // After the request id and source address, before the rate limits and any service code.
        return HIGHEST_PRECEDENCE + 3;
    }

    /** Connections with at least one streaming call open (for tests). */
    int connectionsWithStreams() {
        return open.size();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY) {
            return next.startCall(call, headers);
        }
        Connection connection = new Connection(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
                call.getAttributes().get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR));
        if (!(connection.remote() instanceof InetSocketAddress)) {
            // The in-process transport (tests, adapters): no network connection to bound.
            return next.startCall(call, headers);
        }
        boolean[] admitted = {false};
        open.compute(connection, (c, n) -> {
            int count = n == null ? 0 : n;
            admitted[0] = count < maxStreams;
            return admitted[0] ? count + 1 : n;
        });
        if (!admitted[0]) {
            call.close(Status.RESOURCE_EXHAUSTED.withDescription("streams: this connection already has " + maxStreams
                    + " streaming calls open (expected: at most " + maxStreams + " per connection, "
                    + GrpcLimitsConfig.PREFIX + ".max-concurrent-streams-per-connection); close one or open another connection"),
                    new Metadata());
            return new ServerCall.Listener<>() { };
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                open.computeIfPresent(connection, (c, n) -> n <= 1 ? null : n - 1);
            }
        };
        ServerCall.Listener<Q> delegate;
        try {
            delegate = next.startCall(call, headers);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        return new SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onComplete() {
                release.run();
                super.onComplete();
            }

            @Override
            public void onCancel() {
                release.run();
                super.onCancel();
            }
        };
    }
}
