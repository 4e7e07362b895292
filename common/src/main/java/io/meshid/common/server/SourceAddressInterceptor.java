package io.meshid.common.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Singleton;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Makes the caller's network address available to the code serving a gRPC call, for the audit
 * trail and per-source limits: {@link #current()}. The transport's own view is used, never a
 * header the caller could set. Thread-safe.
 */
@Singleton
public final class SourceAddressInterceptor implements ServerInterceptor, Ordered {

    private static final Context.Key<String> KEY = Context.key("meshid-source-address");

    /** The address of the caller of the gRPC call being served, or "unknown". */
    public static String current() {
        String address = KEY.get();
        return address == null ? "unknown" : address;
    }

    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE + 2;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String address = remote instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress()
                : remote == null ? "unknown" : remote.toString();
        return Contexts.interceptCall(Context.current().withValue(KEY, address), call, headers, next);
    }
}
