package io.meshid.common.tls;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.meshid.common.spiffe.SpiffeId;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Real gRPC servers and clients over loopback TLS for tests: a server with the standard health
 * service behind {@link CallerIdentityInterceptor} (checking callers against the server's source,
 * by the given clock, through the given peer checks), recording what the last call saw. Closes
 * everything it made.
 */
final class Loopback implements AutoCloseable {

    private final SvidSource serverSource;
    private final Clock clock;
    private final List<PeerCheck> checks;
    /** The health service of the last server started: set a status to push a message on Watch streams. */
    final HealthStatusManager health = new HealthStatusManager();

    Loopback(SvidSource serverSource) {
        this(serverSource, Clock.systemUTC(), List.of());
    }

    Loopback(SvidSource serverSource, Clock clock, List<PeerCheck> checks) {
        this.serverSource = serverSource;
        this.clock = clock;
        this.checks = checks;
    }

    /** What the server saw of the last call: the caller identity and the TLS session. */
    static final class Seen implements ServerInterceptor {
        final AtomicReference<Optional<SpiffeId>> caller = new AtomicReference<>();
        final AtomicReference<SSLSession> session = new AtomicReference<>();

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            caller.set(CallerIdentity.current());
            session.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
            return next.startCall(call, headers);
        }
    }

    /** What the client saw of the last call's TLS session. */
    static final class ClientSeen implements ClientInterceptor {
        final AtomicReference<SSLSession> session = new AtomicReference<>();

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    ClientCall<Q, R> call = this;
                    super.start(new SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onHeaders(Metadata responseHeaders) {
                            session.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                            super.onHeaders(responseHeaders);
                        }
                    }, headers);
                }
            };
        }

        X509Certificate serverLeaf() throws SSLPeerUnverifiedException {
            return (X509Certificate) session.get().getPeerCertificates()[0];
        }
    }

    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    /** Starts a health server with {@code ssl}; anonymous methods as given. */
    Server start(SslContext ssl, Seen seen, Set<String> anonymousMethods) {
        return start(ssl, seen, anonymousMethods, new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                return next.startCall(call, headers);
            }
        });
    }

    /** As {@link #start(SslContext, Seen, Set)}, with {@code outermost} running before the caller's checks. */
    Server start(SslContext ssl, Seen seen, Set<String> anonymousMethods, ServerInterceptor outermost) {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(ssl)
                .directExecutor()
                .addService(ServerInterceptors.intercept(health.getHealthService(), seen,
                        CallerIdentityInterceptor.requiringSvid(anonymousMethods, serverSource, clock, checks), outermost))
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        servers.add(server);
        return server;
    }

    ManagedChannel connect(Server server, SslContext ssl) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).sslContext(ssl).build();
        channels.add(channel);
        return channel;
    }

    static HealthCheckResponse.ServingStatus check(Channel channel, ClientInterceptor... interceptors) {
        return HealthGrpc.newBlockingStub(ClientInterceptors.intercept(channel, interceptors))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus();
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Server server : servers) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
