package io.meshid.common.tls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.meshid.common.spiffe.SpiffeId;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * For adapter tests over the in-process transport, where there is no TLS: a server interceptor
 * that makes every call look as if {@code caller} had presented its X.509-SVID, so that
 * {@link CallerIdentity#current()} and {@link Callers} see it. Shipped in the test-jar; main code
 * has no way to set a caller identity. Thread-safe.
 */
public final class TestCallers {

    private TestCallers() {
    }

    /** Every call runs as {@code caller}. */
    public static ServerInterceptor as(SpiffeId caller) {
        Objects.requireNonNull(caller, "caller");
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                return Contexts.interceptCall(Context.current().withValue(CallerIdentity.KEY, caller), call, headers, next);
            }
        };
    }

    /** Every call runs as the holder of {@code leaf} (an X.509-SVID leaf), as after a TLS handshake that verified it. */
    public static ServerInterceptor as(X509Certificate leaf) {
        SpiffeId caller;
        try {
            caller = SvidRules.spiffeIdOf(leaf);
        } catch (SvidVerificationException e) {
            throw new IllegalArgumentException("not an X.509-SVID leaf: " + e.getMessage(), e);
        }
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                Context context = Context.current().withValue(CallerIdentity.KEY, caller).withValue(CallerIdentity.CERTIFICATE_KEY, leaf);
                return Contexts.interceptCall(context, call, headers, next);
            }
        };
    }
}
