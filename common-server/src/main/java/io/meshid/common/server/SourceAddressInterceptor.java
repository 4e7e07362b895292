package io.meshid.common.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * Makes the caller's network address available to the code serving a gRPC call, for the audit
 * trail and per-source limits: {@link #current()}. The transport's own view is used; a header the
 * caller sets ({@code x-forwarded-for}) is believed only when the transport peer is one of
 * {@link GrpcLimitsConfig#getTrustedProxies()} ({@link SourceAddresses#client}). Thread-safe.
 */
@Singleton
public final class SourceAddressInterceptor implements ServerInterceptor, Ordered {

    /** The metadata a trusted proxy names the client address in. */
    public static final Metadata.Key<String> FORWARDED_FOR = Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);

    private static final Context.Key<String> KEY = Context.key("meshid-source-address");

    private final List<Cidr> trustedProxies;

    /** Without trusted proxies: the transport peer is the source. */
    public SourceAddressInterceptor() {
        this(List.of());
    }

    @Inject
    SourceAddressInterceptor(GrpcLimitsConfig config) {
        this(config.getTrustedProxies());
    }

    /** Believing {@code x-forwarded-for} from peers in {@code trustedProxies}. */
    public SourceAddressInterceptor(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

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
        String address;
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            InetAddress peer = SourceAddresses.unmapped(inet.getAddress());
            Iterable<String> forwarded = trustedProxies.isEmpty() ? null : headers.getAll(FORWARDED_FOR);
            InetAddress client = forwarded == null ? peer
                    : SourceAddresses.client(peer, java.util.stream.StreamSupport.stream(forwarded.spliterator(), false).toList(),
                            trustedProxies);
            address = client.getHostAddress();
        } else {
            address = remote == null ? "unknown" : remote.toString();
        }
        return Contexts.interceptCall(Context.current().withValue(KEY, address), call, headers, next);
    }
}
