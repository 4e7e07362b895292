package io.meshid.common.errors;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.meshid.common.server.RequestIds;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where domain failures become gRPC statuses: a {@link MeshidException} thrown by an
 * endpoint closes the call with the status of its {@linkplain MeshidException#kind() kind}
 * ({@link #code}) and its message; anything else closes it with
 * {@code INTERNAL} (or {@code UNAVAILABLE} when a database or the shared store was unreachable) and a
 * generic message with the request id (the details go to the log under that request id, not to the
 * caller), and so does a meshid failure caused by a driver or store exception, whose message may
 * carry that exception's text ({@link FailureReplies}); a
 * {@link StatusRuntimeException} keeps its own status. A mapped failure carries a
 * {@code google.rpc.ErrorInfo} in its status details (domain {@value #DOMAIN}): reason
 * {@link MeshidException#reason()} when the exception has one, else the status code's name.
 * Thread-safe.
 */
@Singleton
public final class ErrorMappingInterceptor implements ServerInterceptor, Ordered {

    /** The ErrorInfo domain of every meshid error. */
    public static final String DOMAIN = "meshid.io";

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
                    close(call, toStatusException(e));
                } catch (StatusRuntimeException e) {
                    close(call, e);
                } catch (RuntimeException e) {
                    LOG.error("request {}: {} failed", RequestIds.current(), call.getMethodDescriptor().getFullMethodName(), e);
                    close(call, toStatusException(e));
                }
            }
        };
    }

    /** Maps an exception the way this interceptor does, for code that completes calls itself (streams). */
    public static Status toStatus(Throwable e) {
        if (e instanceof MeshidException m) {
            return FailureReplies.hidesDetail(m) ? FailureReplies.hidden(m) : Status.fromCode(code(m.kind())).withDescription(m.getMessage());
        }
        return FailureReplies.unexpected(e);
    }

    /** The gRPC status code of a domain failure kind: the only place the two meet. */
    public static Status.Code code(MeshidException.Kind kind) {
        return switch (kind) {
            case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
            case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
            case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
            case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
            case CONFLICT -> Status.Code.ABORTED;
            case UNAVAILABLE -> Status.Code.UNAVAILABLE;
        };
    }

    /**
     * The status and trailers (with the ErrorInfo) this interceptor would answer {@code e} with, for
     * code that completes calls itself ({@code responseObserver.onError}).
     */
    public static StatusRuntimeException toStatusException(Throwable e) {
        Status status = toStatus(e);
        String reason = e instanceof MeshidException m ? m.reason().orElse(status.getCode().name()) : status.getCode().name();
        com.google.rpc.Status details = com.google.rpc.Status.newBuilder()
                .setCode(status.getCode().value())
                .setMessage(status.getDescription() == null ? "" : status.getDescription())
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).build()))
                .build();
        return StatusProto.toStatusRuntimeException(details);
    }

    private static void close(ServerCall<?, ?> call, StatusRuntimeException failure) {
        Status status = failure.getStatus();
        Metadata trailers = failure.getTrailers() == null ? new Metadata() : failure.getTrailers();
        try {
            call.close(status, trailers);
        } catch (IllegalStateException alreadyClosed) {
            LOG.debug("call already closed; dropping {}", status);
        }
    }
}
