package io.meshid.common.errors;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where domain failures become gRPC statuses: a {@link MeshidException} thrown by an
 * endpoint closes the call with its code and message; anything else closes it with
 * {@code INTERNAL} and a generic message (the details go to the log, not to the caller); a
 * {@link StatusRuntimeException} keeps its own status.
 * Thread-safe.
 */
@Singleton
public final class ErrorMappingInterceptor implements ServerInterceptor, Ordered {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorMappingInterceptor.class);

    @Override
    public int getOrder() {
        return LOWEST_PRECEDENCE;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        return new SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(Q message) {
                guard(() -> super.onMessage(message));
            }

            @Override
            public void onHalfClose() {
                guard(super::onHalfClose);
            }

            private void guard(Runnable callback) {
                try {
                    callback.run();
                } catch (MeshidException e) {
                    close(call, Status.fromCode(e.code()).withDescription(e.getMessage()));
                } catch (StatusRuntimeException e) {
                    close(call, e.getStatus());
                } catch (RuntimeException e) {
                    LOG.error("{} failed", call.getMethodDescriptor().getFullMethodName(), e);
                    close(call, Status.INTERNAL.withDescription("internal error; see the server log for this request id"));
                }
            }
        };
    }

    /** Maps an exception the way this interceptor does, for code that completes calls itself (streams). */
    public static Status toStatus(Throwable e) {
        if (e instanceof MeshidException m) {
            return Status.fromCode(m.code()).withDescription(m.getMessage());
        }
        return Status.INTERNAL.withDescription("internal error; see the server log for this request id");
    }

    private static void close(ServerCall<?, ?> call, Status status) {
        try {
            call.close(status, new Metadata());
        } catch (IllegalStateException alreadyClosed) {
            LOG.debug("call already closed; dropping {}", status);
        }
    }
}
