package io.meshid.cli;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.tls.SpiffeTrustManager;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.TlsContexts;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * One command's connections: mutual TLS with the caller's SVID (or, before it has one, TLS that
 * authenticates the server only), always checking that the server presents
 * {@code spiffe://<trust domain>/meshid/<server>} chaining to the bundle; there is no insecure
 * mode. TLS is the JDK's, so that a run loads no native library for its one handshake (netty-tcnative
 * is not even on the CLI's class path: docs/decisions.md, "meshctl start-up"). Every call carries a fresh {@code x-request-id}, reported with any failure, and the
 * {@code --timeout} deadline. Not thread-safe; close it to close the channels.
 *
 * <p>The channels run on the session's own one-thread event loop, which {@link #close()} stops and
 * waits for, rather than on gRPC's shared one, which outlives its last channel by a second: a JVM
 * that exits while a thread still waits in {@code epoll_wait} spends 300 ms waiting for it
 * (HotSpot's {@code VM_Exit}), a third of a command's time (docs/benchmarks.md, meshctl).
 */
public final class Session implements AutoCloseable {

    private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private final GlobalOptions options;
    private final Settings settings;
    private final Map<ServerKind, ManagedChannel> channels = new EnumMap<>(ServerKind.class);
    private final Map<ServerKind, ManagedChannel> anonymous = new EnumMap<>(ServerKind.class);
    private EventLoopGroup eventLoop;
    private SvidSource svid;
    private String lastRequestId;

    Session(GlobalOptions options, Cli cli) {
        this.options = options;
        this.settings = new Settings(options, cli);
    }

    /** Where the settings come from. */
    public Settings settings() {
        return settings;
    }

    /** Whether the caller asked for JSON. */
    public boolean json() {
        return options.json();
    }

    /** The caller's SVID and bundle, read once. */
    public SvidSource svid() {
        if (svid == null) {
            svid = Credentials.svid(settings.cert(), settings.key(), settings.bundle(), settings.trustDomain().orElse(null));
        }
        return svid;
    }

    /** The trust domain the servers run in and the command acts in: configured, else the caller's SVID's. */
    public TrustDomain trustDomain() {
        return settings.trustDomain().orElseGet(() -> svid().svid().spiffeId().trustDomain());
    }

    /** A stub of {@code kind}'s server over mutual TLS with the caller's SVID. */
    public <S extends io.grpc.stub.AbstractStub<S>> S stub(ServerKind kind, Function<Channel, S> factory) {
        ManagedChannel channel = channels.computeIfAbsent(kind,
                k -> open(k, TlsContexts.grpcClient(svid(), expected(k)::equals, SslProvider.JDK)));
        return factory.apply(ClientInterceptors.intercept(channel, new RequestIdInterceptor()))
                .withDeadlineAfter(options.timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A stub of {@code kind}'s server over TLS that authenticates the server only, against {@code bundle}. */
    public <S extends io.grpc.stub.AbstractStub<S>> S anonymousStub(ServerKind kind, SvidSource bundle,
            Function<Channel, S> factory) {
        ManagedChannel channel = anonymous.computeIfAbsent(kind, k -> {
            try {
                SslContext context = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                        .trustManager(new SpiffeTrustManager(bundle, expected(k)::equals))
                        .endpointIdentificationAlgorithm(null).protocols("TLSv1.3", "TLSv1.2").build();
                return open(k, context);
            } catch (SSLException e) {
                throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
            }
        });
        return factory.apply(ClientInterceptors.intercept(channel, new RequestIdInterceptor()))
                .withDeadlineAfter(options.timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs one call to {@code kind}'s server; a refusal or failure becomes a {@link CliException}
     * (exit code 1) with the server's message, the status and the request id.
     */
    public <R> R call(ServerKind kind, Supplier<R> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            throw CliException.failed(Failures.describe(e, kind.serverName(), settings.findServer(kind).orElse(null), lastRequestId));
        }
    }

    /**
     * A refusal by {@code kind}'s server that meshctl describes itself ({@code text}: a first line,
     * then details on lines of their own), in the form of every failure line: the server and
     * address, the text, the status and the request id.
     */
    public String refusal(ServerKind kind, StatusRuntimeException e, String text) {
        int newline = text.indexOf('\n');
        String first = newline < 0 ? text : text.substring(0, newline);
        String rest = newline < 0 ? "" : text.substring(newline);
        boolean colon = first.endsWith(":");
        return kind.serverName() + settings.findServer(kind).map(a -> " at " + a).orElse("") + ": "
                + (colon ? first.substring(0, first.length() - 1) : first) + " (" + e.getStatus().getCode()
                + (lastRequestId == null ? "" : ", request id " + lastRequestId) + ")" + (colon ? ":" : "") + rest;
    }

    /** The SPIFFE ID {@code kind}'s server must present. */
    public SpiffeId expected(ServerKind kind) {
        return kind.spiffeId(trustDomain());
    }

    private ManagedChannel open(ServerKind kind, SslContext context) {
        String address = settings.server(kind);
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (eventLoop == null) {
            eventLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("meshctl-io", true), NioIoHandler.newFactory());
        }
        return NettyChannelBuilder.forAddress(host, Integer.parseInt(address.substring(colon + 1)))
                .eventLoopGroup(eventLoop)
                .channelType(NioSocketChannel.class)
                .sslContext(context)
                .maxInboundMessageSize(16 * 1024 * 1024)
                .build();
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        anonymous.values().forEach(ManagedChannel::shutdownNow);
        if (eventLoop != null) {
            // No quiet period: nothing more is sent. Bounded, so that a stuck loop never holds the command.
            eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
    }

    /** Sends a fresh request id with every call and remembers it for the failure line. */
    private final class RequestIdInterceptor implements ClientInterceptor {
        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions callOptions, Channel next) {
            String id = UUID.randomUUID().toString();
            lastRequestId = id;
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    headers.put(REQUEST_ID, id);
                    super.start(listener, headers);
                }
            };
        }
    }
}
