package io.meshid.sidecar.workloadapi;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The Workload API standard's guard against server-side request forgery: every call must carry the
 * metadata {@code workload.spiffe.io: true}, which a browser or a proxy tricked into calling the
 * socket would not send. A call without it is refused with {@code INVALID_ARGUMENT} before any
 * handler runs. Stateless and thread-safe.
 */
final class SecurityHeaderInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> HEADER = Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!"true".equals(headers.get(HEADER))) {
            call.close(Status.INVALID_ARGUMENT.withDescription(
                    "security header missing from request (expected: metadata \"workload.spiffe.io: true\")"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }
}
