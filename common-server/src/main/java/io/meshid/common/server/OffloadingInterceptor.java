package io.meshid.common.server;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Singleton;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a server with {@link InlineCalls} runs each call. Its gRPC server delivers every call on
 * the transport's event loop ({@link GrpcCallExecutorConfigurer}); this interceptor, the outermost,
 * keeps there the calls that {@link InlineCalls} names, and moves every other one, from the rest of
 * the interceptor chain to the handler and all its later callbacks, to the {@link RpcExecutor},
 * one callback after another in the order gRPC delivered them (a sequential executor per call),
 * with the call's gRPC {@link Context} attached. An inline call's context carries
 * {@link InlineCalls#INLINE}, so that code it reaches knows not to block ({@link InlineCalls#runningInline()}).
 */
@Singleton
@Requires(beans = InlineCalls.class)
public final class OffloadingInterceptor implements ServerInterceptor, Ordered {

    private static final Logger LOG = LoggerFactory.getLogger(OffloadingInterceptor.class);

    private final InlineCalls inline;
    private final Executor executor;

    OffloadingInterceptor(InlineCalls inline, RpcExecutor executor) {
        this.inline = inline;
        this.executor = executor;
    }

    /** Before every other meshid interceptor: they may block (a Redis rate limit). */
    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (inline.runsInline(call, headers)) {
            return Contexts.interceptCall(Context.current().withValue(InlineCalls.INLINE, Boolean.TRUE), call, headers, next);
        }
        Context context = Context.current();
        Executor serial = MoreExecutors.newSequentialExecutor(executor);
        Deferred<Q> deferred = new Deferred<>(call, serial, context);
        serial.execute(context.wrap(() -> {
            try {
                deferred.delegate = next.startCall(call, headers);
            } catch (RuntimeException e) {
                fail(call, e);
            }
        }));
        return deferred;
    }

    /**
     * Closes {@code call} after its code threw {@code e}, as gRPC closes a call whose listener
     * throws on its own executor: with the exception's status when it carries one, else
     * {@code UNKNOWN}. Nothing is left open to wait for its deadline.
     */
    private static void fail(ServerCall<?, ?> call, RuntimeException e) {
        Status status = Status.fromThrowable(e);
        if (status.getCode() == Status.Code.UNKNOWN) {
            LOG.error("{} failed", call.getMethodDescriptor().getFullMethodName(), e);
            status = Status.UNKNOWN.withDescription("application error processing the call");
        }
        Metadata trailers = Status.trailersFromThrowable(e);
        try {
            call.close(status, trailers != null ? trailers : new Metadata());
        } catch (IllegalStateException alreadyClosed) {
            LOG.debug("{} threw after it was closed", call.getMethodDescriptor().getFullMethodName(), e);
        }
    }

    /**
     * Forwards each callback to the listener that the rest of the chain returned, on the call's
     * sequential executor; the start ran there first, so {@code delegate} is set (or the call was
     * closed) before any callback reads it.
     */
    private static final class Deferred<Q> extends ServerCall.Listener<Q> {

        private final ServerCall<?, ?> call;
        private final Executor serial;
        private final Context context;
        private ServerCall.Listener<Q> delegate;

        Deferred(ServerCall<?, ?> call, Executor serial, Context context) {
            this.call = call;
            this.serial = serial;
            this.context = context;
        }

        private void run(java.util.function.Consumer<ServerCall.Listener<Q>> callback) {
            serial.execute(context.wrap(() -> {
                if (delegate == null) {
                    return;
                }
                try {
                    callback.accept(delegate);
                } catch (RuntimeException e) {
                    delegate = null;
                    fail(call, e);
                }
            }));
        }

        @Override
        public void onMessage(Q message) {
            run(l -> l.onMessage(message));
        }

        @Override
        public void onHalfClose() {
            run(ServerCall.Listener::onHalfClose);
        }

        @Override
        public void onCancel() {
            run(ServerCall.Listener::onCancel);
        }

        @Override
        public void onComplete() {
            run(ServerCall.Listener::onComplete);
        }

        @Override
        public void onReady() {
            run(ServerCall.Listener::onReady);
        }
    }
}
